import { Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import type { CfnRole } from "aws-cdk-lib/aws-iam";
import { beforeAll, describe, expect, it } from "vitest";
import { registryApp } from "../../lib/app.ts";
import { DataStack } from "../../lib/data-stack.ts";
import {
  EventPublisher,
  FORGED_EVENTS_STATEMENT_ID,
  PUBLISHER_RETRY_ATTEMPTS,
} from "../../lib/event-publisher.ts";
import { defaultRegistryConfig } from "../../lib/registry-config.ts";
import { dataStackProps } from "../../lib/registry-stacks.ts";
import { asArray, type CfnResource, type Json, propsOf, render } from "./template-support.ts";

// The publisher in a stack of its own beside the data stack: only its handler is bundled.
let template: Template;
let resources: Record<string, CfnResource>;
let stack: Stack;
let publisher: EventPublisher;

beforeAll(() => {
  const app = registryApp();
  const data = new DataStack(app, "Test-Data", dataStackProps(defaultRegistryConfig));
  stack = new Stack(app, "Test-Events");
  publisher = new EventPublisher(stack, "EventPublisher", { table: data.table, bus: data.events });
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

function statementsOfPublisherRole(): { Action: Json; Resource: Json; Effect: Json }[] {
  const role = publisher.function.role!;
  const roleRef = `{Ref:${stack.getLogicalId(role.node.defaultChild as CfnRole)}}`;
  return ofType("AWS::IAM::Policy")
    .filter(([, policy]) => asArray(propsOf(policy).Roles).map(render).includes(roleRef))
    .flatMap(([, policy]) => asArray((propsOf(policy).PolicyDocument as { Statement: Json }).Statement))
    .map((statement) => statement as { Action: Json; Resource: Json; Effect: Json });
}

describe("the event publisher", () => {
  it("reads the table stream from the oldest record, in batches, one batch at a time per shard", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: Match.anyValue(),
      StartingPosition: "TRIM_HORIZON",
      BatchSize: Match.anyValue(),
      ParallelizationFactor: 1,
    });
    const [[, mapping]] = ofType("AWS::Lambda::EventSourceMapping") as [[string, CfnResource]];
    const batchSize = propsOf(mapping).BatchSize as number;
    expect(batchSize).toBeGreaterThanOrEqual(10);
    expect(batchSize).toBeLessThanOrEqual(100);
    expect(render(propsOf(mapping).EventSourceArn as Json)).toContain("StreamArn");
  });

  it("is woken only by inserts of history items", () => {
    const [[, mapping]] = ofType("AWS::Lambda::EventSourceMapping") as [[string, CfnResource]];
    const filters = (propsOf(mapping).FilterCriteria as { Filters: { Pattern: string }[] }).Filters;
    expect(filters.map((filter) => JSON.parse(filter.Pattern))).toEqual([
      { eventName: ["INSERT"], dynamodb: { NewImage: { type: { S: ["history"] } } } },
    ]);
  });

  it("bisects failing batches, retries a bounded number of times and reports partial batch failures", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: PUBLISHER_RETRY_ATTEMPTS,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
    expect(PUBLISHER_RETRY_ATTEMPTS).toBeGreaterThan(0);
    expect(PUBLISHER_RETRY_ATTEMPTS).toBeLessThanOrEqual(10);
  });

  it("sends records that still fail to an encrypted dead-letter queue that keeps them 14 days", () => {
    const [[queueId]] = ofType("AWS::SQS::Queue") as [[string, CfnResource]];
    template.hasResourceProperties("AWS::SQS::Queue", {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [queueId, "Arn"] } } },
    });
  });

  it("raises an alarm as soon as one dead letter is waiting", () => {
    const [[queueId]] = ofType("AWS::SQS::Queue") as [[string, CfnResource]];
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [queueId, "QueueName"] } }],
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 1,
      // SQS stops publishing an untouched queue's metrics after six hours: the alarm keeps its state.
      TreatMissingData: "ignore",
    });
  });

  it("may put events only on the registry bus, and is told the bus and source", () => {
    const putEvents = statementsOfPublisherRole().filter((s) =>
      asArray(s.Action).includes("events:PutEvents"),
    );
    expect(putEvents.length).toBeGreaterThan(0);
    for (const statement of putEvents) {
      const targets = asArray(statement.Resource).map(render);
      expect(targets).toHaveLength(1);
      expect(targets[0]).toMatch(/^\{Import:Test-Data:ExportsOutputFnGetAttEventsBus.*Arn.*\}$/);
    }
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          EVENT_BUS_NAME: Match.anyValue(),
          EVENT_SOURCE: defaultRegistryConfig.eventSource,
        }),
      },
    });
  });

  it("may read the table's stream", () => {
    const streamReads = statementsOfPublisherRole().filter((s) =>
      asArray(s.Action).includes("dynamodb:GetRecords"),
    );
    expect(streamReads.map((s) => asArray(s.Resource).map(render).join())).toEqual([
      expect.stringContaining("StreamArn"),
    ]);
  });
});

/**
 * Forged events (issue 18, item 9): the bus denies PutEvents with the registry's source to
 * everyone but the publisher's role. The statement is evaluated here as IAM evaluates its
 * conditions, for the requests that matter: a forger, the publisher, another source, and
 * EventBridge itself replaying the archive.
 */
describe("the bus's resource policy", () => {
  type Statement = {
    Sid: string;
    Effect: string;
    Principal: Json;
    Action: Json;
    Resource: Json;
    Condition: Record<string, Record<string, Json>>;
  };
  const policies = () => ofType("AWS::Events::EventBusPolicy").map(([, r]) => propsOf(r));
  const statement = () => policies()[0]?.Statement as Statement;
  const publisherRoleArn = () =>
    `{${stack.getLogicalId(publisher.function.role!.node.defaultChild as CfnRole)}.Arn}`;

  interface Request {
    action: string;
    source: string;
    principalArn?: string;
    principalIsAWSService?: boolean;
  }
  /** Whether the statement's Deny applies: every condition operator must hold (IAM semantics). */
  function denies(s: Statement, request: Request): boolean {
    if (s.Effect !== "Deny" || s.Principal !== "*" || !asArray(s.Action).includes(request.action))
      return false;
    const context: Record<string, string | undefined> = {
      "events:source": request.source,
      "aws:principalarn": request.principalArn,
      "aws:principalisawsservice":
        request.principalIsAWSService === undefined ? undefined : String(request.principalIsAWSService),
    };
    return Object.entries(s.Condition).every(([operator, keys]) =>
      Object.entries(keys).every(([key, expected]) => {
        const actual = context[key.toLowerCase()];
        const values = asArray(expected).map(render);
        switch (operator) {
          case "StringEqualsIgnoreCase":
            return actual !== undefined && values.some((v) => v.toLowerCase() === actual.toLowerCase());
          case "ArnNotEquals":
            // A missing key makes a negated operator true (IAM: "…NotEquals" matches an absent key).
            return actual === undefined || !values.includes(actual);
          case "BoolIfExists":
            return actual === undefined || values.includes(actual);
          default:
            throw new Error(`the test does not evaluate ${operator}`);
        }
      }),
    );
  }

  it("is one statement on the registry bus, naming the publisher's role", () => {
    expect(policies()).toHaveLength(1);
    const [policy] = policies();
    expect(render(policy!.EventBusName as Json)).toMatch(/^\{Import:Test-Data:ExportsOutputRefEventsBus/);
    expect(policy!.StatementId).toBe(FORGED_EVENTS_STATEMENT_ID);
    expect(render(statement().Resource)).toMatch(/^\{Import:Test-Data:ExportsOutputFnGetAttEventsBus.*Arn/);
    expect(render(statement().Condition.ArnNotEquals!["aws:PrincipalArn"] as Json)).toBe(publisherRoleArn());
  });

  it("refuses a registry event put by any other principal of the account, in any case of the source", () => {
    const source = defaultRegistryConfig.eventSource;
    for (const forged of [source, source.toUpperCase()]) {
      expect(
        denies(statement(), {
          action: "events:PutEvents",
          source: forged,
          principalArn: "arn:aws:iam::123456789012:role/deploy-pipeline",
          principalIsAWSService: false,
        }),
      ).toBe(true);
    }
  });

  it("lets the publisher's role put them, other sources through, and EventBridge replay its archive", () => {
    const source = defaultRegistryConfig.eventSource;
    const put = (request: Omit<Request, "action">) =>
      denies(statement(), { action: "events:PutEvents", ...request });
    expect(put({ source, principalArn: publisherRoleArn(), principalIsAWSService: false })).toBe(false);
    expect(
      put({ source: "deploy.pipeline", principalArn: "arn:aws:iam::123456789012:role/deploy-pipeline" }),
    ).toBe(false);
    // A replay is delivered by EventBridge (a service principal), without a principal ARN of the account.
    expect(put({ source, principalIsAWSService: true })).toBe(false);
  });
});
