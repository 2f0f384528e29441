/** The operations of the `models` route group. */
import { ListModelsQuery, PageQuery } from "#core/schemas.ts";
import { deferredBody, ModelParams, type OperationSpec } from "./spec.ts";

// The bodies of creates and updates (the promotion policy above all) are built on first use.
const bodies = () => import("./models-bodies.ts").then((module) => module.modelBodies);

export const modelOperations = {
  createModel: {
    body: deferredBody(async () => (await bodies()).createModel),
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
    body: deferredBody(async () => (await bodies()).updateModel),
    success: { status: 200, description: "the updated model" },
    conditional: true,
    etag: true,
  },
  getModelPolicy: {
    params: ModelParams,
    success: { status: 200, description: "the model's policy, the floor and the policy in force" },
    etag: true,
  },
  setModelPolicy: {
    params: ModelParams,
    body: deferredBody(async () => (await bodies()).setModelPolicy),
    success: { status: 200, description: "the model's new policy, the floor and the policy in force" },
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
