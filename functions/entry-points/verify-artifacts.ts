/**
 * The artifact verifier's Lambda handler: invoked asynchronously by a seal (or, locally, by the
 * in-process Lambda endpoint) with `{model, version, startedAt}`. It streams every artifact the
 * seal could not settle through SHA-256 and commits READY or FAILED (`verifyVersion`).
 *
 * A thrown error makes Lambda retry the event (twice); a retry after a commit is skipped by the
 * use case, because the version is no longer VERIFYING under that seal.
 */
import type { Context } from "aws-lambda";
import { parseVerificationEvent } from "#adapters/lambda/verification-event.ts";
import { createS3ArtifactReader } from "#adapters/s3/artifact-reader.ts";
import { traceHandler } from "#adapters/tracing.ts";
import { readConfig } from "#composition/config.ts";
import { createLogger } from "#composition/logger.ts";
import { buildReaderCore } from "#composition/wiring.ts";
import { verifyVersion } from "#core/artifacts/verification.ts";

// The verifier never lists, so it needs no page-token key; it reads S3 on every run, so the
// S3 client and the adapter's reads (not its URLs or uploads) are part of its cold start.
const logger = createLogger();
const core = buildReaderCore(readConfig(process.env, { pageTokens: false }), {
  artifactReader: createS3ArtifactReader,
  logger,
});

export const handler = traceHandler(verify);

async function verify(event: unknown, context: Context): Promise<{ result: string }> {
  logger.addContext(context);
  const request = parseVerificationEvent(event);
  const result = await verifyVersion(core, request, context.awsRequestId);
  logger.info("artifact verification finished", { ...request, result });
  return { result };
}
