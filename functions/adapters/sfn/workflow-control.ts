/**
 * Resumes or stops the execution waiting on a task token: `SendTaskSuccess` with the approval's
 * output, `SendTaskFailure` with the error name the state machine catches (`Rejected`,
 * `Cancelled`). Local mode points the same client at its Step Functions endpoint
 * (`AWS_ENDPOINT_URL_SFN`, `local/step-functions.ts`).
 */
import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { traceClient } from "#adapters/tracing.ts";
import type { WorkflowInput } from "#core/lifecycle/workflow-contract.ts";
import type { WorkflowControl, WorkflowStopReason } from "#core/ports.ts";

/** The execution no longer waits on that token: it timed out, was resumed already, or ended. */
const TOKEN_GONE = new Set(["TaskDoesNotExist", "TaskTimedOut", "InvalidToken"]);

/** SendTaskFailure's `cause` is at most 32768 characters. */
const MAX_CAUSE = 32_768;

export class StepFunctionsWorkflowControl implements WorkflowControl {
  constructor(private readonly client: SFNClient) {}

  resume(token: string, output: Record<string, unknown>): Promise<boolean> {
    return answered(
      this.client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) })),
    );
  }

  fail(token: string, error: WorkflowStopReason, cause: string): Promise<boolean> {
    return answered(
      this.client.send(
        new SendTaskFailureCommand({ taskToken: token, error, cause: cause.slice(0, MAX_CAUSE) }),
      ),
    );
  }

  async restart(
    transition: { model: string; transitionId: string },
    execution: string,
    name: string,
  ): Promise<void> {
    const input: WorkflowInput = { detail: transition, resume: true };
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: stateMachineOf(execution),
          name,
          input: JSON.stringify(input),
        }),
      );
    } catch (error) {
      // Another caller's recovery of the same request started it already.
      if (error instanceof Error && error.name === "ExecutionAlreadyExists") return;
      throw error;
    }
  }
}

/**
 * The state machine an execution ran on: `arn:…:states:<region>:<account>:execution:<machine>:<name>`
 * → `arn:…:states:<region>:<account>:stateMachine:<machine>`. Read from the execution, not from
 * configuration: the transitions function naming the state machine would make CloudFormation
 * resolve a cycle (state machine → tasks function → API URL → transitions function).
 */
export function stateMachineOf(execution: string): string {
  const match = /^(arn:[^:]+:states:[^:]*:\d{12}):execution:([^:]+):[^:]+$/.exec(execution);
  if (!match) throw new Error(`not a Step Functions execution ARN: ${execution}`);
  return `${match[1]}:stateMachine:${match[2]}`;
}

/** true once Step Functions took the answer, false when nobody waits on the token any more. */
async function answered(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (error) {
    if (error instanceof Error && TOKEN_GONE.has(error.name)) return false;
    throw error;
  }
}

/** The adapter with its own client: how `buildCore()` makes it, on first use. */
export const createStepFunctionsWorkflowControl = (): WorkflowControl =>
  new StepFunctionsWorkflowControl(traceClient(new SFNClient({})));
