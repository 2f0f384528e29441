import { buildCore, usageReporting } from "#composition/build-core.ts";
import * as versions from "#core/use-cases/versions.ts";
import { createApiHandler, replyOf } from "#http/api.ts";
import { versionOperations } from "#http/operations/versions.ts";

const core = await buildCore();

export const handler = createApiHandler(
  "versions",
  versionOperations,
  {
    createVersion: async ({ params, body, ctx }) =>
      replyOf(await versions.createVersion(core, params.model, body, ctx)),
    listVersions: async ({ params, query }) => ({
      body: await versions.listVersions(core, params.model, query),
    }),
    getVersion: async ({ params }) => ({
      body: await versions.getVersion(core, params.model, params.version),
    }),
    updateVersion: async ({ params, body, ctx }) => ({
      body: await versions.updateVersion(core, params.model, params.version, body, ctx),
    }),
    compareVersions: async ({ params }) => ({
      body: await versions.compareVersions(core, params.model, params.version, params.other),
    }),
  },
  { meter: usageReporting },
);
