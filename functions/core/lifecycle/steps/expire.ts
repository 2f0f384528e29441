/**
 * The workflow step run when the approval wait times out.
 */
import type { CoreDeps } from "../../kernel/deps.ts";
import { nowIso } from "../../kernel/reads.ts";
import { mutate } from "../../kernel/unit-of-work.ts";
import { endTransition, isOpen, workflowContext } from "../transition-change.ts";
import type { StepResult } from "../workflow-contract.ts";

import { end, read, type Task } from "./support.ts";

/** The approval wait timed out: the request ends TIMED_OUT. */
export async function expire(deps: CoreDeps, task: Task<"expire">): Promise<StepResult> {
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
