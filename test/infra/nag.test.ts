import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Stack } from "aws-cdk-lib";
import { Bucket } from "aws-cdk-lib/aws-s3";
import { afterAll, describe, expect, it } from "vitest";
import { registryApp } from "../../lib/app.ts";
import { type NagFinding, unacknowledgedNagFindings } from "../../lib/nag-check.ts";
import { defaultRegistryConfig, type RegistryConfig } from "../../lib/registry-config.ts";
import { addRegistryStacks } from "../../lib/registry-stacks.ts";
import { assertHandlerEntriesExist } from "./template-support.ts";

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

function findingsFor(config: RegistryConfig, env?: { account: string; region: string }): NagFinding[] {
  assertHandlerEntriesExist();
  const outdir = mkdtempSync(join(tmpdir(), "registry-nag-"));
  outdirs.push(outdir);
  const app = registryApp({ outdir });
  addRegistryStacks(app, config, env);
  return unacknowledgedNagFindings(app);
}

const listed = (findings: NagFinding[]) =>
  findings.map((f) => `${f.severity} ${f.rule} at ${f.path}: ${f.description}`).join("\n");

// Every acknowledged finding carries its reason at the construct it concerns (lib/nag.ts).
describe("cdk-nag AwsSolutions and Serverless packs", () => {
  it("do report findings: the check is not vacuous (a bare bucket has no access logs)", () => {
    const outdir = mkdtempSync(join(tmpdir(), "registry-nag-"));
    outdirs.push(outdir);
    const app = registryApp({ outdir });
    new Bucket(new Stack(app, "Bare"), "Bucket");
    const rules = unacknowledgedNagFindings(app).map((f) => f.rule);
    expect(rules).toEqual(expect.arrayContaining(["AwsSolutions-S1", "AwsSolutions-S10"]));
  });

  // Each synthesizes (and bundles) a whole app: minutes on a busy 2-core machine, not 30 s.
  it("report no unacknowledged error or warning on the default app (both stacks)", {
    timeout: 240_000,
  }, () => {
    const findings = findingsFor(defaultRegistryConfig);
    expect(findings, `unacknowledged findings:\n${listed(findings)}`).toEqual([]);
  });

  it("report none either with every option on: customer-managed key, alarm email, webhooks, cross-account callers", {
    timeout: 240_000,
  }, () => {
    const findings = findingsFor(
      {
        ...defaultRegistryConfig,
        customerManagedKey: true,
        alarmEmail: "ml-platform@example.com",
        reservedConcurrency: 20,
        crossAccountIds: ["111122223333"],
        organizationId: "o-abcdef1234",
        webhooks: [
          {
            name: "Deployer",
            endpoint: "https://deploy.example.com/hooks/registry",
            pattern: { source: ["model-registry"] },
            secretName: "registry/webhooks/deployer",
          },
        ],
      },
      { account: "123456789012", region: "us-east-1" },
    );
    expect(findings, `unacknowledged findings:\n${listed(findings)}`).toEqual([]);
  });
});
