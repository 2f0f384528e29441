import { Duration, SecretValue } from "aws-cdk-lib";
import {
  ApiDestination,
  Authorization,
  Connection,
  type EventPattern,
  type IEventBus,
  Rule,
} from "aws-cdk-lib/aws-events";
import { ApiDestination as ApiDestinationTarget } from "aws-cdk-lib/aws-events-targets";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { acknowledgeDeadLetterQueue } from "./event-publisher.ts";

/**
 * A consumer outside AWS (a deploy service, a chat bot): every event matching `pattern` is
 * POSTed to `endpoint` as the full EventBridge event, with the header `x-registry-token` set
 * to the value of the Secrets Manager secret `secretName`. EventBridge API destinations send a
 * shared secret, not a signature over the body: the endpoint compares the header with its copy
 * of the secret (over HTTPS). A consumer that needs an HMAC of the body wants a Lambda target.
 */
export interface WebhookTarget {
  name: string;
  endpoint: string;
  /** An EventBridge event pattern with its JSON keys (`"detail-type"`), as deploy pipelines write it. */
  pattern: Record<string, unknown>;
  secretName: string;
}

export const WEBHOOK_TOKEN_HEADER = "x-registry-token";

export interface WebhookTargetsProps {
  bus: IEventBus;
  webhooks: readonly WebhookTarget[];
}

/** One connection, API destination and rule per webhook; undeliverable events go to one DLQ. */
export class WebhookTargets extends Construct {
  readonly deadLetters: Queue | undefined;

  constructor(scope: Construct, id: string, props: WebhookTargetsProps) {
    super(scope, id);
    if (props.webhooks.length === 0) return;
    this.deadLetters = new Queue(this, "DeadLetters", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeDeadLetterQueue(this.deadLetters, "webhook deliveries that failed after retries");
    for (const webhook of props.webhooks) {
      const connection = new Connection(this, `${webhook.name}Connection`, {
        description: `Model registry webhook '${webhook.name}'`,
        authorization: Authorization.apiKey(
          WEBHOOK_TOKEN_HEADER,
          SecretValue.secretsManager(webhook.secretName),
        ),
      });
      const destination = new ApiDestination(this, `${webhook.name}Destination`, {
        connection,
        endpoint: webhook.endpoint,
        description: `Model registry events for '${webhook.name}'`,
      });
      new Rule(this, `${webhook.name}Rule`, {
        eventBus: props.bus,
        description: `Model registry events for webhook '${webhook.name}'`,
        eventPattern: cdkEventPattern(webhook.pattern),
        targets: [
          new ApiDestinationTarget(destination, {
            deadLetterQueue: this.deadLetters,
            retryAttempts: 8,
            maxEventAge: Duration.hours(24),
          }),
        ],
      });
    }
  }
}

/** EventBridge's JSON keys (`detail-type`) to CDK's `EventPattern` names (`detailType`). */
export function cdkEventPattern(pattern: Record<string, unknown>): EventPattern {
  const names: Record<string, keyof EventPattern> = {
    version: "version",
    id: "id",
    "detail-type": "detailType",
    source: "source",
    account: "account",
    time: "time",
    region: "region",
    resources: "resources",
    detail: "detail",
  };
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pattern)) {
    const name = names[key];
    if (!name) throw new Error(`event pattern key '${key}' is not one EventBridge matches on`);
    result[name] = value;
  }
  return result as EventPattern;
}
