/**
 * The state machine CDK synthesizes for the transition workflow, run by local mode's runner with
 * a fake tasks function (no emulators): each path of the contract, and the task-token calls made
 * through the real `@aws-sdk/client-sfn` adapter against the local Step Functions endpoint.
 */
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { StepFunctionsWorkflowControl } from "#adapters/sfn/workflow-control.ts";
import type {
  StepResult,
  ValidateResult,
  WorkflowInput,
  WorkflowTask,
} from "#core/lifecycle/workflow-contract.ts";
import type { TransitionRecord } from "#core/records.ts";
import {
  synthesizeTransitionWorkflowDefinition,
  type WorkflowDefinition,
} from "../../../lib/transition-workflow.ts";
import { type LocalStepFunctions, startLocalStepFunctions } from "../../../local/step-functions.ts";
import {
  createWorkflowRunner,
  type ExecutionRecord,
  type LocalWorkflowRunner,
  recoverOpenTransitions,
} from "../../../local/workflow-runner.ts";

const TASKS_ARN = "arn:aws:lambda:us-east-1:000000000000:function:model-registry-transition-tasks";
const STATE_MACHINE_ARN = "arn:aws:states:us-east-1:000000000000:stateMachine:model-registry-transitions";
/** The functions' own identity: the only caller the local Step Functions answers. */
const FUNCTIONS_ROLE = {
  accessKeyId: "AKIAFUNCTIONSROLE001",
  secretAccessKey: "functions-role-secret-for-tests-0123456789",
};
const INPUT: WorkflowInput = { detail: { model: "churn", transitionId: "tr-1" } };

type Step = WorkflowTask["step"];
type Behaviour = { [S in Step]?: (task: Extract<WorkflowTask, { step: S }>) => Promise<unknown> };

let definition: WorkflowDefinition;
let runner: LocalWorkflowRunner;
let endpoint: LocalStepFunctions;
let client: SFNClient;
let control: StepFunctionsWorkflowControl;
/** Every task the fake tasks function received, in order. */
let calls: WorkflowTask[];
let behaviour: Behaviour;
/** Resolves with the task token once the approval wait has begun. */
let waitBegan: Deferred<string>;

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}
function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const validateAnswer = (next: ValidateResult["next"], approvalTimeoutSeconds?: number): ValidateResult => ({
  next,
  model: INPUT.detail.model,
  transitionId: INPUT.detail.transitionId,
  ...(approvalTimeoutSeconds !== undefined && { approvalTimeoutSeconds }),
});
const end = (status: string): StepResult => ({ next: "end", status });

/** The fake tasks function: the behaviour of this test, else a default answer per step. */
async function tasksFunction(payload: unknown): Promise<unknown> {
  const task = payload as WorkflowTask;
  calls.push(task);
  const own = behaviour[task.step] as ((task: WorkflowTask) => Promise<unknown>) | undefined;
  if (task.step === "awaitApproval") waitBegan.resolve(task.token);
  if (own) return own(task);
  return task.step === "validate" ? validateAnswer("apply") : end(task.step);
}

beforeAll(async () => {
  definition = synthesizeTransitionWorkflowDefinition({ tasksFunctionArn: TASKS_ARN });
  runner = createWorkflowRunner({
    definition,
    stateMachineArn: STATE_MACHINE_ARN,
    functions: { [TASKS_ARN]: tasksFunction },
  });
  endpoint = await startLocalStepFunctions({ runner, region: "us-east-1", signers: [FUNCTIONS_ROLE] });
  client = new SFNClient({
    endpoint: endpoint.endpoint,
    region: "us-east-1",
    credentials: FUNCTIONS_ROLE,
  });
  control = new StepFunctionsWorkflowControl(client);
});

afterAll(async () => {
  client?.destroy();
  await endpoint?.close();
  await runner?.stop();
});

function reset(next: Behaviour = {}): void {
  calls = [];
  behaviour = next;
  waitBegan = deferred<string>();
}

afterEach(() => reset());

const finished = (execution: ExecutionRecord) => runner.ended(execution.executionArn);

const steps = () => calls.map((task) => task.step);

describe("the local transition workflow (the definition CDK synthesizes)", () => {
  it("runs the definition the construct synthesizes, which starts at Validate and calls the tasks function", () => {
    // How long synthesis takes is measured by `npm run bench:transitions` (definitionSynthesisMs),
    // not asserted here: a timed assertion fails on a busy machine, not on a slow definition.
    expect(definition.StartAt).toBe("Validate");
    expect(JSON.stringify(definition)).toContain(TASKS_ARN);
  });

  it("validates, then applies when no approval is needed", async () => {
    reset();
    const execution = runner.startExecution(INPUT);
    const result = await finished(execution);
    expect(result.status).toBe("SUCCEEDED");
    expect(steps()).toEqual(["validate", "apply"]);
    expect(calls[0]).toEqual({ step: "validate", event: INPUT, execution: execution.executionArn });
    expect(calls[1]).toEqual({
      step: "apply",
      model: "churn",
      transitionId: "tr-1",
      execution: execution.executionArn,
    });
  });

  it("gives every execution its own $$.Execution.Id and task token", async () => {
    reset({ validate: async () => validateAnswer("approval", 60) });
    const first = runner.startExecution(INPUT);
    const firstToken = await waitBegan.promise;
    waitBegan = deferred<string>();
    const second = runner.startExecution(INPUT);
    const secondToken = await waitBegan.promise;
    expect(first.executionArn).not.toBe(second.executionArn);
    expect(firstToken).not.toBe(secondToken);
    const executions = calls.filter((task) => task.step === "awaitApproval").map((task) => task.execution);
    expect(executions).toEqual([first.executionArn, second.executionArn]);
    expect(await control.fail(firstToken, "Cancelled", "test over")).toBe(true);
    expect(await control.fail(secondToken, "Cancelled", "test over")).toBe(true);
    await runner.idle();
  });

  it("ends at Done without applying when validation says end", async () => {
    reset({ validate: async () => validateAnswer("end") });
    const result = await finished(runner.startExecution(INPUT));
    expect(result.status).toBe("SUCCEEDED");
    expect(steps()).toEqual(["validate"]);
  });

  it("waits for approval and applies once SendTaskSuccess resumes it (through the SFN SDK client)", async () => {
    reset({ validate: async () => validateAnswer("approval", 60) });
    const execution = runner.startExecution(INPUT);
    const token = await waitBegan.promise;
    await runner.idle(); // waiting on a token counts as idle
    expect(runner.describeExecution(execution.executionArn).status).toBe("RUNNING");
    expect(calls[1]).toEqual({
      step: "awaitApproval",
      model: "churn",
      transitionId: "tr-1",
      execution: execution.executionArn,
      token,
    });

    expect(await control.resume(token, { approvedBy: ["alice"] })).toBe(true);
    const result = await finished(execution);
    expect(result.status).toBe("SUCCEEDED");
    expect(steps()).toEqual(["validate", "awaitApproval", "apply"]);
    // The token is spent: a second decision finds nobody waiting.
    expect(await control.resume(token, {})).toBe(false);
  });

  it("resumes at once when the approval step itself answers its token (decided before the wait)", async () => {
    reset({
      validate: async () => validateAnswer("approval", 60),
      awaitApproval: async (task) => {
        expect(await control.resume(task.token, {})).toBe(true);
        return end("AWAITING_APPROVAL");
      },
    });
    const result = await finished(runner.startExecution(INPUT));
    expect(result.status).toBe("SUCCEEDED");
    expect(steps()).toEqual(["validate", "awaitApproval", "apply"]);
  });

  it("runs Stopped and ends at Done, without applying, when SendTaskFailure rejects the wait", async () => {
    reset({ validate: async () => validateAnswer("approval", 60) });
    const execution = runner.startExecution(INPUT);
    const token = await waitBegan.promise;
    expect(await control.fail(token, "Rejected", "metrics too low")).toBe(true);
    const result = await finished(execution);
    expect(result.status).toBe("SUCCEEDED");
    // Stopped ends the request if the registry did not record the rejection (issue 18, item 7).
    expect(steps()).toEqual(["validate", "awaitApproval", "stopped"]);
    expect(calls[2]).toMatchObject({
      step: "stopped",
      model: "churn",
      transitionId: "tr-1",
      error: { Error: "Rejected", Cause: "metrics too low" },
    });
  });

  it("expires the request when the wait times out (TimeoutSecondsPath from the validate step)", async () => {
    reset({ validate: async () => validateAnswer("approval", 1) });
    const started = Date.now();
    const execution = runner.startExecution(INPUT);
    const token = await waitBegan.promise;
    const result = await finished(execution);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(result.status).toBe("SUCCEEDED");
    expect(steps()).toEqual(["validate", "awaitApproval", "expire"]);
    expect(calls[2]).toMatchObject({ step: "expire", model: "churn", transitionId: "tr-1" });
    // A decision after the deadline finds the task closed.
    expect(await control.resume(token, {})).toBe(false);
  });

  it("runs the fail step and ends FAILED (a Fail state) when a step throws", async () => {
    const broken = Object.assign(new Error("transition tr-1 has 0 of 1 approvals"), {
      name: "TransitionStateError",
    });
    reset({
      apply: async () => {
        throw broken;
      },
    });
    const execution = runner.startExecution(INPUT);
    const result = await finished(execution);
    expect(steps()).toEqual(["validate", "apply", "fail"]);
    expect(calls[2]).toEqual({
      step: "fail",
      model: "churn",
      transitionId: "tr-1",
      execution: execution.executionArn,
      error: { Error: "TransitionStateError", Cause: "transition tr-1 has 0 of 1 approvals" },
    });
    expect(result).toMatchObject({
      status: "FAILED",
      error: "TransitionStateError",
      cause: "transition tr-1 has 0 of 1 approvals",
    });
  });

  it("names the request from the execution input when validation itself fails", async () => {
    reset({
      validate: async () => {
        throw new Error("table unavailable");
      },
    });
    const result = await finished(runner.startExecution(INPUT));
    expect(steps()).toEqual(["validate", "fail"]);
    expect(calls[1]).toMatchObject({
      step: "fail",
      model: "churn",
      transitionId: "tr-1",
      error: { Error: "Error", Cause: "table unavailable" },
    });
    expect(result.status).toBe("FAILED");
  });

  it("still ends FAILED with the first error when the fail step fails too", async () => {
    reset({
      apply: async () => {
        throw new Error("apply broke");
      },
      fail: async () => {
        throw new Error("fail broke");
      },
    });
    const result = await finished(runner.startExecution(INPUT));
    expect(steps()).toEqual(["validate", "apply", "fail"]);
    expect(result).toMatchObject({ status: "FAILED", error: "Error", cause: "apply broke" });
  });

  it("answers TaskDoesNotExist for a token nobody issued, which the adapter maps to false", async () => {
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: "not-a-token", output: "{}" })),
    ).rejects.toMatchObject({ name: "TaskDoesNotExist" });
    expect(await control.resume("not-a-token", {})).toBe(false);
    expect(await control.fail("not-a-token", "Rejected", "no")).toBe(false);
  });

  it("answers only the functions' own identity, as in AWS only their roles hold states:SendTask*", async () => {
    reset({ validate: async () => validateAnswer("approval", 60) });
    const execution = runner.startExecution(INPUT);
    const token = await waitBegan.promise;
    const as = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
      new SFNClient({ endpoint: endpoint.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
    const stranger = as({ accessKeyId: "AKIASOMEONEELSE00001", secretAccessKey: "x".repeat(40) });
    const forger = as({ ...FUNCTIONS_ROLE, secretAccessKey: "y".repeat(40) });
    const stop = new SendTaskFailureCommand({ taskToken: token, error: "Forged", cause: "nobody decided" });
    await expect(stranger.send(stop)).rejects.toMatchObject({ name: "UnrecognizedClientException" });
    await expect(forger.send(stop)).rejects.toMatchObject({ name: "InvalidSignatureException" });
    const unsigned = await fetch(endpoint.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "AWSStepFunctions.SendTaskFailure",
      },
      body: JSON.stringify({ taskToken: token, error: "Forged" }),
    });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toMatchObject({ __type: "MissingAuthenticationTokenException" });
    stranger.destroy();
    forger.destroy();
    // The wait is still open: the registry's own call decides it.
    expect(await control.resume(token, {})).toBe(true);
    expect((await finished(execution)).status).toBe("SUCCEEDED");
  });

  it("starts and describes executions through the SDK (StartExecution, DescribeExecution)", async () => {
    reset();
    const { executionArn } = await client.send(
      new StartExecutionCommand({
        stateMachineArn: STATE_MACHINE_ARN,
        name: "by-the-sdk",
        input: JSON.stringify(INPUT),
      }),
    );
    expect(executionArn).toBe(`${STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:")}:by-the-sdk`);
    await runner.idle();
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ status: "SUCCEEDED", name: "by-the-sdk" });
    expect(JSON.parse(described.input ?? "")).toEqual(INPUT);
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: "by-the-sdk" })),
    ).rejects.toMatchObject({ name: "ExecutionAlreadyExists" });
  });
});

describe("stopping local mode", () => {
  it("aborts executions waiting for approval without running any further step, and closes their tokens", async () => {
    reset({ validate: async () => validateAnswer("approval", 600_000) });
    const own = createWorkflowRunner({
      definition,
      stateMachineArn: STATE_MACHINE_ARN,
      functions: { [TASKS_ARN]: tasksFunction },
    });
    const execution = own.startExecution(INPUT);
    const token = await waitBegan.promise;
    // Settling the wait also clears the emulator's timer for it, which would keep the process alive.
    await own.stop();
    expect(own.describeExecution(execution.executionArn).status).toBe("ABORTED");
    expect(steps()).toEqual(["validate", "awaitApproval"]);
    expect(() => own.sendTaskSuccess(token, "{}")).toThrow(expect.objectContaining({ code: "TaskTimedOut" }));
  });
});

describe("why the runner adapts TimeoutSecondsPath", () => {
  it("aws-local-stepfunctions 3.0.0 resolves it against the Lambda request, not the state input", async () => {
    // Step Functions reads `$.validate.approvalTimeoutSeconds` from the state's input; the
    // emulator reads it from the resolved Parameters ({FunctionName, Payload}) and fails. When
    // this test fails, the emulator was fixed: drop `adaptForEmulator`.
    const machine = new StateMachine(definition as unknown as StateMachineDefinition);
    const run = machine.run(JSON.parse(JSON.stringify(INPUT)), {
      context: {
        Task: { Token: "t" },
        Execution: { Id: "arn:aws:states:us-east-1:000000000000:execution:x:y" },
      },
      overrides: {
        taskResourceLocalHandlers: {
          Validate: async () => JSON.parse(JSON.stringify(validateAnswer("approval", 60))),
          "Wait for approval": () => new Promise(() => undefined),
        },
      },
    });
    await expect(run.result).rejects.toThrow(/approvalTimeoutSeconds' does not point to a value/);
  });
});

describe("recovery of open requests", () => {
  it("starts a resuming execution for every open request, across pages", async () => {
    const open = (id: string, status: string) => ({ model: "churn", id, status }) as TransitionRecord;
    const pages = [
      { items: [open("tr-a", "REQUESTED"), open("tr-b", "VALIDATING")], nextToken: "2" },
      { items: [open("tr-c", "AWAITING_APPROVAL")] },
    ];
    const asked: (string | undefined)[] = [];
    const started: unknown[] = [];
    const count = await recoverOpenTransitions(
      {
        listOpenTransitions: async (filter) => {
          asked.push(filter.nextToken);
          return pages[filter.nextToken ? 1 : 0]!;
        },
      },
      {
        startExecution: (input) => {
          started.push(input);
          return {} as ExecutionRecord;
        },
      },
    );
    expect(count).toBe(3);
    expect(asked).toEqual([undefined, "2"]);
    expect(started).toEqual(
      ["tr-a", "tr-b", "tr-c"].map((transitionId) => ({
        detail: { model: "churn", transitionId },
        resume: true,
      })),
    );
  });
});
