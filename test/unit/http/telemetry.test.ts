import { afterEach, describe, expect, it, vi } from "vitest";

const load = async (disabled: string | undefined) => {
  vi.resetModules();
  if (disabled === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
  else process.env.POWERTOOLS_METRICS_DISABLED = disabled;
  return import("#http/telemetry.ts");
};

afterEach(() => {
  delete process.env.POWERTOOLS_METRICS_DISABLED;
});

describe("request metrics", () => {
  it("are written where the deployment turns them on (RegistryFunction sets POWERTOOLS_METRICS_DISABLED=false)", async () => {
    const telemetry = await load("false");
    expect(telemetry.metricsEnabled).toBe(true);
    const [middleware] = telemetry.requestMetrics();
    expect(middleware?.after).toBeTypeOf("function");
  });

  it("stay out of the chain in local mode, tests and benchmarks, which share stdout", async () => {
    expect((await load(undefined)).requestMetrics()).toEqual([]);
    expect((await load("true")).requestMetrics()).toEqual([]);
  });
});
