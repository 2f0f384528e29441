import { Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { Rule } from "aws-cdk-lib/aws-events";
import type { CfnRole } from "aws-cdk-lib/aws-iam";
import { Code, Function as LambdaFunction, Runtime } from "aws-cdk-lib/aws-lambda";
import type { CfnStateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { beforeAll, describe, expect, it } from "vitest";
import { transitionWorkflowRule } from "#core/events/catalog.ts";
import { executionEndedRule } from "#core/lifecycle/execution-ended.ts";
import { APPROVAL_STOP_ERRORS, WORKFLOW_STATES } from "#core/lifecycle/workflow-contract.ts";
import { registryApp } from "../../lib/app.ts";
import { DataStack } from "../../lib/data-stack.ts";
import { defaultRegistryConfig } from "../../lib/registry-config.ts";
import { dataStackProps } from "../../lib/registry-stacks.ts";
import {
  CUSTOM_VALIDATION_TAG,
  synthesizeTransitionWorkflowDefinition,
  TransitionWorkflow,
  WORKFLOW_PATHS,
} from "../../lib/transition-workflow.ts";
import { asArray, type CfnResource, type Json, propsOf, render } from "./template-support.ts";

// The construct in a stack of its own beside the data stack, with inline functions: nothing
// is bundled. lib/api-stack.ts wires it to the real tasks function (api-stack.test.ts).
let stack: Stack;
let template: Template;
let resources: Record<string, CfnResource>;
let workflow: TransitionWorkflow;
let tasks: LambdaFunction;
let approver: LambdaFunction;
let definition: Record<string, Json> & { States: Record<string, Record<string, Json>> };

const SOURCE = "registry-under-test";

beforeAll(() => {
  const app = registryApp();
  const data = new DataStack(app, "Test-Data", {
    ...dataStackProps(defaultRegistryConfig),
    eventSource: SOURCE,
  });
  stack = new Stack(app, "Test-Workflow");
  const fn = (id: string) =>
    new LambdaFunction(stack, id, {
      runtime: Runtime.NODEJS_24_X,
      handler: "index.handler",
      code: Code.fromInline("export const handler = async () => ({});"),
    });
  tasks = fn("Tasks");
  approver = fn("Transitions");
  workflow = new TransitionWorkflow(stack, "Workflow", {
    tasksFunction: tasks,
    bus: data.events.bus,
    eventSource: SOURCE,
  });
  workflow.grantTaskResponses(approver);
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
  const machine = resources[logicalId(workflow.stateMachine.node.defaultChild as CfnStateMachine)]!;
  definition = JSON.parse(render(propsOf(machine).DefinitionString as Json));
});

const logicalId = (construct: CfnStateMachine | CfnRole) => stack.getLogicalId(construct);
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const states = () => Object.entries(definition.States);
const ruleOf = (rule: Rule | undefined) => resources[stack.getLogicalId(rule!.node.defaultChild as never)]!;
const tasksArn = () => `{${stack.getLogicalId(tasks.node.defaultChild as never)}.Arn}`;

function statementsOf(
  fn: LambdaFunction,
): { Action: Json; Resource: Json; Effect: Json; Condition?: Json }[] {
  const roleRef = `{Ref:${logicalId(fn.role!.node.defaultChild as CfnRole)}}`;
  return ofType("AWS::IAM::Policy")
    .filter(([, policy]) => asArray(propsOf(policy).Roles).map(render).includes(roleRef))
    .flatMap(([, policy]) => asArray((propsOf(policy).PolicyDocument as { Statement: Json }).Statement))
    .map((statement) => statement as { Action: Json; Resource: Json; Effect: Json; Condition?: Json });
}

describe("the transition workflow's state machine", () => {
  it("is a Standard workflow (only Standard can wait for a task token), traced, logging errors without execution data (the wait's input holds the task token)", () => {
    const [[, machine]] = ofType("AWS::StepFunctions::StateMachine") as [[string, CfnResource]];
    const props = propsOf(machine);
    expect(props.StateMachineType).toBe("STANDARD");
    expect(props.TracingConfiguration).toEqual({ Enabled: true });
    const logging = props.LoggingConfiguration as {
      Level: string;
      IncludeExecutionData: boolean;
      Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: Json } }[];
    };
    expect(logging.Level).toBe("ERROR");
    expect(logging.IncludeExecutionData).toBe(false);
    const logGroupId = stack.getLogicalId(workflow.logGroup.node.defaultChild as never);
    expect(render(logging.Destinations[0]!.CloudWatchLogsLogGroup.LogGroupArn)).toBe(`{${logGroupId}.Arn}`);
    expect(propsOf(resources[logGroupId]).RetentionInDays).toBeGreaterThan(0);
  });

  it("has exactly the contract's states, starting at Validate", () => {
    expect(definition.StartAt).toBe(WORKFLOW_STATES.validate);
    expect(Object.keys(definition.States).sort()).toEqual(Object.values(WORKFLOW_STATES).sort());
  });

  it("runs every Task on the tasks function, and every Task catches States.ALL last", () => {
    const taskStates = states().filter(([, state]) => state.Type === "Task");
    expect(taskStates.map(([name]) => name).sort()).toEqual(
      [
        WORKFLOW_STATES.validate,
        WORKFLOW_STATES.awaitApproval,
        WORKFLOW_STATES.apply,
        WORKFLOW_STATES.expire,
        WORKFLOW_STATES.stopped,
        WORKFLOW_STATES.fail,
      ].sort(),
    );
    for (const [name, state] of taskStates) {
      const functionArn =
        name === WORKFLOW_STATES.awaitApproval
          ? (state.Parameters as { FunctionName: Json }).FunctionName
          : state.Resource;
      expect(functionArn, name).toBe(tasksArn());
      const catchers = state.Catch as { ErrorEquals: string[]; Next: string }[];
      expect(catchers.at(-1)?.ErrorEquals, name).toEqual(["States.ALL"]);
      // Only the fail step goes straight to the Fail state; every other failure records itself.
      expect(catchers.at(-1)?.Next, name).toBe(
        name === WORKFLOW_STATES.fail ? WORKFLOW_STATES.failed : WORKFLOW_STATES.fail,
      );
    }
  });

  it("sends each step its contract payload", () => {
    const payloadOf = (name: string) => {
      const state = definition.States[name]!;
      return (
        name === WORKFLOW_STATES.awaitApproval
          ? (state.Parameters as { Payload: Json }).Payload
          : state.Parameters
      ) as Record<string, Json>;
    };
    expect(payloadOf(WORKFLOW_STATES.validate)).toEqual({
      step: "validate",
      "event.$": "$",
      "execution.$": "$$.Execution.Id",
    });
    const onValidated = { "model.$": "$.validate.model", "transitionId.$": "$.validate.transitionId" };
    expect(payloadOf(WORKFLOW_STATES.awaitApproval)).toEqual({
      step: "awaitApproval",
      ...onValidated,
      "execution.$": "$$.Execution.Id",
      "token.$": "$$.Task.Token",
    });
    expect(payloadOf(WORKFLOW_STATES.apply)).toEqual({
      step: "apply",
      ...onValidated,
      "execution.$": "$$.Execution.Id",
    });
    expect(payloadOf(WORKFLOW_STATES.expire)).toEqual({
      step: "expire",
      ...onValidated,
      "execution.$": "$$.Execution.Id",
    });
    expect(payloadOf(WORKFLOW_STATES.stopped)).toEqual({
      step: "stopped",
      ...onValidated,
      "execution.$": "$$.Execution.Id",
      "error.$": WORKFLOW_PATHS.error,
    });
    expect(payloadOf(WORKFLOW_STATES.fail)).toEqual({
      step: "fail",
      "model.$": "$.detail.model",
      "transitionId.$": "$.detail.transitionId",
      "execution.$": "$$.Execution.Id",
      "error.$": WORKFLOW_PATHS.error,
    });
    expect(definition.States[WORKFLOW_STATES.validate]!.ResultPath).toBe(WORKFLOW_PATHS.validate);
  });

  it("chooses on the validate step's answer", () => {
    const choice = definition.States[WORKFLOW_STATES.approvalNeeded]!;
    expect(choice.Type).toBe("Choice");
    expect(choice.Choices).toEqual([
      { Variable: "$.validate.next", StringEquals: "approval", Next: WORKFLOW_STATES.awaitApproval },
      { Variable: "$.validate.next", StringEquals: "apply", Next: WORKFLOW_STATES.apply },
    ]);
    expect(choice.Default).toBe(WORKFLOW_STATES.done);
  });

  it("waits for approval with a task token, for the seconds the validate step computed", () => {
    const wait = definition.States[WORKFLOW_STATES.awaitApproval]!;
    expect(wait.Resource).toBe("arn:{Ref:AWS::Partition}:states:::lambda:invoke.waitForTaskToken");
    expect(wait.TimeoutSecondsPath).toBe("$.validate.approvalTimeoutSeconds");
    expect(wait.TimeoutSeconds).toBeUndefined();
    expect(wait.HeartbeatSeconds).toBeUndefined();
    expect(wait.Next).toBe(WORKFLOW_STATES.apply);
    expect(
      (wait.Catch as { ErrorEquals: string[]; Next: string }[]).map((c) => [c.ErrorEquals, c.Next]),
    ).toEqual([
      [["States.Timeout"], WORKFLOW_STATES.expire],
      // A stop the registry did not record ends the request FAILED there (issue 18, item 7).
      [[...APPROVAL_STOP_ERRORS], WORKFLOW_STATES.stopped],
      [["States.ALL"], WORKFLOW_STATES.fail],
    ]);
  });

  it("keeps the execution input through every catch, and ends failures in a Fail state", () => {
    for (const [name, state] of states()) {
      for (const catcher of (state.Catch ?? []) as { ResultPath?: string }[]) {
        expect(catcher.ResultPath, name).toMatch(/^\$\.\w+$/);
      }
    }
    expect(definition.States[WORKFLOW_STATES.fail]!.Next).toBe(WORKFLOW_STATES.failed);
    expect(definition.States[WORKFLOW_STATES.failed]).toEqual({
      Type: "Fail",
      ErrorPath: "$.error.Error",
      CausePath: "$.error.Cause",
    });
    expect(definition.States[WORKFLOW_STATES.done]).toEqual({ Type: "Succeed" });
    for (const name of [WORKFLOW_STATES.apply, WORKFLOW_STATES.expire, WORKFLOW_STATES.stopped]) {
      expect(definition.States[name]!.Next).toBe(WORKFLOW_STATES.done);
    }
  });

  it("gives every step but the wait a timeout above the Lambda function's", () => {
    for (const [name, state] of states().filter(([, s]) => s.Type === "Task")) {
      if (name === WORKFLOW_STATES.awaitApproval) continue;
      expect(state.TimeoutSeconds, name).toBeGreaterThan(0);
    }
  });

  it("is the very definition local mode runs (synthesizeTransitionWorkflowDefinition)", () => {
    const arn = "arn:aws:lambda:us-east-1:000000000000:function:tasks";
    const local = synthesizeTransitionWorkflowDefinition({ tasksFunctionArn: arn });
    const deployed = JSON.parse(
      JSON.stringify(definition).replaceAll(tasksArn(), arn).replaceAll("{Ref:AWS::Partition}", "aws"),
    );
    expect(local).toEqual(deployed);
  });
});

describe("the rule that starts it", () => {
  it("matches the catalog's pattern on the registry's bus", () => {
    const rule = ruleOf(workflow.rule);
    const props = propsOf(rule);
    expect(props.EventPattern).toEqual(transitionWorkflowRule(SOURCE));
    expect(render(props.EventBusName as Json)).toMatch(/^\{Import:.*Bus/);
  });

  it("targets the state machine, retrying, with an encrypted dead-letter queue", () => {
    const rule = ruleOf(workflow.rule);
    const [target] = propsOf(rule).Targets as {
      Arn: Json;
      RoleArn: Json;
      DeadLetterConfig: { Arn: Json };
      RetryPolicy: { MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number };
    }[];
    const machineId = logicalId(workflow.stateMachine.node.defaultChild as CfnStateMachine);
    expect(render(target!.Arn)).toBe(`{Ref:${machineId}}`);
    expect(target!.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(target!.RetryPolicy.MaximumEventAgeInSeconds).toBeGreaterThan(0);
    const queueId = stack.getLogicalId(workflow.deadLetterQueue!.node.defaultChild as never);
    expect(render(target!.DeadLetterConfig.Arn)).toBe(`{${queueId}.Arn}`);
    expect(propsOf(resources[queueId]).SqsManagedSseEnabled).toBe(true);
  });
});

describe("the rule that ends the request of an execution stopped without a decision (issue 18, item 7)", () => {
  it("matches this state machine's ABORTED, TIMED_OUT and FAILED status changes on the default bus, the pattern local mode matches", () => {
    const props = propsOf(ruleOf(workflow.endedRule));
    expect(props.EventBusName).toBeUndefined();
    const machineId = logicalId(workflow.stateMachine.node.defaultChild as CfnStateMachine);
    const pattern = props.EventPattern as { detail: { stateMachineArn: Json[] } };
    expect(pattern.detail.stateMachineArn.map(render)).toEqual([`{Ref:${machineId}}`]);
    expect({ ...pattern, detail: { ...pattern.detail, stateMachineArn: ["MACHINE"] } }).toEqual(
      executionEndedRule("MACHINE"),
    );
    expect(executionEndedRule("MACHINE").detail.status).toEqual(["ABORTED", "TIMED_OUT", "FAILED"]);
  });

  it("targets the tasks function, retrying, with the dead-letter queue, and lets EventBridge invoke it", () => {
    const [target] = propsOf(ruleOf(workflow.endedRule)).Targets as {
      Arn: Json;
      DeadLetterConfig: { Arn: Json };
      RetryPolicy: { MaximumRetryAttempts: number };
    }[];
    expect(render(target!.Arn)).toBe(tasksArn());
    expect(target!.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    const queueId = stack.getLogicalId(workflow.deadLetterQueue!.node.defaultChild as never);
    expect(render(target!.DeadLetterConfig.Arn)).toBe(`{${queueId}.Arn}`);
    const ruleArn = `{${stack.getLogicalId(workflow.endedRule!.node.defaultChild as never)}.Arn}`;
    const permissions = ofType("AWS::Lambda::Permission").map(([, p]) => propsOf(p));
    expect(
      permissions.some(
        (p) =>
          p.Principal === "events.amazonaws.com" &&
          render(p.SourceArn as Json) === ruleArn &&
          render(p.FunctionName as Json) === tasksArn(),
      ),
    ).toBe(true);
  });
});

describe("who may answer its task tokens, and what the tasks function may invoke", () => {
  const sendTaskStatements = (fn: LambdaFunction) =>
    statementsOf(fn).filter((s) => asArray(s.Action).some((a) => String(a).startsWith("states:SendTask")));

  it.each([
    ["the tasks function", () => tasks],
    ["a granted function (the transitions route group)", () => approver],
  ])("lets %s send SendTaskSuccess / SendTaskFailure for this state machine only", (_, fn) => {
    const statements = sendTaskStatements(fn());
    expect(statements).toHaveLength(1);
    expect(asArray(statements[0]!.Action).sort()).toEqual([
      "states:SendTaskFailure",
      "states:SendTaskSuccess",
    ]);
    const machineId = logicalId(workflow.stateMachine.node.defaultChild as CfnStateMachine);
    expect(asArray(statements[0]!.Resource).map(render)).toEqual([`{Ref:${machineId}}`]);
  });

  it("lets the tasks function invoke only functions tagged as custom validations", () => {
    const invokes = statementsOf(tasks).filter((s) => asArray(s.Action).includes("lambda:InvokeFunction"));
    expect(invokes).toHaveLength(1);
    expect(asArray(invokes[0]!.Resource).map(render)).toEqual([
      "arn:{Ref:AWS::Partition}:lambda:{Ref:AWS::Region}:{Ref:AWS::AccountId}:function:*",
    ]);
    expect(invokes[0]!.Condition).toEqual({
      StringEquals: { [`aws:ResourceTag/${CUSTOM_VALIDATION_TAG.key}`]: CUSTOM_VALIDATION_TAG.value },
    });
  });

  it("lets the state machine invoke the tasks function", () => {
    const machineRole = workflow.stateMachine.role.node.defaultChild as CfnRole;
    const roleRef = `{Ref:${logicalId(machineRole)}}`;
    const resourcesInvoked = ofType("AWS::IAM::Policy")
      .filter(([, policy]) => asArray(propsOf(policy).Roles).map(render).includes(roleRef))
      .flatMap(([, policy]) => asArray((propsOf(policy).PolicyDocument as { Statement: Json }).Statement))
      .filter((s) => asArray((s as { Action: Json }).Action).includes("lambda:InvokeFunction"))
      .flatMap((s) => asArray((s as { Resource: Json }).Resource).map(render));
    expect(resourcesInvoked).toContain(tasksArn());
  });

  it("has no dependency cycle between the state machine and the tasks function's policies", () => {
    // Template.fromStack refuses a template with a cycle (the tasks function's default policy
    // naming the state machine would make one: the SendTask* grant is a policy of its own).
    expect(() => Template.fromStack(stack)).not.toThrow();
  });
});
