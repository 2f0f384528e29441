import { buildCore, usageReporting } from "#composition/build-core.ts";
import * as models from "#core/use-cases/models.ts";
import { createApiHandler, replyOf } from "#http/api.ts";
import { modelOperations } from "#http/operations/models.ts";

const core = await buildCore();

export const handler = createApiHandler(
  "models",
  modelOperations,
  {
    createModel: async ({ body, ctx }) => replyOf(await models.createModel(core, body, ctx)),
    listModels: async ({ query }) => ({ body: await models.listModels(core, query) }),
    getModel: async ({ params }) => ({ body: await models.getModel(core, params.model) }),
    updateModel: async ({ params, body, ctx }) => ({
      body: await models.updateModel(core, params.model, body, ctx),
    }),
    getModelPolicy: async ({ params }) => ({ body: await models.getModelPolicy(core, params.model) }),
    setModelPolicy: async ({ params, body, ctx }) => ({
      body: await models.setModelPolicy(core, params.model, body, ctx),
    }),
    deleteModel: async ({ params, ctx }) => {
      await models.deleteModel(core, params.model, ctx);
      return {};
    },
    listHistory: async ({ params, query }) => ({ body: await models.listHistory(core, params.model, query) }),
  },
  { meter: usageReporting },
);
