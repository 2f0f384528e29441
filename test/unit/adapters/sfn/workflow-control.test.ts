import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { StepFunctionsWorkflowControl } from "#adapters/sfn/workflow-control.ts";

/** A client that records what it is sent and answers with `answer` (an error is thrown). */
function fakeClient(answer: () => unknown) {
  const sent: unknown[] = [];
  const client = {
    send: async (command: unknown) => {
      sent.push(command);
      const result = answer();
      if (result instanceof Error) throw result;
      return result;
    },
  } as unknown as SFNClient;
  return { client, sent };
}

const named = (name: string) => Object.assign(new Error(name), { name });

describe("the Step Functions workflow control", () => {
  it("resumes with the output as JSON and stops with the error name the state machine catches", async () => {
    const { client, sent } = fakeClient(() => ({}));
    const control = new StepFunctionsWorkflowControl(client);
    expect(await control.resume("tok", { approvedBy: ["alice"] })).toBe(true);
    expect(await control.fail("tok", "Rejected", "metrics too low")).toBe(true);
    expect(sent[0]).toBeInstanceOf(SendTaskSuccessCommand);
    expect((sent[0] as SendTaskSuccessCommand).input).toEqual({
      taskToken: "tok",
      output: '{"approvedBy":["alice"]}',
    });
    expect(sent[1]).toBeInstanceOf(SendTaskFailureCommand);
    expect((sent[1] as SendTaskFailureCommand).input).toEqual({
      taskToken: "tok",
      error: "Rejected",
      cause: "metrics too low",
    });
  });

  it("keeps a cause within SendTaskFailure's 32768 characters", async () => {
    const { client, sent } = fakeClient(() => ({}));
    await new StepFunctionsWorkflowControl(client).fail("tok", "Cancelled", "x".repeat(40_000));
    expect((sent[0] as SendTaskFailureCommand).input.cause).toHaveLength(32_768);
  });

  it.each(["TaskDoesNotExist", "TaskTimedOut", "InvalidToken"])(
    "answers false when Step Functions says %s (nobody waits on the token)",
    async (name) => {
      const { client } = fakeClient(() => named(name));
      const control = new StepFunctionsWorkflowControl(client);
      expect(await control.resume("tok", {})).toBe(false);
      expect(await control.fail("tok", "Rejected", "no")).toBe(false);
    },
  );

  it("rethrows anything else (throttling, access denied)", async () => {
    const { client } = fakeClient(() => named("AccessDeniedException"));
    await expect(new StepFunctionsWorkflowControl(client).resume("tok", {})).rejects.toThrow(
      "AccessDeniedException",
    );
  });
});

describe("stateMachineOf", () => {
  it("reads the state machine from an execution ARN, in any partition, and refuses anything else", async () => {
    const { stateMachineOf } = await import("#adapters/sfn/workflow-control.ts");
    expect(
      stateMachineOf("arn:aws:states:eu-west-1:123456789012:execution:TransitionWorkflow-AbC:9f1c-uuid"),
    ).toBe("arn:aws:states:eu-west-1:123456789012:stateMachine:TransitionWorkflow-AbC");
    expect(stateMachineOf("arn:aws-cn:states:cn-north-1:123456789012:execution:m:e")).toBe(
      "arn:aws-cn:states:cn-north-1:123456789012:stateMachine:m",
    );
    expect(() => stateMachineOf("execution-1")).toThrow("not a Step Functions execution ARN: execution-1");
  });
});
