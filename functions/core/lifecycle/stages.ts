/**
 * The stage rules of the lifecycle: which moves a request may ask for, which stages need sealed
 * bytes, which stage has one holder at a time. The README's table of allowed transitions is
 * printed from `ALLOWED_TRANSITIONS` (`npm run docs` writes it with the role matrix).
 */

import type * as z from "zod/mini";
import type { ModelRecord } from "../records.ts";
import type { Policy, Stage } from "../schemas.ts";

export type StageName = z.infer<typeof Stage>;
type PolicyValue = z.infer<typeof Policy>;

/**
 * from → the stages a promotion may move to, each with the reason it exists. Promotions go one
 * step at a time (development cannot jump to production: staging is where a version is
 * exercised before it serves); moving back is allowed where it makes sense (a staging version
 * that needs more work, a production version demoted to staging), and anything can be
 * archived. An archived version comes back through development or staging, never straight to
 * production: except by a rollback, which restores a former holder (see `rollback`).
 */
export const ALLOWED_TRANSITIONS: { readonly [From in StageName]: Partial<Record<StageName, string>> } = {
  development: {
    staging: "promote for evaluation",
    archived: "retire a version that will not ship",
  },
  staging: {
    production: "promote to serving",
    development: "send back for more work",
    archived: "retire",
  },
  production: {
    staging: "demote (another version can take production)",
    archived: "retire from serving",
  },
  archived: {
    development: "revive for more work",
    staging: "revive for evaluation",
  },
};

/** Stages a version enters only once sealed (READY): deploy tooling fetches its bytes. */
export const STAGES_REQUIRING_READY: readonly StageName[] = ["staging", "production"];

/** Stages with at most one version at a time; entering one moves its holder out in the same change. */
export const EXCLUSIVE_STAGES: readonly StageName[] = ["production"];

export function isAllowedTransition(from: StageName, to: StageName): boolean {
  return Object.hasOwn(ALLOWED_TRANSITIONS[from], to);
}

/** What the request may move to from `from`, for the 409's message. */
export function allowedTargets(from: StageName): StageName[] {
  return Object.keys(ALLOWED_TRANSITIONS[from]) as StageName[];
}

/** Where the holder of an exclusive stage goes when another version enters it. */
export function demotionStage(policy: PolicyValue, stage: StageName): StageName {
  if (stage === "production") return policy.demoteProductionTo ?? "archived";
  return "archived";
}

/**
 * The approvals a move from `from` to `to` needs under `policy`: 0 means it applies after
 * validation. Approvals are keyed by the stage entered, and leaving an exclusive stage needs that
 * stage's approvals too (the stricter of both rules): archiving or demoting the production version
 * takes as many approvers as putting a version there, or deploy pipelines could be told that
 * production is empty by anyone who may request a move.
 */
export function approvalRule(
  policy: PolicyValue,
  to: StageName,
  from?: StageName,
): { required: number; allowSelfApproval: boolean } {
  const ruleOf = (stage: StageName | undefined) =>
    stage === undefined || stage === "development" ? undefined : policy.approvals?.[stage];
  const entering = ruleOf(to);
  const leaving = from !== undefined && EXCLUSIVE_STAGES.includes(from) ? ruleOf(from) : undefined;
  const rules = [entering, leaving].filter((r) => r !== undefined && r.required > 0);
  if (rules.length === 0) return { required: 0, allowSelfApproval: entering?.allowSelfApproval ?? false };
  return {
    required: Math.max(0, ...rules.map((r) => r?.required ?? 0)),
    allowSelfApproval: rules.every((r) => r?.allowSelfApproval ?? false),
  };
}

export function stageRequirements(policy: PolicyValue, to: StageName) {
  return to === "development" ? undefined : policy.requirements?.[to];
}

/** The version holding an exclusive stage, if any. */
export function holderOf(model: ModelRecord, stage: StageName): number | undefined {
  return Object.hasOwn(model.stages, stage) ? model.stages[stage] : undefined;
}

/** The key of `ModelRecord.openTransitions`: one open request per version and target. */
export const openKey = (version: number, to: StageName) => `${version}:${to}`;
