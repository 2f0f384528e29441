import { type App, type Environment, Tags } from "aws-cdk-lib";
import { ApiStack } from "./api-stack.ts";
import { DataStack, type DataStackProps } from "./data-stack.ts";
import type { RegistryConfig } from "./registry-config.ts";
import { registryRolePath } from "./registry-function.ts";

export interface RegistryStacks {
  data: DataStack;
  api: ApiStack;
}

/** `<stackPrefix>-Data` and `<stackPrefix>-Api`. */
export function stackNames(config: Pick<RegistryConfig, "stackPrefix">): { data: string; api: string } {
  return { data: `${config.stackPrefix}-Data`, api: `${config.stackPrefix}-Api` };
}

/** The data stack's settings from the configuration (also used by tests that synth it alone). */
export function dataStackProps(config: RegistryConfig): DataStackProps {
  return {
    description: "Model registry: stateful resources (table, artifact bucket, event bus, audit log)",
    busName: config.busName,
    eventSource: config.eventSource,
    eventArchiveRetentionDays: config.eventArchiveRetentionDays,
    // The API stack's functions are the only artifact writers: the bucket policy names their path.
    artifactWriterRolePath: registryRolePath(stackNames(config).api),
    corsAllowedOrigins: config.corsAllowedOrigins,
    noncurrentVersionExpirationDays: config.noncurrentVersionExpirationDays,
    stateRemovalPolicy: config.stateRemovalPolicy,
    customerManagedKey: config.customerManagedKey,
    accessLogRetention: config.accessLogRetention,
  };
}

/**
 * Adds the registry's two stacks to an app. Shared by `bin/app.ts` and the infra tests, so the
 * tests check exactly what `cdk deploy` deploys. Stacks are environment-agnostic unless `env` is
 * given (a customer-managed key needs the region): synth needs no credentials and no lookups;
 * the account and region come from the deploying profile.
 */
export function addRegistryStacks(app: App, config: RegistryConfig, env?: Environment): RegistryStacks {
  if (config.customerManagedKey && !env?.region) {
    // DynamoDB renders a customer-managed key per replica region, so the region must be known.
    throw new Error(
      "context 'customerManagedKey' needs the stacks' region: deploy with a profile or AWS_REGION set (cdk passes it as CDK_DEFAULT_REGION)",
    );
  }
  const names = stackNames(config);
  const data = new DataStack(app, names.data, { ...dataStackProps(config), env });

  const api = new ApiStack(app, names.api, {
    description: "Model registry: stateless resources (functions, REST API, access policies, alarms)",
    data,
    functionLogRetention: config.functionLogRetention,
    powertoolsTracer: config.powertoolsTracer,
    sourceMaps: config.sourceMaps,
    stageName: config.stageName,
    approvalTimeout: config.approvalTimeout,
    uploadUrlTtlSeconds: config.uploadUrlTtlSeconds,
    reservedConcurrency: config.reservedConcurrency,
    crossAccount: { accountIds: config.crossAccountIds, organizationId: config.organizationId },
    alarmTopicArn: config.alarmTopicArn,
    alarmEmail: config.alarmEmail,
    throttleRateLimit: config.apiThrottleRateLimit,
    throttleBurstLimit: config.apiThrottleBurstLimit,
    cloudWatchRole: config.apiCloudWatchRole,
    webhooks: config.webhooks,
    governance: { policyFloor: config.policyFloor, personBoundRoles: config.personBoundRoles },
    env,
  });

  Tags.of(data).add("app", "model-registry");
  Tags.of(api).add("app", "model-registry");
  return { data, api };
}
