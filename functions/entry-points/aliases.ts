import { buildCore, usageReporting } from "#composition/build-core.ts";
import * as aliases from "#core/use-cases/aliases.ts";
import { createApiHandler } from "#http/api.ts";
import { aliasOperations } from "#http/operations/aliases.ts";

const core = await buildCore();

export const handler = createApiHandler(
  "aliases",
  aliasOperations,
  {
    setAlias: async ({ params, body, ctx }) => ({
      body: await aliases.setAlias(core, params.model, params.alias, body.version, ctx),
    }),
    getAlias: async ({ params }) => ({ body: await aliases.getAlias(core, params.model, params.alias) }),
    deleteAlias: async ({ params, ctx }) => {
      await aliases.deleteAlias(core, params.model, params.alias, ctx);
      return {};
    },
  },
  { meter: usageReporting },
);
