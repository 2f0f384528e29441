/**
 * The workflow's `Validate` step: claims the request, runs the checks, and records the report
 * (FAILED, on to the approvals, or on to apply).
 */
import type { CoreDeps } from "../../kernel/deps.ts";
import { changeModel } from "../../kernel/model-change.ts";
import { nowIso } from "../../kernel/reads.ts";
import { mutate } from "../../kernel/unit-of-work.ts";
import { type ModelRecord, type TransitionRecord, toVersionView, type VersionRecord } from "../../records.ts";
import type { ValidationCheck, ValidationReport } from "../../schemas.ts";
import { stageChecks } from "../checks.ts";
import { snapshotOf } from "../evidence.ts";
import { holderOf, type StageName } from "../stages.ts";
import { changeTransition, endTransition, transitionFacts, workflowContext } from "../transition-change.ts";
import { transitionOf, type ValidateResult } from "../workflow-contract.ts";

import { read, type Task } from "./support.ts";

/**
 * Claims the request (VALIDATING, owned by this execution), runs the checks, and records the
 * report: FAILED when a check fails, else on to the approvals or straight to apply.
 */
export async function validate(deps: CoreDeps, task: Task<"validate">): Promise<ValidateResult> {
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
