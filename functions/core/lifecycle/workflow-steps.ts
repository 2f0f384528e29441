/**
 * The steps of the transition workflow, one per Task state of the state machine
 * (`workflow-contract.ts`). Each step reads the request afresh and acts only if the execution
 * running it owns the request (`execution`) and the request is where the step expects it: a
 * redelivered event, a duplicate execution or a request cancelled meanwhile ends quietly. Every
 * change is one transaction with its history entries, like any API mutation.
 */
import { artifactLocations, sealedBytesProblem } from "../artifacts/verification.ts";
import type { CoreDeps } from "../kernel/deps.ts";
import { changeModel, type HistoryFacts } from "../kernel/model-change.ts";
import { nowIso } from "../kernel/reads.ts";
import { mutate } from "../kernel/unit-of-work.ts";
import type { WriteOp } from "../ports.ts";
import {
  type ModelRecord,
  type StageTenureRecord,
  type TransitionRecord,
  toVersionView,
  type VersionRecord,
} from "../records.ts";
import type { ValidationCheck, ValidationReport } from "../schemas.ts";
import { stageChecks } from "./checks.ts";
import { evidenceDigest, snapshotOf } from "./evidence.ts";
import { stricterPolicy } from "./policy.ts";
import {
  approvalRule,
  demotionStage,
  EXCLUSIVE_STAGES,
  holderOf,
  STAGES_REQUIRING_READY,
  type StageName,
} from "./stages.ts";
import {
  changeTransition,
  endTransition,
  isOpen,
  transitionFacts,
  withoutOpen,
  workflowContext,
} from "./transition-change.ts";
import {
  type StepResult,
  transitionOf,
  type ValidateResult,
  type WorkflowTask,
} from "./workflow-contract.ts";

export async function runWorkflowStep(
  deps: CoreDeps,
  task: WorkflowTask,
): Promise<ValidateResult | StepResult> {
  switch (task.step) {
    case "validate":
      return validate(deps, task);
    case "awaitApproval":
      return awaitApproval(deps, task);
    case "apply":
      return apply(deps, task);
    case "expire":
      return expire(deps, task);
    case "stopped":
      return stopped(deps, task);
    case "fail":
      return fail(deps, task);
  }
}

type Task<S extends WorkflowTask["step"]> = Extract<WorkflowTask, { step: S }>;

const end = (status: string): StepResult => ({ next: "end", status });

/** Reads the request and its model together; undefined when either is gone. */
async function read(
  deps: CoreDeps,
  name: string,
  id: string,
): Promise<{ model: ModelRecord; transition: TransitionRecord } | undefined> {
  const [model, transition] = await Promise.all([
    deps.store.getModel(name),
    deps.store.getTransition(name, id),
  ]);
  if (!model || !transition) return undefined;
  return { model, transition };
}

/**
 * Claims the request (VALIDATING, owned by this execution), runs the checks, and records the
 * report: FAILED when a check fails, else on to the approvals or straight to apply.
 */
async function validate(deps: CoreDeps, task: Task<"validate">): Promise<ValidateResult> {
  const { model: name, transitionId: id } = transitionOf(task.event);
  const resume = task.event.resume === true;
  const ended = (status: string): ValidateResult => ({ next: "end", status, model: name, transitionId: id });

  // 1. Claim. A new request is claimed by the first execution that gets to it; after a restart
  //    of local mode, a recovery execution (`resume`) takes an open one over.
  const claimed = await mutate(deps, `transition '${id}'`, async () => {
    const state = await read(deps, name, id);
    if (!state) return { writes: [], result: undefined };
    const { model, transition } = state;
    if (transition.status === "REQUESTED" || (resume && transition.status === "VALIDATING")) {
      const now = nowIso(deps);
      const changed = changeTransition(transition, now, { status: "VALIDATING", execution: task.execution });
      const change = changeModel(
        model,
        workflowContext(transition),
        now,
        transitionFacts(transition, "TRANSITION_VALIDATION_STARTED", { execution: task.execution }),
        { stamp: false },
      );
      return {
        writes: [...change.writes, changed.write],
        result: { transition: changed.transition, model: change.model },
      };
    }
    if (resume && transition.status === "AWAITING_APPROVAL") {
      // Bookkeeping only (which execution waits for the decision): not a change of the registry's
      // state, so no history entry; conditioned on the request's rev like every other write.
      const changed = changeTransition(transition, nowIso(deps), { execution: task.execution });
      return { writes: [changed.write], result: { transition: changed.transition, model } };
    }
    return { writes: [], result: undefined };
  });
  if (!claimed) return ended("not claimed");
  if (claimed.transition.status === "AWAITING_APPROVAL") return approvalWait(deps, claimed.transition);

  // 2. The checks, outside any transaction (a custom validation function may take seconds).
  const [version, holder] = await checkedVersions(deps, claimed.model, claimed.transition);
  const checks = version
    ? [
        ...stageChecks(claimed.transition, version, holder),
        ...(await customChecks(deps, claimed.transition, version)),
      ]
    : [{ check: "version", expected: "exists", actual: "deleted", passed: false }];
  const report: ValidationReport = {
    passed: checks.every((c) => c.passed),
    checks,
    at: nowIso(deps),
    ...(version && { evidence: snapshotOf(version, holder) }),
  };

  // 3. The verdict.
  return mutate(deps, `transition '${id}'`, async () => {
    const state = await read(deps, name, id);
    if (!state) return { writes: [], result: ended("gone") };
    const { model, transition } = state;
    if (transition.execution !== task.execution || transition.status !== "VALIDATING") {
      return { writes: [], result: ended(transition.status) };
    }
    const now = nowIso(deps);
    const ctx = workflowContext(transition);
    const validated = transitionFacts(transition, "TRANSITION_VALIDATED", { passed: report.passed, report });
    if (!report.passed) {
      const failed = report.checks.filter((c) => !c.passed);
      const result = endTransition(model, transition, ctx, now, {
        status: "FAILED",
        action: "TRANSITION_FAILED",
        reason: `validation failed: ${failed.map((c) => `${c.check} expected ${c.expected}, found ${c.actual}`).join("; ")}`,
        details: { validationFailed: true },
        before: [validated],
        set: { validation: report },
      });
      return { writes: result.writes, result: ended("FAILED") };
    }
    const needsApproval = transition.approvalsRequired > 0;
    const deadline = new Date(Date.parse(now) + deps.lifecycle.approvalTimeoutSeconds * 1000).toISOString();
    const changed = changeTransition(transition, now, {
      validation: report,
      ...(needsApproval && { approvalDeadline: deadline }),
    });
    const change = changeModel(model, ctx, now, validated, { stamp: false });
    return {
      writes: [...change.writes, changed.write],
      result: needsApproval
        ? approvalWait(deps, changed.transition)
        : { next: "apply" as const, model: name, transitionId: id },
    };
  });
}

/** `next: approval`, with the seconds left until the request's deadline (at least one). */
function approvalWait(deps: CoreDeps, transition: TransitionRecord): ValidateResult {
  const deadline = Date.parse(transition.approvalDeadline ?? nowIso(deps));
  const left = Math.max(1, Math.ceil((deadline - deps.clock.now().getTime()) / 1000));
  return {
    next: "approval",
    approvalTimeoutSeconds: left,
    model: transition.model,
    transitionId: transition.id,
  };
}

/**
 * The version to move and the version now holding the target stage (when it is exclusive), as
 * the model read by the claim says: one BatchGetItem.
 */
async function checkedVersions(
  deps: CoreDeps,
  model: ModelRecord,
  transition: TransitionRecord,
): Promise<[VersionRecord | undefined, VersionRecord | undefined]> {
  const holder = holderOf(model, transition.to as StageName);
  const numbers =
    holder !== undefined && holder !== transition.version
      ? [transition.version, holder]
      : [transition.version];
  const versions = await deps.store.getVersions(transition.model, numbers);
  const find = (n: number | undefined) => versions.find((v) => v.version === n);
  return [find(transition.version), holder === transition.version ? undefined : find(holder)];
}

/** The policy's custom validation function, if any; a failure to run it is a failed check. */
async function customChecks(
  deps: CoreDeps,
  transition: TransitionRecord,
  version: VersionRecord,
): Promise<ValidationCheck[]> {
  const custom = transition.requirements?.customValidation;
  if (!custom || transition.kind === "rollback") return [];
  const check = `custom:${custom.functionArn}`;
  try {
    const answer = await deps.customValidator.validate(custom.functionArn, {
      model: transition.model,
      version: transition.version,
      transitionId: transition.id,
      from: transition.from,
      to: transition.to,
      modelVersion: toVersionView(version),
    });
    const own = (answer.checks ?? []).map((c) => ({ ...c, check: `${check}:${c.check}` }));
    return [
      { check, expected: "passed", actual: answer.passed ? "passed" : "failed", passed: answer.passed },
      ...own,
    ];
  } catch (error) {
    return [
      { check, expected: "passed", actual: `could not run: ${(error as Error).message}`, passed: false },
    ];
  }
}

/**
 * The approval wait began: the request is AWAITING_APPROVAL and holds the execution's task token
 * (never shown by the API). A request that ended meanwhile stops the wait at once; one approved
 * meanwhile (a recovery after a restart) resumes it at once.
 */
async function awaitApproval(deps: CoreDeps, task: Task<"awaitApproval">): Promise<StepResult> {
  const outcome = await mutate(deps, `transition '${task.transitionId}'`, async () => {
    const state = await read(deps, task.model, task.transitionId);
    if (!state) return { writes: [], result: "stop" as const };
    const { model, transition } = state;
    if (transition.execution !== task.execution || !isOpen(transition)) {
      return { writes: [], result: "stop" as const };
    }
    const now = nowIso(deps);
    if (transition.status === "AWAITING_APPROVAL") {
      const changed = changeTransition(transition, now, { taskToken: task.token });
      const approved = transition.approvals.filter((a) => a.decision === "APPROVED").length;
      return {
        writes: [changed.write],
        result: approved >= transition.approvalsRequired ? ("resume" as const) : ("wait" as const),
      };
    }
    const changed = changeTransition(transition, now, { status: "AWAITING_APPROVAL", taskToken: task.token });
    const change = changeModel(
      model,
      workflowContext(transition),
      now,
      transitionFacts(transition, "APPROVAL_REQUESTED", {
        required: transition.approvalsRequired,
        link: deps.lifecycle.approvalLink(transition.model, transition.id),
      }),
      { stamp: false },
    );
    return { writes: [...change.writes, changed.write], result: "wait" as const };
  });
  if (outcome === "stop") await deps.workflow.fail(task.token, "Cancelled", "the request is no longer open");
  if (outcome === "resume") await deps.workflow.resume(task.token, {});
  return end(outcome === "stop" ? "ended" : "AWAITING_APPROVAL");
}

/**
 * One transaction: the version enters the stage; the holder of an exclusive stage leaves it
 * (archived, or where the policy demotes it); the model's stage pointers, the request (APPLIED),
 * the stage tenures and the history entries change with them. If the version cannot move any
 * more (deleted, moved elsewhere, no longer sealed), the request ends FAILED instead.
 */
async function apply(deps: CoreDeps, task: Task<"apply">): Promise<StepResult> {
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

/** The approval wait timed out: the request ends TIMED_OUT. */
async function expire(deps: CoreDeps, task: Task<"expire">): Promise<StepResult> {
  return mutate(deps, `transition '${task.transitionId}'`, async () => {
    const state = await read(deps, task.model, task.transitionId);
    if (!state) return { writes: [], result: end("gone") };
    const { model, transition } = state;
    if (transition.execution !== task.execution || !isOpen(transition)) {
      return { writes: [], result: end(transition.status) };
    }
    const ended = endTransition(model, transition, workflowContext(transition), nowIso(deps), {
      status: "TIMED_OUT",
      action: "TRANSITION_TIMED_OUT",
      reason: `no decision before the approval deadline (${transition.approvalDeadline ?? "unknown"})`,
    });
    return { writes: ended.writes, result: end("TIMED_OUT") };
  });
}

/**
 * The approval wait was stopped with `Rejected` or `Cancelled`. The registry records a rejection
 * or cancellation before it stops the wait, so a request still open here was stopped by someone
 * else holding the task token (SendTaskFailure): it ends FAILED, with the error and its cause,
 * instead of staying open with nothing left to apply a later approval.
 */
async function stopped(deps: CoreDeps, task: Task<"stopped">): Promise<StepResult> {
  return mutate(deps, `transition '${task.transitionId}'`, async () => {
    const state = await read(deps, task.model, task.transitionId);
    if (!state) return { writes: [], result: end("gone") };
    const { model, transition } = state;
    if (transition.execution !== task.execution || !isOpen(transition)) {
      return { writes: [], result: end(transition.status) };
    }
    const cause = (task.error.Cause ?? "").slice(0, 500);
    const ended = endTransition(model, transition, workflowContext(transition), nowIso(deps), {
      status: "FAILED",
      action: "TRANSITION_FAILED",
      reason: `the approval wait was stopped outside the registry (${task.error.Error ?? "unknown error"}${cause ? `: ${cause}` : ""}) with no decision recorded: request the transition again`,
    });
    return { writes: ended.writes, result: end("FAILED") };
  });
}

/**
 * A step failed unexpectedly (after the state machine's retries): the request ends FAILED. The
 * reason names the error, never its cause (which may hold internals); the execution's history
 * keeps the cause for operators.
 */
async function fail(deps: CoreDeps, task: Task<"fail">): Promise<StepResult> {
  return mutate(deps, `transition '${task.transitionId}'`, async () => {
    const state = await read(deps, task.model, task.transitionId);
    if (!state) return { writes: [], result: end("gone") };
    const { model, transition } = state;
    const owned = transition.execution === undefined || transition.execution === task.execution;
    if (!owned || !isOpen(transition)) return { writes: [], result: end(transition.status) };
    const ended = endTransition(model, transition, workflowContext(transition), nowIso(deps), {
      status: "FAILED",
      action: "TRANSITION_FAILED",
      reason: `the workflow failed (${task.error.Error ?? "unknown error"}): see the execution's history`,
    });
    return { writes: ended.writes, result: end("FAILED") };
  });
}
