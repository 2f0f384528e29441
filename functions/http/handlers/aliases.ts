import { createApiHandler } from "../api.ts";
import { buildRegistry, usageReporting } from "../composition.ts";

const registry = await buildRegistry();

export const handler = createApiHandler(
  "aliases",
  {
    setAlias: async ({ params, body, ctx }) => ({
      body: await registry.setAlias(params.model, params.alias, body.version, ctx),
    }),
    getAlias: async ({ params }) => ({ body: await registry.getAlias(params.model, params.alias) }),
    deleteAlias: async ({ params, ctx }) => {
      await registry.deleteAlias(params.model, params.alias, ctx);
      return {};
    },
  },
  { meter: usageReporting },
);
