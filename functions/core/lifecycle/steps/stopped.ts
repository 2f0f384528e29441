/**
 * The workflow step run when the approval wait was stopped (rejected, cancelled, or by another
 * holder of the task token).
 */
import type { CoreDeps } from "../../kernel/deps.ts";
import { nowIso } from "../../kernel/reads.ts";
import { mutate } from "../../kernel/unit-of-work.ts";
import { endTransition, isOpen, workflowContext } from "../transition-change.ts";
import type { StepResult } from "../workflow-contract.ts";

import { end, read, type Task } from "./support.ts";

/**
 * The approval wait was stopped with `Rejected` or `Cancelled`. The registry records a rejection
 * or cancellation before it stops the wait, so a request still open here was stopped by someone
 * else holding the task token (SendTaskFailure): it ends FAILED, with the error and its cause,
 * instead of staying open with nothing left to apply a later approval.
 */
export async function stopped(deps: CoreDeps, task: Task<"stopped">): Promise<StepResult> {
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
