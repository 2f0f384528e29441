/**
 * The outbox publisher's logic: DynamoDB stream records of history items in, registry events
 * on the bus out. Separate from the handler module so tests give it a fake bus and a fake
 * clock; the handler only wires configuration and the EventBridge adapter.
 *
 * Ordering and failure model (Lambda's DynamoDB event source with `reportBatchItemFailures`):
 * records are published in stream order; when one cannot be published, its sequence number is
 * reported and nothing after it is attempted, so Lambda retries from that record and a model's
 * events keep their `seq` order. Records before it that were published may be sent again on a
 * retry; they carry the same `eventId`, which subscribers dedupe on (at least once).
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { unmarshallItem } from "#adapters/dynamodb/codec.ts";
import { toHistoryRecord } from "#adapters/dynamodb/items/history.ts";
import { type BusEntry, type EventBusPort, MAX_ENTRIES_PER_PUT } from "#core/events/event-bus-port.ts";
import { toRegistryEvent } from "#core/events/from-history.ts";

export interface PublisherLog {
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export interface HistoryPublisherOptions {
  bus: EventBusPort;
  busName: string;
  source: string;
  log: PublisherLog;
  /** Attempts per entry within one invocation (first try included); default 4. */
  maxAttempts?: number;
  /** Back-off before retry `n` (1-based), in ms; default 100 · 2^(n-1) with full jitter, capped at 2 s. */
  backoffMs?: (retry: number) => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The history items' `type` stamp (see `items/item.ts`): the only items that become events. */
const HISTORY_ITEM_TYPE = "history";

export const defaultBackoffMs = (retry: number) => Math.random() * Math.min(2_000, 100 * 2 ** (retry - 1));

/** One record worth publishing, with what identifies it to Lambda. */
interface Pending {
  sequenceNumber: string;
  entry: BusEntry;
}

/** True for the records the event source mapping's filter lets through (checked again here). */
export function isHistoryInsert(record: DynamoDBRecord): boolean {
  return record.eventName === "INSERT" && record.dynamodb?.NewImage?.type?.S === HISTORY_ITEM_TYPE;
}

export function createHistoryPublisher(options: HistoryPublisherOptions) {
  const maxAttempts = options.maxAttempts ?? 4;
  const backoffMs = options.backoffMs ?? defaultBackoffMs;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  function toEntry(record: DynamoDBRecord): BusEntry {
    const image = record.dynamodb?.NewImage as Record<string, AttributeValue>;
    const event = toRegistryEvent(toHistoryRecord(unmarshallItem(image)), { source: options.source });
    return {
      source: event.source,
      detailType: event.detailType,
      detail: JSON.stringify(event.detail),
      time: new Date(event.time),
      busName: options.busName,
      resources: [],
    };
  }

  /**
   * Puts one chunk, retrying only the entries that failed. Returns the index (in `chunk`) of
   * the first entry still unpublished after the last attempt, or -1 when all were published.
   */
  async function putChunk(chunk: Pending[]): Promise<number> {
    let unpublished = chunk.map((_, index) => index);
    for (let attempt = 1; attempt <= maxAttempts && unpublished.length > 0; attempt++) {
      if (attempt > 1) await sleep(backoffMs(attempt - 1));
      const entries = unpublished.map((index) => chunk[index]!.entry);
      try {
        const results = await options.bus.putEvents(entries);
        const failed = unpublished.filter((_, i) => !results[i]?.ok);
        for (const [i, result] of results.entries()) {
          if (!result.ok) {
            options.log.warn("PutEvents entry failed", {
              attempt,
              sequenceNumber: chunk[unpublished[i]!]!.sequenceNumber,
              errorCode: result.errorCode,
              errorMessage: result.errorMessage,
            });
          }
        }
        unpublished = failed;
      } catch (error) {
        // The whole call failed (after the SDK's own retries): every entry is tried again.
        options.log.warn("PutEvents call failed", { attempt, error: String(error) });
      }
    }
    return unpublished.length === 0 ? -1 : Math.min(...unpublished);
  }

  return async function publish(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
    const pending: Pending[] = [];
    let firstUnmappable: string | undefined;
    for (const record of event.Records) {
      if (!isHistoryInsert(record)) continue;
      const sequenceNumber = record.dynamodb?.SequenceNumber ?? "";
      try {
        pending.push({ sequenceNumber, entry: toEntry(record) });
      } catch (error) {
        // A history entry that makes no valid event is never published; reported as failed it
        // is retried, bisected and finally parked in the dead-letter queue until code is fixed.
        options.log.error("history record does not make a valid event", {
          sequenceNumber,
          error: String(error),
        });
        firstUnmappable = sequenceNumber;
        break;
      }
    }

    for (let start = 0; start < pending.length; start += MAX_ENTRIES_PER_PUT) {
      const chunk = pending.slice(start, start + MAX_ENTRIES_PER_PUT);
      const failedAt = await putChunk(chunk);
      if (failedAt !== -1) {
        const sequenceNumber = chunk[failedAt]!.sequenceNumber;
        options.log.error("history record left unpublished after retries", { sequenceNumber, maxAttempts });
        return { batchItemFailures: [{ itemIdentifier: sequenceNumber }] };
      }
    }
    return { batchItemFailures: firstUnmappable === undefined ? [] : [{ itemIdentifier: firstUnmappable }] };
  };
}
