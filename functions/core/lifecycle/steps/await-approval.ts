/**
 * The workflow step that starts the approval wait (`../workflow-steps.ts` dispatches to each step).
 */
import type { CoreDeps } from "../../kernel/deps.ts";
import { changeModel } from "../../kernel/model-change.ts";
import { nowIso } from "../../kernel/reads.ts";
import { mutate } from "../../kernel/unit-of-work.ts";
import { changeTransition, isOpen, transitionFacts, workflowContext } from "../transition-change.ts";
import type { StepResult } from "../workflow-contract.ts";

import { end, read, type Task } from "./support.ts";

/**
 * The approval wait began: the request is AWAITING_APPROVAL and holds the execution's task token
 * (never shown by the API). A request that ended meanwhile stops the wait at once; one approved
 * meanwhile (a recovery after a restart) resumes it at once.
 */
export async function awaitApproval(deps: CoreDeps, task: Task<"awaitApproval">): Promise<StepResult> {
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
