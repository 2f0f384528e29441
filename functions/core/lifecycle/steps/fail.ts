/**
 * The workflow step run when another step failed after the state machine's retries.
 */
import type { CoreDeps } from "../../kernel/deps.ts";
import { nowIso } from "../../kernel/reads.ts";
import { mutate } from "../../kernel/unit-of-work.ts";
import { endTransition, isOpen, workflowContext } from "../transition-change.ts";
import type { StepResult } from "../workflow-contract.ts";

import { end, read, type Task } from "./support.ts";

/**
 * A step failed unexpectedly (after the state machine's retries): the request ends FAILED. The
 * reason names the error, never its cause (which may hold internals); the execution's history
 * keeps the cause for operators.
 */
export async function fail(deps: CoreDeps, task: Task<"fail">): Promise<StepResult> {
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
