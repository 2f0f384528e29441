import { createApiHandler } from "../api.ts";
import { buildRegistry, usageReporting } from "../composition.ts";

const registry = await buildRegistry();

export const handler = createApiHandler(
  "models",
  {
    createModel: async ({ body, ctx }) => {
      const { value, replayed } = await registry.createModel(body, ctx);
      return { body: value, replayed };
    },
    listModels: async ({ query }) => ({ body: await registry.listModels(query) }),
    getModel: async ({ params }) => ({ body: await registry.getModel(params.model) }),
    updateModel: async ({ params, body, ctx }) => ({
      body: await registry.updateModel(params.model, body, ctx),
    }),
    deleteModel: async ({ params, ctx }) => {
      await registry.deleteModel(params.model, ctx);
      return {};
    },
    listHistory: async ({ params, query }) => ({ body: await registry.listHistory(params.model, query) }),
  },
  { meter: usageReporting },
);
