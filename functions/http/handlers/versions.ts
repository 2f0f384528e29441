import { createApiHandler } from "../api.ts";
import { buildRegistry, usageReporting } from "../composition.ts";

const registry = await buildRegistry();

export const handler = createApiHandler(
  "versions",
  {
    createVersion: async ({ params, body, ctx }) => {
      const { value, replayed } = await registry.createVersion(params.model, body, ctx);
      return { body: value, replayed };
    },
    listVersions: async ({ params, query }) => ({ body: await registry.listVersions(params.model, query) }),
    getVersion: async ({ params }) => ({ body: await registry.getVersion(params.model, params.version) }),
    updateVersion: async ({ params, body, ctx }) => ({
      body: await registry.updateVersion(params.model, params.version, body, ctx),
    }),
    compareVersions: async ({ params }) => ({
      body: await registry.compareVersions(params.model, params.version, params.other),
    }),
  },
  { meter: usageReporting },
);
