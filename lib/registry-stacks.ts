import { type App, Tags } from "aws-cdk-lib";
import { ApiStack } from "./api-stack.ts";
import { DataStack } from "./data-stack.ts";
import type { RegistryConfig } from "./registry-config.ts";

export interface RegistryStacks {
  data: DataStack;
  api: ApiStack;
}

/**
 * Adds the registry's two stacks to an app. Shared by `bin/app.ts` and the infra tests, so the
 * tests check exactly what `cdk deploy` deploys. Stacks are environment-agnostic: synth needs
 * no credentials and no lookups; the account and region come from the deploying profile.
 */
export function addRegistryStacks(app: App, config: RegistryConfig): RegistryStacks {
  const data = new DataStack(app, `${config.stackPrefix}-Data`, {
    description: "Model registry: stateful resources (table, artifact bucket, event bus, secrets)",
    busName: config.busName,
    eventSource: config.eventSource,
    eventArchiveRetentionDays: config.eventArchiveRetentionDays,
  });

  const api = new ApiStack(app, `${config.stackPrefix}-Api`, {
    description: "Model registry: stateless resources (functions, REST API, access policies)",
    data,
    functionLogRetention: config.functionLogRetention,
    accessLogRetention: config.accessLogRetention,
    throttleRateLimit: config.apiThrottleRateLimit,
    throttleBurstLimit: config.apiThrottleBurstLimit,
    cloudWatchRole: config.apiCloudWatchRole,
    webhooks: config.webhooks,
    approvalTimeoutSeconds: config.approvalTimeoutSeconds,
  });

  Tags.of(data).add("app", "model-registry");
  Tags.of(api).add("app", "model-registry");
  return { data, api };
}
