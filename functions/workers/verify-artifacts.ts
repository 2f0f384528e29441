/**
 * The artifact verifier's Lambda handler: invoked asynchronously by a seal (or, locally, by the
 * in-process Lambda endpoint) with `{model, version, startedAt}`. It streams every artifact the
 * seal could not settle through SHA-256 and commits READY or FAILED (`verifyVersion`).
 *
 * A thrown error makes Lambda retry the event (twice); a retry after a commit is skipped by the
 * use case, because the version is no longer VERIFYING under that seal.
 */
import type { Context } from "aws-lambda";
import * as z from "zod/mini";
import { createS3ArtifactStorage } from "#adapters/s3/artifact-storage.ts";
import { traceHandler } from "#adapters/tracing.ts";
import { verifyVersion } from "#core/artifacts/verification.ts";
import { buildCore } from "#http/composition.ts";
import { readConfig } from "#http/config.ts";
import { createLogger } from "#http/logger.ts";

const VerificationEvent = z.object({
  model: z.string().check(z.minLength(1)),
  version: z.int().check(z.minimum(1)),
  startedAt: z.iso.datetime(),
});

// The verifier never lists, so it needs no page-token secret; it reads S3 on every run, so the
// S3 client is part of its cold start.
const logger = createLogger();
const core = await buildCore(readConfig(process.env, { pageTokens: false }), {
  artifactStorage: createS3ArtifactStorage,
  logger,
});

export const handler = traceHandler(verify);

async function verify(event: unknown, context: Context): Promise<{ result: string }> {
  logger.addContext(context);
  const request = VerificationEvent.parse(event);
  const result = await verifyVersion(core, request, context.awsRequestId);
  logger.info("artifact verification finished", { ...request, result });
  return { result };
}
