import { App } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { describe, expect, it } from "vitest";
import { defaultRegistryConfig, readRegistryConfig } from "../../lib/registry-config.ts";

const configFrom = (context: Record<string, unknown>) => readRegistryConfig(new App({ context }).node);

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
});
