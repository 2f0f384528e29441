/**
 * The request bodies of the `models` group that are built on first use (`deferredBody` in
 * `./models.ts`): imported by the handler when the first create or update arrives, and by
 * `../operations.ts` for the OpenAPI document.
 */
import { CreateModelInput, Policy, UpdateModelInput } from "#core/schemas.ts";

export const modelBodies = {
  createModel: CreateModelInput,
  updateModel: UpdateModelInput,
  setModelPolicy: Policy,
};
