import { Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import type { CfnRole } from "aws-cdk-lib/aws-iam";
import { beforeAll, describe, expect, it } from "vitest";
import { registryApp } from "../../lib/app.ts";
import { DataStack } from "../../lib/data-stack.ts";
import { EventPublisher, PUBLISHER_RETRY_ATTEMPTS } from "../../lib/event-publisher.ts";
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
