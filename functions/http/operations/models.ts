/** The operations of the `models` route group. */
import { CreateModelInput, ListModelsQuery, PageQuery, UpdateModelInput } from "#core/schemas.ts";
import { ModelParams, type OperationSpec } from "./spec.ts";

export const modelOperations = {
  createModel: {
    body: CreateModelInput,
    success: { status: 201, description: "the registered model" },
    idempotent: true,
    etag: true,
  },
  listModels: {
    query: ListModelsQuery,
    success: { status: 200, description: "a page of models, by name" },
  },
  getModel: {
    params: ModelParams,
    success: { status: 200, description: "the model" },
    etag: true,
  },
  updateModel: {
    params: ModelParams,
    body: UpdateModelInput,
    success: { status: 200, description: "the updated model" },
    conditional: true,
    etag: true,
  },
  deleteModel: { params: ModelParams, success: { status: 204, description: "deleted" }, conditional: true },
  listHistory: {
    params: ModelParams,
    query: PageQuery,
    success: { status: 200, description: "history, newest first" },
  },
} satisfies Record<string, OperationSpec>;
