import { Duration } from "aws-cdk-lib";
import type { Alarm } from "aws-cdk-lib/aws-cloudwatch";
import { CfnEventBusPolicy } from "aws-cdk-lib/aws-events";
import { FilterCriteria, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { FUNCTION_ENTRIES } from "../functions/entry-points/entries.ts";
import { HISTORY_INSERT_FILTER } from "../functions/publisher/stream-filter.ts";
import { acknowledge } from "./nag.ts";
import type { RegistryEventBus } from "./registry-event-bus.ts";
import { RegistryFunction } from "./registry-function.ts";
import { deadLetterAlarm } from "./registry-monitoring.ts";
import type { RegistryTable } from "./registry-table.ts";

export interface EventPublisherProps {
  table: RegistryTable;
  bus: RegistryEventBus;
  logRetention?: RetentionDays;
  /** Bundle Powertools Tracer (`RegistryConfig.powertoolsTracer`). @default false */
  powertoolsTracer?: boolean;
  /** Start with `--enable-source-maps` (`RegistryConfig.sourceMaps`). @default false */
  sourceMaps?: boolean;
}

/** Stream retries per batch before its records go to the dead-letter queue (bisecting on the way). */
export const PUBLISHER_RETRY_ATTEMPTS = 8;
export const PUBLISHER_BATCH_SIZE = 50;

/**
 * The outbox relay: the table stream's history inserts → the publisher Lambda → the registry
 * bus. A Lambda (not an EventBridge Pipe) so the catalog's mapping and schema validation run on
 * the way, and local mode runs the very same handler (README, "Events").
 *
 * Delivery: the stream is read in order per shard (parallelization 1); a record the publisher
 * cannot put is reported as the batch's failure point, so later records wait behind it. A batch
 * that keeps failing is bisected down to the bad record, which after the bounded retries lands
 * in the dead-letter queue (its stream coordinates, not the item) and raises the alarm.
 */
export class EventPublisher extends Construct {
  readonly function: RegistryFunction;
  /** The bus's resource policy statement: only this function's role puts the registry's source. */
  readonly busPolicy: CfnEventBusPolicy;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: EventPublisherProps) {
    super(scope, id);
    this.function = new RegistryFunction(this, "PublishHistory", {
      entry: FUNCTION_ENTRIES["publish-history"],
      description: "Model registry: publishes history items from the table stream to the event bus",
      memorySize: 512,
      // Room for the in-invocation back-off on failed PutEvents entries.
      timeout: Duration.seconds(60),
      logRetention: props.logRetention,
      powertoolsTracer: props.powertoolsTracer,
      sourceMaps: props.sourceMaps,
    });
    props.bus.bind(this.function);
    this.busPolicy = onlyPublisherPutsRegistryEvents(this, props.bus, this.function);

    this.deadLetterQueue = new Queue(this, "DeadLetters", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    // DynamoEventSource grants the function the stream reads (and the DLQ's SendMessage).
    this.function.addEventSource(
      new DynamoEventSource(props.table.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: PUBLISHER_BATCH_SIZE,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: PUBLISHER_RETRY_ATTEMPTS,
        reportBatchItemFailures: true,
        parallelizationFactor: 1,
        onFailure: new SqsDlq(this.deadLetterQueue),
        // Only history items are events; model and version writes never wake the function.
        filters: [FilterCriteria.filter(structuredClone(HISTORY_INSERT_FILTER) as Record<string, unknown>)],
      }),
    );

    acknowledgeDeadLetterQueue(this.deadLetterQueue, "the stream publisher's failed batches");
    acknowledge(
      this.function,
      "Serverless-LambdaDLQ",
      "Invoked by a DynamoDB stream event source mapping, never asynchronously: records that keep failing go to the mapping's on-failure SQS destination (DeadLetters)",
    );

    this.deadLetterAlarm = deadLetterAlarm(
      this,
      "DeadLettersAlarm",
      this.deadLetterQueue,
      "History records could not be published to the event bus: subscribers are missing events until they are redriven",
    );
  }
}

/** A queue that is itself a dead-letter queue needs none of its own. */
export function acknowledgeDeadLetterQueue(queue: Queue, holds: string): void {
  const reason = `This queue is the dead-letter queue for ${holds}: messages stay 14 days for inspection and redrive, and an alarm fires on the first`;
  acknowledge(queue, "AwsSolutions-SQS3", reason);
  acknowledge(queue, "Serverless-SQSRedrivePolicy", reason);
}

/** The statement id of the bus policy below (AWS::Events::EventBusPolicy). */
export const FORGED_EVENTS_STATEMENT_ID = "OnlyThePublisherPutsRegistryEvents";

/**
 * Denies `events:PutEvents` with the registry's `source` on its bus to every principal but the
 * publisher's role (issue 18, item 9): otherwise any principal of the account allowed PutEvents
 * on the bus could forge a `Model Version Stage Changed` that deploy pipelines act on.
 *
 * - `events:source` is the condition key EventBridge supplies on PutEvents for each entry's
 *   source ("Actions, resources, and condition keys for the Custom Event Bus"); compared
 *   ignoring case, though rules match sources exactly.
 * - `aws:PrincipalArn` is the role's ARN (not the session's) for an assumed role, so the Lambda
 *   execution role matches whatever its session is called.
 * - Requests made by an AWS service principal are left alone (`aws:PrincipalIsAWSService`):
 *   archive replay is EventBridge itself re-sending archived events to the bus, not a PutEvents
 *   by a principal of the account, and must keep working (docs/governance.md, "Forged events").
 *
 * In this (the API) stack, not on the bus's own policy in the data stack: the statement names
 * the publisher's role, and the data stack must not depend on the API stack.
 */
function onlyPublisherPutsRegistryEvents(
  scope: Construct,
  bus: RegistryEventBus,
  publisher: RegistryFunction,
): CfnEventBusPolicy {
  const role = publisher.role;
  if (!role) throw new Error("the event publisher has no role to name in the bus policy");
  return new CfnEventBusPolicy(scope, "ForgedEventsDenied", {
    eventBusName: bus.bus.eventBusName,
    statementId: FORGED_EVENTS_STATEMENT_ID,
    statement: {
      Sid: FORGED_EVENTS_STATEMENT_ID,
      Effect: "Deny",
      Principal: "*",
      Action: "events:PutEvents",
      Resource: bus.bus.eventBusArn,
      Condition: {
        StringEqualsIgnoreCase: { "events:source": bus.eventSource },
        ArnNotEquals: { "aws:PrincipalArn": role.roleArn },
        BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
      },
    },
  });
}
