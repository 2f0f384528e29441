/**
 * The CDK `App` of the registry, with the feature flags `cdk.json` sets.
 *
 * The CDK CLI hands `cdk.json`'s context to `bin/app.ts`; an `App` made anywhere else (the infra
 * tests, the state machine local mode runs, the bundle inventory) would get none of it, and
 * synthesize a template that `cdk deploy` never would. Everything that builds the stacks makes
 * its `App` here, so tests read the template that ships.
 *
 * `cdk.json` sets every flag aws-cdk-lib currently recommends (what `cdk init` writes), except
 * those in `FEATURE_FLAG_DEVIATIONS`; `test/infra/feature-flags.test.ts` fails when an aws-cdk-lib
 * upgrade recommends a flag `cdk.json` does not set, so each new one is a decision.
 */
import { readFileSync } from "node:fs";
import { App, type AppProps } from "aws-cdk-lib";

const CDK_JSON = new URL("../cdk.json", import.meta.url);

/** Flags left off their recommended value on purpose, each with its reason. */
export const FEATURE_FLAG_DEVIATIONS: Readonly<Record<string, string>> = {
  "@aws-cdk/core:defaultCrossStackReferences":
    '"strong" (recommended "weak"): the API stack imports the table, bucket and bus through exports, so CloudFormation refuses to delete or replace the data stack\'s resources while the API stack uses them',
  "@aws-cdk/core:target-partitions":
    'unset (recommended ["aws", "aws-cn"]): the registry deploys into any partition, GovCloud included; no region fact it uses needs a mapping (the templates have no Mappings section, which test/infra/feature-flags.test.ts checks)',
};

/** The context `cdk.json` gives the app: the feature flags. */
export function cdkJsonContext(): Record<string, unknown> {
  const { context } = JSON.parse(readFileSync(CDK_JSON, "utf8")) as { context?: Record<string, unknown> };
  return context ?? {};
}

/**
 * A CDK app with `cdk.json`'s context under `props.context` (context given here wins, as the
 * CLI's `-c` does).
 */
export function registryApp(props: AppProps = {}): App {
  return new App({ ...props, context: { ...cdkJsonContext(), ...props.context } });
}
