import { RemovalPolicy } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { describe, expect, it } from "vitest";
import { registryApp } from "../../lib/app.ts";
import {
  DEFAULT_APPROVAL_TIMEOUT,
  defaultRegistryConfig,
  readRegistryConfig,
} from "../../lib/registry-config.ts";

const configFrom = (context: Record<string, unknown>) => readRegistryConfig(registryApp({ context }).node);

describe("registry config from CDK context", () => {
  it("uses the defaults when no context is given", () => {
    expect(configFrom({})).toEqual(defaultRegistryConfig);
    expect(defaultRegistryConfig).toMatchObject({
      stackPrefix: "ModelRegistry",
      eventSource: "model-registry",
      busName: "model-registry",
      eventArchiveRetentionDays: 365,
      functionLogRetention: RetentionDays.ONE_MONTH,
    });
  });

  it("accepts values as `-c key=value` strings, the way the CLI passes them", () => {
    expect(
      configFrom({
        stackPrefix: "ModelRegistryDev",
        eventSource: "acme.model-registry",
        busName: "ml-events",
        eventArchiveRetentionDays: "30",
        functionLogRetentionDays: "7",
        apiCloudWatchRole: "false",
      }),
    ).toMatchObject({
      stackPrefix: "ModelRegistryDev",
      eventSource: "acme.model-registry",
      busName: "ml-events",
      eventArchiveRetentionDays: 30,
      functionLogRetention: RetentionDays.ONE_WEEK,
      apiCloudWatchRole: false,
    });
  });

  it("rejects values CloudFormation would reject, at synth time", () => {
    expect(() => configFrom({ functionLogRetentionDays: "31" })).toThrow(/functionLogRetentionDays/);
    expect(() => configFrom({ eventArchiveRetentionDays: "a year" })).toThrow(/eventArchiveRetentionDays/);
    expect(() => configFrom({ busName: "has spaces" })).toThrow(/busName/);
    expect(() => configFrom({ apiCloudWatchRole: "yes" })).toThrow(/apiCloudWatchRole/);
  });

  it("defaults to a secure, retained deployment: stage v1, 7-day approvals, 15-minute URLs, no cross-account callers", () => {
    expect(defaultRegistryConfig).toMatchObject({
      stageName: "v1",
      uploadUrlTtlSeconds: 900,
      stateRemovalPolicy: RemovalPolicy.RETAIN,
      noncurrentVersionExpirationDays: 30,
      reservedConcurrency: undefined,
      customerManagedKey: false,
      crossAccountIds: [],
      organizationId: undefined,
    });
    expect(defaultRegistryConfig.approvalTimeout.toDays()).toBe(7);
    expect(DEFAULT_APPROVAL_TIMEOUT.toDays()).toBe(7);
  });

  it("reads every deployment setting from context, lists as comma-separated strings or arrays", () => {
    const config = configFrom({
      stageName: "prod",
      approvalTimeoutDays: "3",
      uploadUrlTtlSeconds: "3600",
      stateRemovalPolicy: "destroy",
      corsAllowedOrigins: "https://studio.example.com, https://ml.example.com",
      noncurrentVersionExpirationDays: 90,
      reservedConcurrency: "50",
      customerManagedKey: "true",
      alarmEmail: "oncall@example.com",
      crossAccountIds: ["111122223333"],
      organizationId: "o-abcdef1234",
    });
    expect(config).toMatchObject({
      stageName: "prod",
      uploadUrlTtlSeconds: 3600,
      stateRemovalPolicy: RemovalPolicy.DESTROY,
      corsAllowedOrigins: ["https://studio.example.com", "https://ml.example.com"],
      noncurrentVersionExpirationDays: 90,
      reservedConcurrency: 50,
      customerManagedKey: true,
      alarmEmail: "oncall@example.com",
      crossAccountIds: ["111122223333"],
      organizationId: "o-abcdef1234",
    });
    expect(config.approvalTimeout.toDays()).toBe(3);
    expect(configFrom({ reservedConcurrency: "none" }).reservedConcurrency).toBeUndefined();
  });

  it("rejects deployment settings AWS would reject, naming the key", () => {
    expect(() => configFrom({ uploadUrlTtlSeconds: String(8 * 24 * 3600) })).toThrow(/uploadUrlTtlSeconds/);
    expect(() => configFrom({ approvalTimeoutDays: "0" })).toThrow(/approvalTimeoutDays/);
    expect(() => configFrom({ stateRemovalPolicy: "snapshot" })).toThrow(/stateRemovalPolicy/);
    expect(() => configFrom({ corsAllowedOrigins: "example.com" })).toThrow(/corsAllowedOrigins/);
    expect(() => configFrom({ crossAccountIds: "12345" })).toThrow(/crossAccountIds/);
    expect(() => configFrom({ organizationId: "org-1" })).toThrow(/organizationId/);
    expect(() => configFrom({ alarmTopicArn: "not-an-arn" })).toThrow(/alarmTopicArn/);
  });
});
