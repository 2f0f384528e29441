import { ArnFormat, Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import type { IEventBus } from "aws-cdk-lib/aws-events";
import { Rule } from "aws-cdk-lib/aws-events";
import { LambdaFunction as LambdaTarget, SfnStateMachine } from "aws-cdk-lib/aws-events-targets";
import { Policy, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { type IFunction, Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  IntegrationPattern,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
} from "aws-cdk-lib/aws-stepfunctions";
import { LambdaInvoke } from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import { DEFAULT_EVENT_SOURCE, transitionWorkflowRule } from "../functions/core/events/catalog.ts";
import { executionEndedRule } from "../functions/core/lifecycle/execution-ended.ts";
import {
  APPROVAL_STOP_ERRORS,
  WORKFLOW_STATES,
  type WorkflowStep,
} from "../functions/core/lifecycle/workflow-contract.ts";
import { registryApp } from "./app.ts";
import { acknowledgeDeadLetterQueue } from "./event-publisher.ts";
import { acceptWildcardResources, acknowledge } from "./nag.ts";
import { cdkEventPattern } from "./webhook-targets.ts";

/**
 * Where each state keeps what it learnt, so later states still see the execution input:
 * `$.validate` is the `ValidateResult`, `$.approval` what the last approval sent
 * (SendTaskSuccess), `$.error` the `{Error, Cause}` a Catch caught.
 */
export const WORKFLOW_PATHS = {
  validate: "$.validate",
  approvalTimeoutSeconds: "$.validate.approvalTimeoutSeconds",
  approval: "$.approval",
  error: "$.error",
} as const;

/**
 * A task state's own deadline: well above the tasks function's timeout, so Lambda reports its
 * own timeout first (and Step Functions' default would be 99999999 s: a lost invoke would hold
 * the execution for years).
 */
export const TASKS_FUNCTION_TIMEOUT = Duration.minutes(5);
const STEP_TIMEOUT = Duration.minutes(6);

/**
 * The tag that marks a Lambda function as a custom validation function the workflow may invoke
 * (a policy's `customValidation.functionArn`): tag it `model-registry:validation=true`. The tasks
 * function may invoke any function of this account and region carrying it, and no other (Lambda
 * evaluates `aws:ResourceTag/<key>` for `lambda:InvokeFunction`: "Using attribute-based access
 * control in Lambda", https://docs.aws.amazon.com/lambda/latest/dg/attribute-based-access-control.html).
 */
export const CUSTOM_VALIDATION_TAG = { key: "model-registry:validation", value: "true" } as const;

export interface TransitionWorkflowProps {
  /** Runs every Task state (`functions/entry-points/transition-tasks.ts`). */
  tasksFunction: IFunction;
  /**
   * The registry's bus: a rule on it starts an execution per `Stage Transition Requested`.
   * Without it only the state machine is built (local mode's definition).
   */
  bus?: IEventBus;
  /** `source` of the registry's events (the rule matches only those). */
  eventSource?: string;
  /** @default one month */
  logRetention?: RetentionDays;
}

/**
 * The stage-transition workflow (STANDARD: only Standard workflows can wait for a task token):
 *
 * ```
 * Validate ─► Approval needed? ─approval─► Wait for approval ─► Apply ─► Done
 *                 │ apply ───────────────────────────────────────┘ ▲       ▲
 *                 └ otherwise ────────────────────────────────────────────┘
 * Wait for approval: States.Timeout ─► Expire ─► Done; Rejected / Cancelled ─► Stopped ─► Done
 * any task's unexpected error ─► Fail ─► Failed (a Fail state: ExecutionsFailed counts it)
 * ```
 *
 * Every Task runs the one tasks function with `{step, …}` (the contract in
 * `functions/core/lifecycle/workflow-contract.ts`, which also names the states). Local mode
 * runs this very definition: `synthesizeTransitionWorkflowDefinition`.
 */
export class TransitionWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly logGroup: LogGroup;
  /** Present with a `bus`. */
  readonly rule: Rule | undefined;
  /**
   * Ends the request of an execution that stopped, timed out or failed without a decision (the
   * account's default bus, where Step Functions reports status changes): `execution-ended.ts`.
   */
  readonly endedRule: Rule | undefined;
  /** Requested events EventBridge could not start an execution for (after its retries). */
  readonly deadLetterQueue: Queue | undefined;
  private readonly taskResponsePolicies: Policy[] = [];
  private restartPolicies = 0;

  constructor(scope: Construct, id: string, props: TransitionWorkflowProps) {
    super(scope, id);
    const fn = props.tasksFunction;
    const S = WORKFLOW_STATES;
    const execution = JsonPath.stringAt("$$.Execution.Id");
    const model = JsonPath.stringAt("$.validate.model");
    const transitionId = JsonPath.stringAt("$.validate.transitionId");

    // Results are the tasks function's answers themselves (payloadResponseOnly: the Lambda
    // integration without the Invoke response around them).
    const step = (
      name: string,
      payload: Record<string, unknown> & { step: WorkflowStep },
      resultPath: string,
    ) =>
      new LambdaInvoke(this, name.replace(/[^A-Za-z]/g, ""), {
        stateName: name,
        lambdaFunction: fn,
        payload: TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        resultPath,
        taskTimeout: Timeout.duration(STEP_TIMEOUT),
      });

    const done = new Succeed(this, "Done", { stateName: S.done });
    const failed = new Fail(this, "Failed", {
      stateName: S.failed,
      // The error that sent the execution here, not a generic one.
      errorPath: "$.error.Error",
      causePath: "$.error.Cause",
    });

    // Fail may follow Validate's own failure, before any `$.validate`: it names the request
    // from the execution input (`WorkflowInput.detail`, also the rule's event detail).
    const fail = step(
      S.fail,
      {
        step: "fail",
        model: JsonPath.stringAt("$.detail.model"),
        transitionId: JsonPath.stringAt("$.detail.transitionId"),
        execution,
        error: JsonPath.objectAt(WORKFLOW_PATHS.error),
      },
      JsonPath.DISCARD,
    );
    // Even when recording the failure fails, the execution ends FAILED with the first error.
    fail.addCatch(failed, { errors: ["States.ALL"], resultPath: "$.failStepError" });
    fail.next(failed);
    const toFail = { errors: ["States.ALL"], resultPath: WORKFLOW_PATHS.error };

    const validate = step(
      S.validate,
      { step: "validate", event: JsonPath.entirePayload, execution },
      WORKFLOW_PATHS.validate,
    );
    validate.addCatch(fail, toFail);

    const apply = step(S.apply, { step: "apply", model, transitionId, execution }, JsonPath.DISCARD);
    apply.addCatch(fail, toFail);
    apply.next(done);

    const expire = step(S.expire, { step: "expire", model, transitionId, execution }, JsonPath.DISCARD);
    expire.addCatch(fail, toFail);
    expire.next(done);

    const awaitApproval = new LambdaInvoke(this, "WaitForApproval", {
      stateName: S.awaitApproval,
      lambdaFunction: fn,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({
        step: "awaitApproval",
        model,
        transitionId,
        execution,
        token: JsonPath.taskToken,
      }),
      // Seconds left until the approval deadline, as Validate computed them (a resumed
      // request keeps its original deadline).
      taskTimeout: Timeout.at(WORKFLOW_PATHS.approvalTimeoutSeconds),
      resultPath: WORKFLOW_PATHS.approval,
    });
    awaitApproval.addCatch(expire, { errors: ["States.Timeout"], resultPath: WORKFLOW_PATHS.error });
    // A rejection or cancellation is recorded before the registry stops the wait; Stopped ends a
    // request that is still open (someone else holding the token stopped it) as FAILED.
    const stopped = step(
      S.stopped,
      { step: "stopped", model, transitionId, execution, error: JsonPath.objectAt(WORKFLOW_PATHS.error) },
      JsonPath.DISCARD,
    );
    stopped.addCatch(fail, toFail);
    stopped.next(done);
    awaitApproval.addCatch(stopped, { errors: [...APPROVAL_STOP_ERRORS], resultPath: WORKFLOW_PATHS.error });
    awaitApproval.addCatch(fail, toFail);
    awaitApproval.next(apply);

    const approvalNeeded = new Choice(this, "ApprovalNeeded", { stateName: S.approvalNeeded })
      .when(Condition.stringEquals("$.validate.next", "approval"), awaitApproval)
      .when(Condition.stringEquals("$.validate.next", "apply"), apply)
      .otherwise(done);

    this.logGroup = new LogGroup(this, "Logs", {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, "StateMachine", {
      stateMachineType: StateMachineType.STANDARD,
      comment: "Model registry: validates a stage transition, waits for its approvals, applies it",
      definitionBody: DefinitionBody.fromChainable(validate.next(approvalNeeded)),
      tracingEnabled: true,
      // ERROR and without execution data: the approval wait's input holds the task token, and
      // whoever reads it could resume or stop the wait (issue 18, item 7). The execution history
      // still shows each state's input: reading it (states:GetExecutionHistory) is for operators
      // only (docs/governance.md, "Workflow").
      logs: { destination: this.logGroup, level: LogLevel.ERROR, includeExecutionData: false },
    });
    acknowledge(
      this.stateMachine,
      "AwsSolutions-SF1",
      "Logs at ERROR without execution data on purpose: logging ALL events would write the approval wait's task token to CloudWatch Logs, where whoever can read the logs could resume or stop the wait; every step the workflow takes is recorded in the registry's own history instead",
    );
    acceptWildcardResources(
      this.stateMachine.role,
      /^\*$/,
      "Step Functions' log delivery (logs:*LogDelivery*, resource policies) and X-Ray sampling actions have no resource-level permissions",
    );
    acceptWildcardResources(
      this.stateMachine.role,
      /\.Arn>:\*$/,
      "lambda:InvokeFunction on the tasks function and its versions and aliases (CDK's LambdaInvoke grant): one function, never another",
    );

    const role = fn.role;
    if (role) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ["lambda:InvokeFunction"],
          resources: [
            Stack.of(this).formatArn({
              service: "lambda",
              resource: "function",
              resourceName: "*",
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
          conditions: {
            StringEquals: { [`aws:ResourceTag/${CUSTOM_VALIDATION_TAG.key}`]: CUSTOM_VALIDATION_TAG.value },
          },
        }),
      );
      acceptWildcardResources(
        role,
        // The partition is a literal where the stack's region is known (@aws-cdk/core:enablePartitionLiterals).
        /^arn:(<AWS::Partition>|aws[a-z-]*):lambda:.+:function:\*$/,
        `policies name their custom validation functions at run time; the invoke is limited to functions tagged ${CUSTOM_VALIDATION_TAG.key}=${CUSTOM_VALIDATION_TAG.value}`,
      );
      // The awaitApproval step itself resumes or stops the wait when the request was decided
      // before the wait began.
      this.grantTaskResponses(fn);
    }

    if (props.bus) {
      this.deadLetterQueue = new Queue(this, "DeadLetters", {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      acknowledgeDeadLetterQueue(
        this.deadLetterQueue,
        "transition requests EventBridge could not start the workflow for",
      );
      this.rule = new Rule(this, "Requested", {
        eventBus: props.bus,
        description: "Starts the transition workflow for every stage transition request",
        // The catalog's pattern, as data: the local bus matches the very same one.
        eventPattern: cdkEventPattern(transitionWorkflowRule(props.eventSource ?? DEFAULT_EVENT_SOURCE)),
        targets: [
          new SfnStateMachine(this.stateMachine, {
            deadLetterQueue: this.deadLetterQueue,
            retryAttempts: 8,
            maxEventAge: Duration.hours(24),
          }),
        ],
      });
      this.endedRule = new Rule(this, "Ended", {
        description:
          "Ends the request of a transition execution that stopped, timed out or failed without a decision",
        // The same pattern local mode matches its runner's ended executions with.
        eventPattern: cdkEventPattern(executionEndedRule(this.stateMachine.stateMachineArn)),
        targets: [
          new LambdaTarget(fn, {
            deadLetterQueue: this.deadLetterQueue,
            retryAttempts: 8,
            maxEventAge: Duration.hours(24),
          }),
        ],
      });
    }
  }

  /**
   * Lets functions resume or stop this state machine's approval waits (SendTaskSuccess /
   * SendTaskFailure). Scoped to the state machine, as CDK's `grantTaskResponse` scopes it and as
   * IAM evaluates it for callback tasks (an AccessDenied names the state machine ARN), although
   * the Service Authorization Reference lists no resource type for SendTask* (aws-cdk PR #8486
   * tested both). A policy of its own, not the roles' default policies: the state machine
   * depends on the tasks function, whose default policy it would otherwise have to wait for.
   */
  grantTaskResponses(...grantees: IFunction[]): void {
    const roles = grantees.map((grantee) => grantee.role).filter((role) => role !== undefined);
    if (roles.length === 0) return;
    this.taskResponsePolicies.push(
      new Policy(this, `TaskResponses${this.taskResponsePolicies.length || ""}`, {
        roles,
        statements: [
          new PolicyStatement({
            actions: ["states:SendTaskSuccess", "states:SendTaskFailure"],
            resources: [this.stateMachine.stateMachineArn],
          }),
        ],
      }),
    );
  }

  /**
   * Lets functions start a new execution of this state machine: the final approval of a request
   * whose execution is gone restarts the workflow (docs/governance.md, "Workflow"). A policy of
   * its own, for the reason `grantTaskResponses` gives; the functions find the state machine's
   * ARN in the request's execution ARN, not in their environment, which would be a cycle.
   */
  grantRestarts(...grantees: IFunction[]): void {
    const roles = grantees.map((grantee) => grantee.role).filter((role) => role !== undefined);
    if (roles.length === 0) return;
    new Policy(this, `Restarts${this.restartPolicies++ || ""}`, {
      roles,
      statements: [
        new PolicyStatement({
          actions: ["states:StartExecution"],
          resources: [this.stateMachine.stateMachineArn],
        }),
      ],
    });
  }
}

/** The Amazon States Language document local mode runs. */
export interface WorkflowDefinition {
  StartAt: string;
  States: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

/**
 * The definition CDK synthesizes for `TransitionWorkflow`, with the tasks function's ARN (and
 * the partition) as literal strings: what local mode runs, so it cannot drift from AWS.
 */
export function synthesizeTransitionWorkflowDefinition(settings: {
  tasksFunctionArn: string;
  partition?: string;
}): WorkflowDefinition {
  const app = registryApp();
  const stack = new Stack(app, "LocalTransitionWorkflow");
  const workflow = new TransitionWorkflow(stack, "Workflow", {
    tasksFunction: LambdaFunction.fromFunctionArn(stack, "Tasks", settings.tasksFunctionArn),
  });
  const definition: unknown = stack.resolve(
    (workflow.stateMachine.node.defaultChild as { definitionString?: unknown }).definitionString,
  );
  const text = renderIntrinsic(definition, { "AWS::Partition": settings.partition ?? "aws" });
  return JSON.parse(text) as WorkflowDefinition;
}

/** A resolved `DefinitionString`: a string, or `Fn::Join` of strings and known pseudo parameters. */
function renderIntrinsic(value: unknown, refs: Record<string, string>): string {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null) {
    if ("Ref" in value && typeof value.Ref === "string" && value.Ref in refs)
      return refs[value.Ref] as string;
    if ("Fn::Join" in value && Array.isArray(value["Fn::Join"])) {
      const [separator, parts] = value["Fn::Join"] as [string, unknown[]];
      return parts.map((part) => renderIntrinsic(part, refs)).join(separator);
    }
  }
  throw new Error(
    `the workflow definition refers to ${JSON.stringify(value)}, which local mode cannot resolve`,
  );
}
