/**
 * Wires the core from its adapters, once per function instance (at cold start). SDK
 * clients live here at module scope; endpoints come from the SDK's own environment variables
 * (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_S3`), which local mode sets.
 */
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SFNClient } from "@aws-sdk/client-sfn";
import { createDynamoClient } from "#adapters/dynamodb/client.ts";
import { PageTokens } from "#adapters/dynamodb/page-token.ts";
import { DynamoRegistryStore } from "#adapters/dynamodb/store.ts";
import { measureDynamoUsage } from "#adapters/dynamodb/usage.ts";
import { LambdaArtifactVerification } from "#adapters/lambda/artifact-verification.ts";
import { LambdaCustomValidator } from "#adapters/lambda/custom-validator.ts";
import { S3ArtifactStorage } from "#adapters/s3/artifact-storage.ts";
import { StepFunctionsWorkflowControl } from "#adapters/sfn/workflow-control.ts";
import { defaultUploadPolicy } from "#core/artifacts/upload-plan.ts";
import { type CoreDeps, createCoreDeps, transitionPath } from "#core/kernel/deps.ts";
import { type Config, readConfig } from "./config.ts";
import { logger } from "./logger.ts";

/** The core's dependencies, wired from the configuration: called once, at cold start. */
export async function buildCore(config: Config = readConfig()): Promise<CoreDeps> {
  const secret =
    "value" in config.pageTokenSecret
      ? config.pageTokenSecret.value
      : await readSecret(config.pageTokenSecret.arn);
  const store = new DynamoRegistryStore({
    client: createDynamoClient(),
    tableName: config.tableName,
    pageTokens: new PageTokens(secret),
  });
  const artifacts = new S3ArtifactStorage({
    client: new S3Client({
      forcePathStyle: config.s3ForcePathStyle,
      requestChecksumCalculation: "WHEN_REQUIRED",
    }),
    bucket: config.artifactBucket,
  });
  const lambda = new LambdaClient({});
  const { publicApiUrl } = config;
  return createCoreDeps({
    store,
    artifacts,
    uploadPolicy: {
      ...defaultUploadPolicy,
      urlTtlSeconds: config.uploadUrlTtlSeconds,
      multipartThresholdBytes: config.multipartThresholdBytes,
    },
    ...(config.verifierFunctionName && {
      verification: new LambdaArtifactVerification(lambda, config.verifierFunctionName),
    }),
    // Only the transitions group and the workflow's tasks call these; IAM grants them to those
    // alone. SendTask* needs no ARN: the token names the execution.
    workflow: new StepFunctionsWorkflowControl(new SFNClient({})),
    customValidator: new LambdaCustomValidator(lambda),
    lifecycle: {
      approvalTimeoutSeconds: config.approvalTimeoutSeconds,
      approvalLink: publicApiUrl
        ? (model, transitionId) => `${publicApiUrl}${transitionPath(model, transitionId)}`
        : transitionPath,
    },
    logger,
  });
}

async function readSecret(arn: string): Promise<string> {
  const { SecretString } = await new SecretsManagerClient({}).send(
    new GetSecretValueCommand({ SecretId: arn }),
  );
  if (!SecretString) throw new Error(`secret ${arn} has no string value`);
  return SecretString;
}

/**
 * With `REPORT_DYNAMODB_USAGE=true` (local mode and benchmarks), every response carries the
 * DynamoDB round trips and capacity units it cost, as `x-registry-dynamodb-*` headers.
 */
export const usageReporting = process.env.REPORT_DYNAMODB_USAGE === "true" ? measureDynamoUsage : undefined;
