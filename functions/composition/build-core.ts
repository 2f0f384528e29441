/**
 * Wires the core from its adapters, once per function instance (at cold start). The DynamoDB
 * client is built here at module scope; every other SDK client (S3, Lambda, Step Functions,
 * Secrets Manager) sits behind its adapter, which is imported on first use: a bundled function
 * loads it as a separate chunk (lib/bundling/), so the routes that never need it do not pay
 * for it at cold start (bench/results/bundles-latest.json). A function whose every request needs
 * one imports that adapter statically instead (the artifacts handler), and the verifier, which
 * needs only S3's reads, gets a core of its own that reaches no other adapter (`buildReaderCore`
 * in `wiring.ts`).
 * Endpoints come from the SDK's own environment variables (`AWS_ENDPOINT_URL_DYNAMODB`,
 * `AWS_ENDPOINT_URL_S3`, ...), which local mode sets.
 */
import { measureDynamoUsage } from "#adapters/dynamodb/usage.ts";
import type { createS3ArtifactStorage } from "#adapters/s3/artifact-storage.ts";
import { artifactUri } from "#adapters/s3/keys.ts";
import { defaultUploadPolicy } from "#core/artifacts/upload-plan.ts";
import { type CoreDeps, createCoreDeps, transitionPath } from "#core/kernel/deps.ts";
import type { ArtifactStorage } from "#core/ports.ts";
import { type Config, readConfig } from "./config.ts";
import { logger } from "./logger.ts";
import { createStore, deferred, onFirstUse, s3Options } from "./wiring.ts";

/**
 * Adapters a function builds at cold start instead of on first use: those every one of its
 * requests needs. Passing the factory (a static import) also bundles it into the cold start.
 */
export interface AtColdStart {
  artifactStorage?: typeof createS3ArtifactStorage;
  /** The function's own logger (a worker's); default the HTTP functions' logger. */
  logger?: CoreDeps["logger"];
}

/** The core's dependencies, wired from the configuration: called once, at cold start. */
export async function buildCore(
  config: Config = readConfig(),
  atColdStart: AtColdStart = {},
): Promise<CoreDeps> {
  const store = createStore(config);
  const storageOptions = s3Options(config);
  const storage = atColdStart.artifactStorage?.(storageOptions);
  const s3 = storage
    ? async () => storage
    : onFirstUse(async () =>
        (await import("#adapters/s3/artifact-storage.ts")).createS3ArtifactStorage(storageOptions),
      );
  const artifacts: ArtifactStorage = {
    uri: (model, version, path) => artifactUri(config.artifactBucket, model, version, path),
    ...deferred(s3, [
      "presignPut",
      "startMultipartUpload",
      "presignParts",
      "listParts",
      "completeMultipartUpload",
      "abortMultipartUpload",
      "head",
      "digest",
      "presignGet",
    ]),
  };
  const { verifierFunctionName, publicApiUrl } = config;
  const verifier =
    verifierFunctionName &&
    onFirstUse(async () =>
      (await import("#adapters/lambda/artifact-verification.ts")).createLambdaArtifactVerification(
        verifierFunctionName,
      ),
    );
  // Only the transitions group and the workflow's tasks call these two; IAM grants them to those
  // alone. SendTask* needs no ARN: the token names the execution.
  const workflow = onFirstUse(async () =>
    (await import("#adapters/sfn/workflow-control.ts")).createStepFunctionsWorkflowControl(),
  );
  const customValidator = onFirstUse(async () =>
    (await import("#adapters/lambda/custom-validator.ts")).createLambdaCustomValidator(),
  );
  return createCoreDeps({
    store,
    artifacts,
    uploadPolicy: {
      ...defaultUploadPolicy,
      urlTtlSeconds: config.uploadUrlTtlSeconds,
      multipartThresholdBytes: config.multipartThresholdBytes,
    },
    ...(verifier && { verification: deferred(verifier, ["start"]) }),
    workflow: deferred(workflow, ["resume", "fail", "restart"]),
    customValidator: deferred(customValidator, ["validate"]),
    lifecycle: {
      approvalTimeoutSeconds: config.approvalTimeoutSeconds,
      approvalLink: publicApiUrl
        ? (model, transitionId) => `${publicApiUrl}${transitionPath(model, transitionId)}`
        : transitionPath,
    },
    ...(Object.keys(config.governance).length > 0 && {
      governance: (await import("#core/governance-config.ts")).governanceFromEnvironment(config.governance),
    }),
    logger: atColdStart.logger ?? logger,
  });
}

/**
 * With `REPORT_DYNAMODB_USAGE=true` (local mode and benchmarks), every response carries the
 * DynamoDB round trips and capacity units it cost, as `x-registry-dynamodb-*` headers.
 */
export const usageReporting = process.env.REPORT_DYNAMODB_USAGE === "true" ? measureDynamoUsage : undefined;
