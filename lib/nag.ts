/**
 * cdk-nag findings the registry accepts on purpose, each recorded at the construct it concerns
 * with the reason, so the security check (`test/infra/nag.test.ts`) fails only on new findings.
 *
 * cdk-nag 3 reads CDK's own acknowledgements (`Validations.of(scope).acknowledge`), matched
 * exactly by rule id and inherited by a construct's children. Wildcard-resource findings
 * (`AwsSolutions-IAM5[Resource::…]`) name the resource as synthesized, cross-stack imports
 * included, which only exist once the app is prepared; for those a construct declares the
 * pattern it accepts (`acceptWildcardResources`), and `acknowledgeAcceptedWildcards` turns each
 * matching finding into an exact acknowledgement after synthesis.
 */
import { Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/** The rule packs the registry is checked against. */
export const NAG_PACKS = ["AwsSolutions", "Serverless"] as const;

/** Acknowledges one finding (`AwsSolutions-S1`, `Serverless-LambdaDLQ`, `AwsSolutions-IAM5[Resource::*]`). */
export function acknowledge(scope: IConstruct, ruleId: string, reason: string): void {
  const pack = NAG_PACKS.find((name) => ruleId.startsWith(`${name}-`));
  if (!pack) throw new Error(`nag rule '${ruleId}' belongs to none of ${NAG_PACKS.join(", ")}`);
  Validations.of(scope).acknowledge({ id: `${pack}::${ruleId}`, reason });
}

export interface AcceptedWildcard {
  /** Matched against the finding's resource, as cdk-nag flattens it (`<Logical.Arn>/models/*`). */
  pattern: RegExp;
  reason: string;
}

const acceptedWildcards = new WeakMap<IConstruct, AcceptedWildcard[]>();

/** Declares wildcard resources that IAM policies under `scope` may grant on, and why. */
export function acceptWildcardResources(scope: IConstruct, pattern: RegExp, reason: string): void {
  acceptedWildcards.set(scope, [...(acceptedWildcards.get(scope) ?? []), { pattern, reason }]);
}

/** The accepted wildcards that apply to a construct: its own and its ancestors'. */
export function acceptedWildcardsFor(construct: IConstruct): AcceptedWildcard[] {
  return construct.node.scopes.flatMap((scope) => acceptedWildcards.get(scope) ?? []);
}
