/**
 * A transition execution that ends without a decision (stopped, timed out, failed): its status
 * change event becomes the `stopped` step of the request it owned (issue 18, item 7).
 */
import { describe, expect, it } from "vitest";
import {
  EXECUTION_STATUS_CHANGE,
  executionEndedRule,
  isExecutionStatusChange,
  stoppedTaskOf,
} from "#core/lifecycle/execution-ended.ts";
import { compileEventPattern } from "../../../../local/event-pattern.ts";

const MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:model-registry-transitions";
const EXECUTION = `arn:aws:states:us-east-1:123456789012:execution:model-registry-transitions:run-1`;

function statusChange(status: string, input: unknown = { detail: { model: "fraud", transitionId: "tr-1" } }) {
  return {
    version: "0",
    source: "aws.states",
    "detail-type": EXECUTION_STATUS_CHANGE,
    detail: {
      executionArn: EXECUTION,
      stateMachineArn: MACHINE,
      status,
      input: typeof input === "string" ? input : JSON.stringify(input),
      error: null,
      cause: null,
    },
  } as const;
}

describe("the rule for executions that ended without a decision", () => {
  const matches = compileEventPattern(executionEndedRule(MACHINE));

  it("matches this state machine's ABORTED, TIMED_OUT and FAILED executions", () => {
    for (const status of ["ABORTED", "TIMED_OUT", "FAILED"]) expect(matches(statusChange(status))).toBe(true);
  });

  it("does not match a success, a running execution, or another state machine", () => {
    expect(matches(statusChange("SUCCEEDED"))).toBe(false);
    expect(matches(statusChange("RUNNING"))).toBe(false);
    const other = statusChange("ABORTED");
    expect(matches({ ...other, detail: { ...other.detail, stateMachineArn: `${MACHINE}-other` } })).toBe(
      false,
    );
  });
});

describe("stoppedTaskOf", () => {
  it("names the request from the execution's input, and says how the execution ended", () => {
    const event = statusChange("ABORTED");
    expect(isExecutionStatusChange(event)).toBe(true);
    expect(
      stoppedTaskOf({ ...event, detail: { ...event.detail, error: "Operator", cause: "cleanup" } }),
    ).toEqual({
      step: "stopped",
      model: "fraud",
      transitionId: "tr-1",
      execution: EXECUTION,
      error: { Error: "ExecutionAborted", Cause: "the execution was stopped: Operator: cleanup" },
    });
    expect(stoppedTaskOf(statusChange("TIMED_OUT"))).toMatchObject({
      error: { Error: "ExecutionTimedOut", Cause: "the execution timed out" },
    });
  });

  it("ignores an input that names no request, input that is not JSON, and a status that is not an end", () => {
    expect(stoppedTaskOf(statusChange("ABORTED", { detail: {} }))).toHaveProperty("ignored");
    expect(stoppedTaskOf(statusChange("ABORTED", "{not json"))).toHaveProperty("ignored");
    expect(stoppedTaskOf(statusChange("SUCCEEDED"))).toHaveProperty("ignored");
  });

  it("tells a status change from a workflow task", () => {
    expect(isExecutionStatusChange({ step: "stopped" })).toBe(false);
    expect(isExecutionStatusChange(null)).toBe(false);
  });
});
