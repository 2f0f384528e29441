/**
 * Lambda handler: the table stream's history items → the registry's event bus. The event
 * source mapping filters to history INSERTs, bisects failing batches and parks what still fails
 * in a dead-letter queue (lib/event-publisher.ts); local mode's stream poller invokes this same
 * handler (local/stream-poller.ts).
 */
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { EventBridgeBus } from "#adapters/eventbridge/event-bus.ts";
import { traceHandler } from "#adapters/tracing.ts";
import { createLogger } from "#composition/logger.ts";
import { readPublisherConfig } from "../publisher/config.ts";
import { createHistoryPublisher } from "../publisher/history-publisher.ts";

const config = readPublisherConfig();
const logger = createLogger();

const publish = createHistoryPublisher({
  bus: new EventBridgeBus(),
  busName: config.busName,
  source: config.source,
  log: logger,
});

export const handler = traceHandler(
  async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    // Function name, request id and cold start on every line, as the HTTP functions' logs have.
    logger.addContext(context);
    return publish(event);
  },
);
