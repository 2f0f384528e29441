import { createS3ArtifactStorage } from "#adapters/s3/artifact-storage.ts";
import { buildCore, usageReporting } from "#composition/build-core.ts";
import { readConfig } from "#composition/config.ts";
import * as artifacts from "#core/use-cases/artifacts.ts";
import { createApiHandler, replyOf } from "#http/api.ts";
import { artifactOperations } from "#http/operations/artifacts.ts";

// Every route of this group signs or reads S3 objects: the S3 client is part of its cold start.
const core = await buildCore(readConfig(), { artifactStorage: createS3ArtifactStorage });

export const handler = createApiHandler(
  "artifacts",
  artifactOperations,
  {
    requestUploadUrls: async ({ params, body, ctx }) =>
      replyOf(await artifacts.requestUploadUrls(core, params.model, params.version, body, ctx)),
    completeUpload: async ({ params, body, ctx }) =>
      replyOf(await artifacts.completeUpload(core, params.model, params.version, body, ctx)),
    sealVersion: async ({ params, ctx }) => {
      const { value, replayed } = await artifacts.sealVersion(core, params.model, params.version, ctx);
      return { body: value.version, replayed, status: value.accepted ? 202 : 200 };
    },
    abandonVersion: async ({ params, ctx }) =>
      replyOf(await artifacts.abandonVersion(core, params.model, params.version, ctx)),
    getArtifact: async ({ params }) => ({
      body: await artifacts.getArtifact(core, params.model, params.version, params.path),
    }),
    getAliasArtifact: async ({ params }) => ({
      body: await artifacts.getAliasArtifact(core, params.model, params.alias, params.path),
    }),
  },
  { meter: usageReporting },
);
