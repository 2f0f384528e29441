import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { CURRENTLY_RECOMMENDED_FLAGS } from "aws-cdk-lib/cx-api";
import { describe, expect, it } from "vitest";
import { cdkJsonContext, FEATURE_FLAG_DEVIATIONS, registryApp } from "../../lib/app.ts";
import { projectRoot } from "../../lib/bundling/index.ts";
import { defaultRegistryConfig } from "../../lib/registry-config.ts";
import { addRegistryStacks } from "../../lib/registry-stacks.ts";

describe("CDK feature flags", () => {
  const context = cdkJsonContext();

  it("cdk.json sets every flag aws-cdk-lib recommends to its recommended value, or says why not", () => {
    const undecided = Object.entries(CURRENTLY_RECOMMENDED_FLAGS)
      .filter(([flag, value]) => !(flag in FEATURE_FLAG_DEVIATIONS) && context[flag] !== value)
      .map(
        ([flag, value]) =>
          `${flag}: recommended ${JSON.stringify(value)}, cdk.json ${JSON.stringify(context[flag])}`,
      );
    expect(undecided, "set these in cdk.json, or add them to FEATURE_FLAG_DEVIATIONS with a reason").toEqual(
      [],
    );
  });

  it("lists a deviation only for a flag aws-cdk-lib still recommends and cdk.json really sets otherwise", () => {
    for (const [flag, reason] of Object.entries(FEATURE_FLAG_DEVIATIONS)) {
      expect(flag in CURRENTLY_RECOMMENDED_FLAGS, flag).toBe(true);
      expect(context[flag], flag).not.toEqual(
        CURRENTLY_RECOMMENDED_FLAGS[flag as keyof typeof CURRENTLY_RECOMMENDED_FLAGS],
      );
      expect(reason.length, flag).toBeGreaterThan(40);
    }
  });

  it("gives every app made outside the CLI cdk.json's flags, and lets explicit context win", () => {
    const app = registryApp({ context: { "@aws-cdk/aws-iam:minimizePolicies": false } });
    expect(app.node.tryGetContext("@aws-cdk/aws-lambda:useCdkManagedLogGroup")).toBe(true);
    expect(app.node.tryGetContext("@aws-cdk/aws-iam:minimizePolicies")).toBe(false);
  });

  // Synthesizes (and bundles) the whole app: minutes on a busy 2-core machine, not 30 s.
  it("leaves the templates without Mappings, so any partition can deploy them (target-partitions unset)", {
    timeout: 240_000,
  }, () => {
    const { data, api } = addRegistryStacks(registryApp(), defaultRegistryConfig);
    for (const stack of [data, api]) expect(Template.fromStack(stack).toJSON().Mappings).toBeUndefined();
  });

  it("is the only place an App is made, so no test synthesizes a template cdk deploy would not", () => {
    const makers: string[] = [];
    const visit = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) visit(path);
        else if (/\.m?ts$/.test(entry.name) && /\bnew App\(/.test(readFileSync(path, "utf8")))
          makers.push(relative(projectRoot, path));
      }
    };
    for (const dir of ["bin", "lib", "local", "test", "bench", "functions", "clients"])
      visit(join(projectRoot, dir));
    expect(makers).toEqual(["lib/app.ts"]);
  });
});
