/**
 * Local mode's Step Functions: runs the state machine definition CDK synthesizes for
 * `TransitionWorkflow` (`synthesizeTransitionWorkflowDefinition`) with `aws-local-stepfunctions`,
 * one in-process execution per `StartExecution`, and answers the task-token calls the registry
 * makes (`SendTaskSuccess` / `SendTaskFailure`, served over HTTP by `local/step-functions.ts`).
 *
 * Task states run Lambda functions given by ARN, as the definition names them, in the shape of
 * their integration: a bare function ARN gets the Parameters and answers the result;
 * `arn:…:states:::lambda:invoke` gets `Parameters.Payload` and answers `{Payload: result}`;
 * `….waitForTaskToken` gets `Parameters.Payload` and then waits until the token is answered.
 * Each execution gets its own task token (`$$.Task.Token`) and its ARN as `$$.Execution.Id`.
 *
 * One adaptation of the definition, for the emulator only (`adaptForEmulator`):
 * aws-local-stepfunctions 3.0.0 resolves a Task's `TimeoutSecondsPath` against the effective
 * input (after `Parameters`), Step Functions against the state's input (AWS-validated in
 * LocalStack's `test_fixed_timeout_service_lambda_with_path`). The runner carries the value
 * through `Parameters` so the path means the same thing in both.
 */
import { randomBytes, randomUUID } from "node:crypto";
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from "aws-local-stepfunctions";
import type { WorkflowInput } from "../functions/core/lifecycle/workflow-contract.ts";
import type { RegistryStore } from "../functions/core/ports.ts";
import type { WorkflowDefinition } from "../lib/transition-workflow.ts";

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  /** JSON, as Step Functions reports it. */
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: Date;
  stopDate?: Date;
}

/** The Step Functions API's error codes the runner answers with. */
export type WorkflowErrorCode =
  | "TaskDoesNotExist"
  | "TaskTimedOut"
  | "InvalidOutput"
  | "ExecutionAlreadyExists"
  | "ExecutionDoesNotExist"
  | "StateMachineDoesNotExist";

export class WorkflowApiError extends Error {
  constructor(
    readonly code: WorkflowErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** A Lambda function as a Task state sees it: the payload in, the function's result out. */
export type LocalFunction = (payload: unknown) => Promise<unknown>;

export interface WorkflowRunnerOptions {
  definition: WorkflowDefinition;
  /** e.g. `arn:aws:states:us-east-1:000000000000:stateMachine:model-registry-transitions`. */
  stateMachineArn: string;
  /** Every function the definition's Task states invoke, by the ARN it names them with. */
  functions: Readonly<Record<string, LocalFunction>>;
  /** One line per finished execution; default none. */
  log?: (message: string) => void;
  /**
   * Told of every execution that ends, however it ends, as Step Functions reports each status
   * change on the default bus; not of those aborted because local mode stops (`stop()`), which a
   * restart resumes.
   */
  onEnded?: (record: ExecutionRecord) => void;
}

export interface LocalWorkflowRunner {
  readonly stateMachineArn: string;
  startExecution(input: unknown, name?: string): ExecutionRecord;
  describeExecution(executionArn: string): ExecutionRecord;
  /** Resolves with the execution's record once it has ended (however long it waits). */
  ended(executionArn: string): Promise<ExecutionRecord>;
  /** Resumes the task waiting on `token` with `output` (JSON text). */
  sendTaskSuccess(token: string, output: string): void;
  /** Fails the task waiting on `token` with the error name its Catch matches. */
  sendTaskFailure(token: string, error?: string, cause?: string): void;
  /** Aborts a running execution (StopExecution): no Catch runs; `error` and `cause` are recorded. */
  stopExecution(executionArn: string, error?: string, cause?: string): { stopDate: Date };
  /** Executions still running. */
  running(): number;
  /** Resolves when no execution is running, or only ones waiting for a task token. */
  idle(): Promise<void>;
  /** Stops every running execution (ABORTED). */
  stop(): Promise<void>;
}

interface Waiter {
  resolve(output: unknown): void;
  reject(error: Error): void;
}

interface Execution {
  record: ExecutionRecord;
  token: string;
  abort?: () => void;
  /** What StopExecution said, recorded as the aborted execution's error and cause. */
  stoppedWith?: { error?: string; cause?: string };
  /** Settles when the execution ends. */
  done?: Promise<void>;
}

type TaskHandlers = NonNullable<NonNullable<RunOptions["overrides"]>["taskResourceLocalHandlers"]>;
/** The emulator's JSON value type (not exported by name). */
type Json = Parameters<TaskHandlers[string]>[0];

/** How many ended executions and answered tokens are remembered (DescribeExecution, TaskTimedOut). */
const MEMORY = 1000;
/** The key under which the timeout of a Task with `TimeoutSecondsPath` rides through `Parameters`. */
const TIMEOUT_PARAMETER = "__localTimeoutSeconds";

export function createWorkflowRunner(options: WorkflowRunnerOptions): LocalWorkflowRunner {
  const { stateMachineArn } = options;
  const definition = adaptForEmulator(options.definition);
  const machine = new StateMachine(definition as unknown as StateMachineDefinition);
  const tasks = taskIntegrations(definition, options.functions);
  const executionPrefix = stateMachineArn.replace(":stateMachine:", ":execution:");

  const executions = new Map<string, Execution>();
  const waiters = new Map<string, Waiter & { execution: Execution }>();
  /** Tokens of tasks that ended (answered, timed out, execution over). */
  const closedTokens = new Set<string>();
  const running = new Set<Execution>();
  /** Set once local mode stops: the executions it aborts are not reported as ended (a restart resumes them). */
  let stopping = false;

  const closeToken = (token: string) => {
    waiters.delete(token);
    closedTokens.add(token);
    if (closedTokens.size > MEMORY) closedTokens.delete(closedTokens.values().next().value as string);
  };

  function overridesFor(execution: Execution): TaskHandlers {
    const handlers: TaskHandlers = {};
    for (const [state, task] of tasks) {
      handlers[state] = async (input: Json) => (await runTask(task, input)) as Json;
    }
    return handlers;

    async function runTask(
      task: { shape: TaskShape; invoke: LocalFunction },
      input: unknown,
    ): Promise<unknown> {
      // Entering another task means an earlier wait of this execution is over (it timed out
      // and was caught): its token answers TaskTimedOut from now on.
      if (waiters.has(execution.token)) closeToken(execution.token);
      const params = withoutTimeoutParameter(input);
      if (task.shape === "payload") return task.invoke(params);
      const payload = (params as { Payload?: unknown }).Payload;
      if (task.shape === "invoke")
        return { StatusCode: 200, ExecutedVersion: "$LATEST", Payload: await task.invoke(payload) };
      // .waitForTaskToken: the token is live before the function runs, because the function
      // itself may answer it (a request decided before the wait began).
      const answered = new Promise<unknown>((resolve, reject) =>
        waiters.set(execution.token, { resolve, reject, execution }),
      );
      try {
        await task.invoke(payload);
      } catch (error) {
        closeToken(execution.token);
        throw error;
      }
      return answered;
    }
  }

  function startExecution(input: unknown, name: string = randomUUID()): ExecutionRecord {
    const executionArn = `${executionPrefix}:${name}`;
    if (executions.has(executionArn)) {
      throw new WorkflowApiError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`);
    }
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn,
      name,
      status: "RUNNING",
      input: JSON.stringify(input ?? {}),
      startDate: new Date(),
    };
    const execution: Execution = { record, token: newTaskToken() };
    executions.set(executionArn, execution);
    forgetOldExecutions();

    const run = machine.run(JSON.parse(record.input), {
      context: {
        Execution: { Id: executionArn, Name: name, StartTime: record.startDate.toISOString() },
        StateMachine: { Id: stateMachineArn, Name: stateMachineArn.split(":").pop() },
        Task: { Token: execution.token },
      },
      overrides: { taskResourceLocalHandlers: overridesFor(execution) },
    });
    execution.abort = run.abort;
    running.add(execution);
    execution.done = run.result
      .then(
        (output) => {
          record.status = "SUCCEEDED";
          record.output = JSON.stringify(output ?? null);
        },
        (error: unknown) => {
          record.status =
            error instanceof ExecutionAbortedError
              ? "ABORTED"
              : error instanceof ExecutionTimeoutError
                ? "TIMED_OUT"
                : "FAILED";
          const cause = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
          record.error = cause instanceof Error ? cause.name : "Error";
          record.cause = cause instanceof Error ? cause.message : String(cause);
          if (execution.stoppedWith) {
            record.error = execution.stoppedWith.error;
            record.cause = execution.stoppedWith.cause;
          }
        },
      )
      .finally(() => {
        record.stopDate = new Date();
        closeToken(execution.token);
        running.delete(execution);
        options.log?.(
          `[workflow] ${name} ${record.status}${record.error ? ` (${record.error}: ${record.cause})` : ""}`,
        );
        if (!stopping) options.onEnded?.({ ...record });
      });
    return { ...record };
  }

  function forgetOldExecutions(): void {
    if (executions.size <= MEMORY) return;
    for (const [arn, execution] of executions) {
      if (executions.size <= MEMORY) return;
      if (!running.has(execution)) executions.delete(arn);
    }
  }

  function waiterOf(token: string): Waiter {
    const waiter = waiters.get(token);
    if (waiter) {
      closeToken(token);
      return waiter;
    }
    if (closedTokens.has(token)) {
      throw new WorkflowApiError(
        "TaskTimedOut",
        "Task Timed Out: the task token has either expired or the task associated with the token has already been closed",
      );
    }
    throw new WorkflowApiError("TaskDoesNotExist", "Task Does Not Exist: no task waits on this token");
  }

  return {
    stateMachineArn,
    startExecution,
    describeExecution(executionArn) {
      const execution = executions.get(executionArn);
      if (!execution) {
        throw new WorkflowApiError("ExecutionDoesNotExist", `Execution Does Not Exist: '${executionArn}'`);
      }
      return { ...execution.record };
    },
    async ended(executionArn) {
      const execution = executions.get(executionArn);
      if (!execution) {
        throw new WorkflowApiError("ExecutionDoesNotExist", `Execution Does Not Exist: '${executionArn}'`);
      }
      await execution.done;
      return { ...execution.record };
    },
    sendTaskSuccess(token, output) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(output);
      } catch {
        throw new WorkflowApiError("InvalidOutput", "Invalid State Machine Output: the output is not JSON");
      }
      waiterOf(token).resolve(parsed);
    },
    stopExecution(executionArn, error, cause) {
      const execution = executions.get(executionArn);
      if (!execution) {
        throw new WorkflowApiError("ExecutionDoesNotExist", `Execution Does Not Exist: '${executionArn}'`);
      }
      // As Step Functions: stopping an execution that has ended changes nothing.
      if (!running.has(execution)) return { stopDate: execution.record.stopDate ?? new Date() };
      execution.stoppedWith = { error, cause };
      execution.abort?.();
      // The emulator's timer for a wait's timeout is cleared only when the wait settles.
      const waiter = waiters.get(execution.token);
      if (waiter) {
        closeToken(execution.token);
        waiter.reject(Object.assign(new Error("execution stopped"), { name: "States.Aborted" }));
      }
      return { stopDate: new Date() };
    },
    sendTaskFailure(token, error, cause) {
      const failure = new Error(cause ?? "");
      // The name is what the Task's Catch matches (`Rejected`, `Cancelled`).
      failure.name = error ?? "";
      waiterOf(token).reject(failure);
    },
    running: () => running.size,
    async idle() {
      for (;;) {
        const busy = [...running].filter((execution) => !waiters.has(execution.token));
        if (busy.length === 0) return;
        await Promise.race(busy.map((execution) => execution.done));
      }
    },
    async stop() {
      stopping = true;
      const pending = [...running];
      for (const execution of pending) execution.abort?.();
      // Settle the waits of the aborted executions too: the emulator's timer for a wait's
      // timeout (days) is cleared only when the wait settles, and would keep the process alive.
      // The execution is aborted first, so no Catch runs anything afterwards.
      for (const [token, waiter] of [...waiters]) {
        closeToken(token);
        waiter.reject(Object.assign(new Error("local mode stopped"), { name: "States.Aborted" }));
      }
      await Promise.allSettled(pending.map((execution) => execution.done));
    },
  };
}

/**
 * Starts an execution per open transition request (REQUESTED, VALIDATING, AWAITING_APPROVAL) with
 * `resume: true`, so requests in flight when local mode stopped carry on after a restart: the
 * validate step takes each over and an approval wait begins again with its original deadline.
 */
export async function recoverOpenTransitions(
  store: Pick<RegistryStore, "listOpenTransitions">,
  runner: Pick<LocalWorkflowRunner, "startExecution">,
): Promise<number> {
  let started = 0;
  let nextToken: string | undefined;
  do {
    const page = await store.listOpenTransitions({ limit: 100, ...(nextToken && { nextToken }) });
    for (const transition of page.items) {
      const input: WorkflowInput = {
        detail: { model: transition.model, transitionId: transition.id },
        resume: true,
      };
      runner.startExecution(input);
      started++;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return started;
}

type TaskShape = "payload" | "invoke" | "token";

/** Which function each Task state runs, and in which integration shape. */
function taskIntegrations(
  definition: WorkflowDefinition,
  functions: Readonly<Record<string, LocalFunction>>,
): Map<string, { shape: TaskShape; invoke: LocalFunction }> {
  const tasks = new Map<string, { shape: TaskShape; invoke: LocalFunction }>();
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== "Task") continue;
    const resource = String(state.Resource);
    const parameters = (state.Parameters ?? {}) as Record<string, unknown>;
    let shape: TaskShape;
    let functionArn: unknown;
    if (/^arn:[^:]+:lambda:/.test(resource)) {
      shape = "payload";
      functionArn = resource;
    } else if (/^arn:[^:]+:states:::lambda:invoke(\.waitForTaskToken)?$/.test(resource)) {
      shape = resource.endsWith(".waitForTaskToken") ? "token" : "invoke";
      functionArn = parameters.FunctionName;
    } else {
      throw new Error(
        `local mode cannot run Task state '${name}': resource ${resource} is not a Lambda invoke`,
      );
    }
    const invoke = typeof functionArn === "string" ? functions[functionArn] : undefined;
    if (!invoke) {
      throw new Error(`local mode has no function ${String(functionArn)} for Task state '${name}'`);
    }
    tasks.set(name, { shape, invoke });
  }
  return tasks;
}

/** See the module comment: `TimeoutSecondsPath` resolved against the state input, as in AWS. */
export function adaptForEmulator(definition: WorkflowDefinition): WorkflowDefinition {
  const adapted = structuredClone(definition);
  for (const state of Object.values(adapted.States)) {
    if (state.Type !== "Task" || typeof state.TimeoutSecondsPath !== "string") continue;
    state.Parameters = {
      ...((state.Parameters ?? {}) as Record<string, unknown>),
      [`${TIMEOUT_PARAMETER}.$`]: state.TimeoutSecondsPath,
    };
    state.TimeoutSecondsPath = `$.${TIMEOUT_PARAMETER}`;
  }
  return adapted;
}

function withoutTimeoutParameter(input: unknown): unknown {
  if (typeof input !== "object" || input === null || !(TIMEOUT_PARAMETER in input)) return input;
  const { [TIMEOUT_PARAMETER]: _timeout, ...rest } = input as Record<string, unknown>;
  return rest;
}

/** Opaque, like Step Functions' own (which are long base64 strings). */
function newTaskToken(): string {
  return randomBytes(48).toString("base64url");
}
