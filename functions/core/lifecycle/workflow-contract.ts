/**
 * The contract between the transition workflow (the Step Functions state machine of
 * `lib/transition-workflow.ts`) and its task function (`functions/entry-points/transition-tasks.ts`):
 * what each Task state sends, and what it gets back. The state machine passes the whole
 * execution input as `event` to the first step, so a rule's event and a recovery's input are
 * read in one place (`transitionOf`).
 *
 * States, in order:
 * - `Validate` → `{ next }`: "approval" (wait), "apply" (no approval needed), or "end" (failed
 *   its checks, was cancelled meanwhile, or another execution owns the request).
 * - `Wait for approval` (`.waitForTaskToken`, timeout from `approvalTimeoutSeconds`): resumed by
 *   the last approval (SendTaskSuccess), stopped by a rejection or cancellation (SendTaskFailure
 *   with `Rejected` / `Cancelled`), which go to `Stopped`; `States.Timeout` goes to `Expire`.
 * - `Stopped` → `{ next: "end" }`: the registry records a rejection or cancellation before it
 *   stops the wait, so the request has ended already; one still open was stopped by someone else
 *   holding the task token, and ends FAILED saying so.
 * - `Apply` → `{ next: "end" }`: one transaction moves the version (and the previous holder).
 * - `Expire` (after a timeout) and `Fail` (after any unexpected error) end the request.
 */

/** Where the workflow's input names the request: a `Stage Transition Requested` event's detail. */
export interface WorkflowInput {
  detail: { model: string; transitionId: string };
  /**
   * Set by local mode's recovery after a restart (never by the rule): the new execution takes
   * over an open request instead of ignoring it because it is no longer REQUESTED.
   */
  resume?: boolean;
}

interface StepBase {
  model: string;
  transitionId: string;
  /** `$$.Execution.Id`: the execution that runs the step. */
  execution: string;
}

export type WorkflowTask =
  | { step: "validate"; event: WorkflowInput; execution: string }
  | (StepBase & { step: "awaitApproval"; token: string })
  | (StepBase & { step: "apply" })
  | (StepBase & { step: "expire" })
  | (StepBase & { step: "stopped"; error: { Error?: string; Cause?: string } })
  | (StepBase & { step: "fail"; error: { Error?: string; Cause?: string } });

export type WorkflowStep = WorkflowTask["step"];

export interface ValidateResult {
  next: "approval" | "apply" | "end";
  /** With `next: "approval"`: seconds left until the approval deadline (the wait's timeout). */
  approvalTimeoutSeconds?: number;
  /** With `next: "end"`: where the request stands (for logs and the execution history). */
  status?: string;
  model: string;
  transitionId: string;
}

export interface StepResult {
  next: "end";
  /** The transition's status after the step (for logs and the execution history). */
  status: string;
}

/** Names of the state machine's states, shared by the CDK construct and local mode's overrides. */
export const WORKFLOW_STATES = {
  validate: "Validate",
  approvalNeeded: "Approval needed?",
  awaitApproval: "Wait for approval",
  apply: "Apply",
  expire: "Expire",
  stopped: "Stopped",
  fail: "Fail",
  done: "Done",
  failed: "Failed",
} as const;

/** Error names `Wait for approval` is stopped with (SendTaskFailure). */
export const APPROVAL_STOP_ERRORS = ["Rejected", "Cancelled"] as const;

export function transitionOf(input: WorkflowInput): { model: string; transitionId: string } {
  return { model: input.detail.model, transitionId: input.detail.transitionId };
}
