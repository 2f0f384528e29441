/**
 * The EventBridge adapter of the event-bus port. The endpoint comes from the SDK's own
 * environment (`AWS_ENDPOINT_URL_EVENTBRIDGE`), which local mode points at its local bus: the
 * same code serialises the same `PutEvents` request in AWS and on a laptop.
 */
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { traceClient } from "#adapters/tracing.ts";
import {
  type BusEntry,
  type BusEntryResult,
  type EventBusPort,
  MAX_ENTRIES_PER_PUT,
} from "#core/events/event-bus-port.ts";

export class EventBridgeBus implements EventBusPort {
  constructor(private readonly client: EventBridgeClient = traceClient(new EventBridgeClient({}))) {}

  async putEvents(entries: readonly BusEntry[]): Promise<BusEntryResult[]> {
    if (entries.length > MAX_ENTRIES_PER_PUT) {
      throw new RangeError(`PutEvents takes at most ${MAX_ENTRIES_PER_PUT} entries, got ${entries.length}`);
    }
    const output = await this.client.send(
      new PutEventsCommand({
        Entries: entries.map((entry) => ({
          Source: entry.source,
          DetailType: entry.detailType,
          Detail: entry.detail,
          Time: entry.time,
          EventBusName: entry.busName,
          Resources: entry.resources,
        })),
      }),
    );
    const results = output.Entries ?? [];
    // EventBridge answers with one result per entry, in order; anything else is a failed call.
    if (results.length !== entries.length) {
      throw new Error(`PutEvents answered ${results.length} results for ${entries.length} entries`);
    }
    return results.map((result) =>
      result.ErrorCode
        ? { ok: false, errorCode: result.ErrorCode, errorMessage: result.ErrorMessage ?? "" }
        : { ok: true, eventId: result.EventId ?? "" },
    );
  }
}
