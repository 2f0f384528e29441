/**
 * The workflow's `Apply` step: checks the evidence and the policy again, then applies the stage
 * change in one transaction with its history.
 */
import { artifactLocations, sealedBytesProblem } from "../../artifacts/verification.ts";
import type { CoreDeps } from "../../kernel/deps.ts";
import { changeModel, type HistoryFacts } from "../../kernel/model-change.ts";
import { nowIso } from "../../kernel/reads.ts";
import { mutate } from "../../kernel/unit-of-work.ts";
import type { WriteOp } from "../../ports.ts";
import type { ModelRecord, StageTenureRecord, TransitionRecord, VersionRecord } from "../../records.ts";
import { stageChecks } from "../checks.ts";
import { evidenceDigest } from "../evidence.ts";
import { stricterPolicy } from "../policy.ts";
import {
  approvalRule,
  demotionStage,
  EXCLUSIVE_STAGES,
  holderOf,
  STAGES_REQUIRING_READY,
  type StageName,
} from "../stages.ts";
import {
  changeTransition,
  endTransition,
  isOpen,
  withoutOpen,
  workflowContext,
} from "../transition-change.ts";
import type { StepResult } from "../workflow-contract.ts";

import { end, read, type Task } from "./support.ts";

/**
 * One transaction: the version enters the stage; the holder of an exclusive stage leaves it
 * (archived, or where the policy demotes it); the model's stage pointers, the request (APPLIED),
 * the stage tenures and the history entries change with them. If the version cannot move any
 * more (deleted, moved elsewhere, no longer sealed), the request ends FAILED instead.
 */
export async function apply(deps: CoreDeps, task: Task<"apply">): Promise<StepResult> {
  return mutate(deps, `model '${task.model}'`, async () => {
    const state = await read(deps, task.model, task.transitionId);
    if (!state) return { writes: [], result: end("gone") };
    const { model, transition } = state;
    if (transition.execution !== task.execution || !isOpen(transition)) {
      return { writes: [], result: end(transition.status) };
    }
    const approvedBy = transition.approvals.filter((a) => a.decision === "APPROVED").map((a) => a.by);
    const now = nowIso(deps);
    const ctx = workflowContext(transition);
    if (approvedBy.length < transition.approvalsRequired) {
      // Only the registry resumes a wait, after the last approval: whoever else holds the task
      // token resumed it (SendTaskSuccess). The request ends, in history, instead of waiting on.
      const failed = endTransition(model, transition, ctx, now, {
        status: "FAILED",
        action: "TRANSITION_FAILED",
        reason: `could not apply: the approval wait was resumed with ${approvedBy.length} of ${transition.approvalsRequired} approvals, not by the registry: request the transition again`,
      });
      return { writes: failed.writes, result: end("FAILED") };
    }
    const to = transition.to as StageName;
    const holderNumber = EXCLUSIVE_STAGES.includes(to) ? holderOf(model, to) : undefined;
    const numbers = [transition.version, ...(holderNumber !== undefined ? [holderNumber] : [])];
    const versions = model.deletedAt ? [] : await deps.store.getVersions(model.name, numbers);
    const version = versions.find((v) => v.version === transition.version);
    const holder = versions.find((v) => v.version === holderNumber && v.version !== version?.version);
    const problem = !version
      ? "the version no longer exists"
      : version.stage !== transition.from
        ? `the version moved from ${transition.from} to ${version.stage} since the request`
        : STAGES_REQUIRING_READY.includes(to) && version.status !== "READY"
          ? `the version is ${version.status}, not READY`
          : (evidenceProblem(transition, version, holder) ??
            policyTightened(deps, model, transition, approvedBy.length) ??
            (STAGES_REQUIRING_READY.includes(to) ? await sealedBytesProblem(deps, version) : undefined));
    if (!version || problem) {
      const failed = endTransition(model, transition, ctx, now, {
        status: "FAILED",
        action: "TRANSITION_FAILED",
        reason: `could not apply: ${problem}`,
      });
      return { writes: failed.writes, result: end("FAILED") };
    }
    return {
      writes: applyWrites(deps, model, transition, version, holder, approvedBy, now),
      result: end("APPLIED"),
    };
  });
}

/**
 * Why the evidence no longer supports the move, if it does not: the version's evidence changed
 * since validation (its digest moved), or a stage check fails against the version and the holder
 * as they are now (another version may hold the stage since: `compatibleSignature` is re-run
 * against it). A request validated before snapshots existed has no digest to compare; its checks
 * are still re-run.
 */
function evidenceProblem(
  transition: TransitionRecord,
  version: VersionRecord,
  holder: VersionRecord | undefined,
): string | undefined {
  const checked = transition.validation?.evidence?.version;
  if (checked && checked.digest !== evidenceDigest(version)) {
    return `the version's evidence changed since it was validated (revision ${checked.rev}, now ${version.rev}): request the transition again to validate it as it is`;
  }
  const failed = stageChecks(transition, version, holder).filter((c) => !c.passed);
  if (failed.length === 0) return undefined;
  return `the checks no longer pass: ${failed.map((c) => `${c.check} expected ${c.expected}, found ${c.actual}`).join("; ")}`;
}

/**
 * The policy in force now may need more approvals for this move than it did when the request was
 * made (a governor tightened it meanwhile): the move waits for nobody's favour, it fails and says so.
 */
function policyTightened(
  deps: CoreDeps,
  model: ModelRecord,
  transition: TransitionRecord,
  approvals: number,
): string | undefined {
  const now = approvalRule(
    stricterPolicy(deps.governance.policyFloor, model.policy),
    transition.to as StageName,
    transition.from as StageName,
  );
  return now.required > approvals
    ? `the policy in force now needs ${now.required} approvals for this move (it had ${approvals}): request it again`
    : undefined;
}

function applyWrites(
  deps: CoreDeps,
  model: ModelRecord,
  transition: TransitionRecord,
  version: VersionRecord,
  holder: VersionRecord | undefined,
  approvedBy: string[],
  now: string,
): WriteOp[] {
  const ctx = workflowContext(transition);
  const to = transition.to as StageName;
  const from = transition.from as StageName;
  const demoteTo = demotionStage(model.policy, to);
  const artifactsOf = (v: VersionRecord) => artifactLocations(deps, v);
  // The version leaving the stage comes first, so a subscriber replaying the events in seq order
  // never sees two holders of an exclusive stage at once.
  const facts: HistoryFacts[] = [];
  if (holder) {
    facts.push({
      action: "STAGE_CHANGED",
      version: holder.version,
      from: to,
      to: demoteTo,
      details: {
        transitionId: transition.id,
        previous: null,
        artifacts: artifactsOf(holder),
        approvedBy,
        ...policyOf(transition),
      },
    });
  }
  facts.push({
    action: "STAGE_CHANGED",
    version: version.version,
    from,
    to,
    details: {
      transitionId: transition.id,
      previous: holder?.version ?? null,
      artifacts: artifactsOf(version),
      approvedBy,
      ...policyOf(transition),
    },
  });
  const stages = { ...model.stages };
  if (EXCLUSIVE_STAGES.includes(from) && stages[from] === version.version) delete stages[from];
  if (EXCLUSIVE_STAGES.includes(to)) stages[to] = version.version;
  if (holder && EXCLUSIVE_STAGES.includes(demoteTo)) stages[demoteTo] = holder.version;
  const change = changeModel(model, ctx, now, facts, {
    set: { stages, openTransitions: withoutOpen(model, transition) },
  });
  const seq = model.seq + 1;

  const writes: WriteOp[] = [...change.writes];
  const move = (v: VersionRecord, stage: StageName, tenureSeq: number, approvers: string[]) => {
    if (v.stageTenure) {
      writes.push({
        kind: "putStageTenure",
        record: { ...v.stageTenure, until: now, leftBy: transition.requestedBy, leftWith: transition.id },
        expect: "open",
      });
    }
    const tenure: StageTenureRecord = {
      model: model.name,
      seq: tenureSeq,
      stage,
      version: v.version,
      from: now,
      enteredBy: transition.requestedBy,
      enteredWith: transition.id,
      approvedBy: approvers,
      ...policyOf(transition),
    };
    writes.push({ kind: "putStageTenure", record: tenure, expect: "new" });
    writes.push({
      kind: "putVersion",
      record: {
        ...v,
        stage,
        stageSince: now,
        stageTenure: tenure,
        updatedAt: now,
        updatedBy: ctx.actor,
        rev: v.rev + 1,
      },
      expectRev: v.rev,
    });
  };
  if (holder) move(holder, demoteTo, seq, []);
  move(version, to, holder ? seq + 1 : seq, approvedBy);
  const { taskToken: _token, ...rest } = transition;
  writes.push(
    changeTransition(rest as TransitionRecord, now, {
      status: "APPLIED",
      endedAt: now,
      ...(holder && { previous: holder.version }),
    }).write,
  );
  return writes;
}

/** The digest of the policy a move was decided under (absent on requests made before digests). */
const policyOf = (transition: TransitionRecord) =>
  transition.policyDigest !== undefined ? { policyDigest: transition.policyDigest } : {};
