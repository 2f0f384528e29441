/**
 * Runs cdk-nag's AwsSolutions and Serverless packs over a whole app, the way `cdk synth` runs
 * validation plugins, and returns every finding nobody acknowledged. Used by
 * `test/infra/nag.test.ts`; cdk-nag is a development dependency, so the deployed app does not
 * load this file.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type App, type CfnResource, Validations } from "aws-cdk-lib";
import { CfnManagedPolicy, CfnPolicy, CfnRole } from "aws-cdk-lib/aws-iam";
import { AwsSolutionsChecks, rules, ServerlessChecks } from "cdk-nag";
import { acceptedWildcardsFor, acknowledge } from "./nag.ts";

export interface NagFinding {
  rule: string;
  severity: string;
  path: string;
  description: string;
}

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    violations: {
      ruleName: string;
      description: string;
      severity: string;
      violatingConstructs?: { constructPath: string }[];
      violatingResources?: { constructPath: string }[];
    }[];
  }[];
}

/**
 * Synthesizes `app` (whose `outdir` must be a fresh directory), acknowledges the wildcard
 * findings its constructs accept, then synthesizes again with the nag packs as validation
 * plugins and returns what they still report.
 */
export function unacknowledgedNagFindings(app: App): NagFinding[] {
  // First synthesis: cross-stack references become imports, so policies read as they deploy.
  app.synth();
  acknowledgeAcceptedWildcards(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  try {
    app.synth({ force: true });
    return [];
  } catch (error) {
    // The plugins' verdict; anything else (a synth error) is the caller's to see.
    if (!(error instanceof Error) || error.name !== "ValidationFailed") throw error;
  }
  const report = JSON.parse(
    readFileSync(join(app.outdir, "validation-report.json"), "utf8"),
  ) as ValidationReport;
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((violation) =>
      [...(violation.violatingConstructs ?? []), ...(violation.violatingResources ?? [])].map((c) => ({
        rule: violation.ruleName,
        severity: violation.severity,
        path: c.constructPath,
        description: violation.description,
      })),
    ),
  );
}

/** Every wildcard-resource finding of an IAM policy that matches a pattern its scope accepts. */
function acknowledgeAcceptedWildcards(app: App): void {
  const wildcardRule = rules.iam.IAMNoWildcardPermissions as unknown as (node: CfnResource) => unknown;
  for (const construct of app.node.findAll()) {
    if (
      !(
        construct instanceof CfnPolicy ||
        construct instanceof CfnManagedPolicy ||
        construct instanceof CfnRole
      )
    ) {
      continue;
    }
    const accepted = acceptedWildcardsFor(construct);
    if (accepted.length === 0) continue;
    const findings = wildcardRule(construct);
    if (!Array.isArray(findings)) continue;
    for (const finding of findings as string[]) {
      if (!finding.startsWith("Resource::")) continue;
      const match = accepted.find(({ pattern }) => pattern.test(finding.slice("Resource::".length)));
      if (match) acknowledge(construct, `AwsSolutions-IAM5[${finding}]`, match.reason);
    }
  }
}
