/**
 * An execution of the transition workflow that ends without a decision: stopped (`StopExecution`
 * by whoever holds `states:StopExecution`), timed out, or failed where no `Fail` step could run.
 * Step Functions reports each on the account's default bus as a `Step Functions Execution Status
 * Change` event; a rule (`executionEndedRule`, the same pattern in CDK and local mode) sends it
 * to the tasks function, which runs the `stopped` step for the request the execution owned: a
 * request still open and still owned by that execution ends FAILED with the reason, instead of
 * staying open with nothing left to apply a later approval. A request another execution took over
 * (a restart's recovery, a final approval that started a new one) is left alone by the same check.
 */
import type { WorkflowTask } from "./workflow-contract.ts";

export const EXECUTION_STATUS_CHANGE = "Step Functions Execution Status Change";
/** The end states no step of the workflow sees: SUCCEEDED always passed through Done or Failed. */
export const ENDED_WITHOUT_DECISION = ["ABORTED", "TIMED_OUT", "FAILED"] as const;

const ENDINGS = {
  ABORTED: ["ExecutionAborted", "was stopped"],
  TIMED_OUT: ["ExecutionTimedOut", "timed out"],
  FAILED: ["ExecutionFailed", "failed"],
} as const satisfies Record<(typeof ENDED_WITHOUT_DECISION)[number], readonly [string, string]>;

/** The rule's pattern: this state machine's executions that ended without a decision. */
export function executionEndedRule(stateMachineArn: string) {
  return {
    source: ["aws.states"],
    "detail-type": [EXECUTION_STATUS_CHANGE],
    detail: { status: [...ENDED_WITHOUT_DECISION], stateMachineArn: [stateMachineArn] },
  };
}

/** The part of the status change event that is read (Step Functions sends more). */
export interface ExecutionStatusChange {
  "detail-type": typeof EXECUTION_STATUS_CHANGE;
  detail: {
    executionArn: string;
    status: string;
    /** The execution's input, as JSON text: the `Stage Transition Requested` event. */
    input?: string | null;
    error?: string | null;
    cause?: string | null;
  };
}

export function isExecutionStatusChange(event: unknown): event is ExecutionStatusChange {
  return (
    typeof event === "object" &&
    event !== null &&
    (event as { "detail-type"?: unknown })["detail-type"] === EXECUTION_STATUS_CHANGE
  );
}

/**
 * The `stopped` step for the request an ended execution owned, or the reason there is none (an
 * input that names no request, or a status that is not an end without decision).
 */
export function stoppedTaskOf(
  event: ExecutionStatusChange,
): Extract<WorkflowTask, { step: "stopped" }> | { ignored: string } {
  const { detail } = event;
  if (!(ENDED_WITHOUT_DECISION as readonly string[]).includes(detail.status)) {
    return { ignored: `status ${detail.status} is not an end without decision` };
  }
  let input: unknown;
  try {
    input = JSON.parse(detail.input ?? "null");
  } catch {
    return { ignored: "the execution's input is not JSON" };
  }
  const named = (input as { detail?: { model?: unknown; transitionId?: unknown } } | null)?.detail;
  if (typeof named?.model !== "string" || typeof named.transitionId !== "string") {
    return { ignored: "the execution's input names no transition request" };
  }
  const [error, what] = ENDINGS[detail.status as (typeof ENDED_WITHOUT_DECISION)[number]];
  return {
    step: "stopped",
    model: named.model,
    transitionId: named.transitionId,
    execution: detail.executionArn,
    error: {
      Error: error,
      Cause: [`the execution ${what}`, detail.error, detail.cause].filter(Boolean).join(": "),
    },
  };
}
