import type { DynamoDBRecord, DynamoDBStreamEvent, AttributeValue as StreamAttributeValue } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { marshallItem } from "#adapters/dynamodb/codec.ts";
import { toHistoryItem } from "#adapters/dynamodb/items/history.ts";
import type { BusEntry, BusEntryResult, EventBusPort } from "#core/events/event-bus-port.ts";
import { eventIdOf } from "#core/events/from-history.ts";
import type { HistoryRecord } from "#core/records.ts";
import { createHistoryPublisher } from "../../../functions/publisher/history-publisher.ts";

const source = "model-registry";
const busName = "model-registry";

function historyRecord(model: string, seq: number): HistoryRecord {
  return {
    model,
    seq,
    at: `2026-11-23T10:00:${String(seq % 60).padStart(2, "0")}.000Z`,
    actor: "arn:aws:iam::123456789012:user/alice",
    action: "MODEL_REGISTERED",
    requestId: `req-${seq}`,
    details: { owner: "risk", tags: { team: "risk" } },
  };
}

let sequence = 100;
function streamRecord(
  item: Record<string, unknown>,
  eventName: "INSERT" | "MODIFY" | "REMOVE" = "INSERT",
): DynamoDBRecord {
  const image = marshallItem(item) as Record<string, StreamAttributeValue>;
  return {
    eventID: `e${sequence}`,
    eventName,
    eventSource: "aws:dynamodb",
    dynamodb: {
      Keys: {},
      NewImage: image,
      SequenceNumber: String(sequence++),
      StreamViewType: "NEW_AND_OLD_IMAGES",
    },
  };
}
const historyInsert = (model: string, seq: number) => streamRecord(toHistoryItem(historyRecord(model, seq)));
const batch = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

/** A bus that records every call and answers with the results a test scripts per entry. */
class FakeBus implements EventBusPort {
  readonly calls: BusEntry[][] = [];
  constructor(private readonly answer: (entry: BusEntry, call: number) => BusEntryResult | "throw" = okAll) {}
  async putEvents(entries: readonly BusEntry[]): Promise<BusEntryResult[]> {
    this.calls.push([...entries]);
    const call = this.calls.length;
    const results = entries.map((entry) => this.answer(entry, call));
    if (results.includes("throw")) throw new Error("ServiceUnavailable");
    return results as BusEntryResult[];
  }
  get published(): number[] {
    return this.calls.flat().map((entry) => JSON.parse(entry.detail).seq as number);
  }
}
function okAll(): BusEntryResult {
  return { ok: true, eventId: "x" };
}
const seqOf = (entry: BusEntry) => JSON.parse(entry.detail).seq as number;
const failed: BusEntryResult = { ok: false, errorCode: "InternalFailure", errorMessage: "try again" };

function publisherWith(bus: EventBusPort, maxAttempts = 3) {
  const sleeps: number[] = [];
  const warnings: string[] = [];
  const publish = createHistoryPublisher({
    bus,
    busName,
    source,
    maxAttempts,
    backoffMs: (retry) => 10 * retry,
    sleep: async (ms) => void sleeps.push(ms),
    log: { warn: (message) => void warnings.push(message), error: (message) => void warnings.push(message) },
  });
  return { publish, sleeps, warnings };
}

describe("the history publisher", () => {
  it("puts each history entry on the bus as its registry event, with the EventBridge fields", async () => {
    const bus = new FakeBus();
    const { publish } = publisherWith(bus);
    const result = await publish(batch(historyInsert("fraud", 1)));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(bus.calls).toHaveLength(1);
    const [entry] = bus.calls[0]!;
    expect(entry).toMatchObject({ source, detailType: "Model Registered", busName, resources: [] });
    expect(entry!.time.toISOString()).toBe("2026-11-23T10:00:01.000Z");
    expect(JSON.parse(entry!.detail)).toMatchObject({
      eventVersion: "1",
      eventId: eventIdOf(source, "fraud", 1),
      model: "fraud",
      seq: 1,
      owner: "risk",
    });
  });

  it("ignores records that are not inserts of history items", async () => {
    const bus = new FakeBus();
    const { publish } = publisherWith(bus);
    const model = { pk: "MODEL#fraud", sk: "MODEL", type: "model", v: 1, name: "fraud" };
    const result = await publish(
      batch(
        streamRecord(model),
        streamRecord(toHistoryItem(historyRecord("fraud", 2)), "MODIFY"),
        streamRecord(toHistoryItem(historyRecord("fraud", 3)), "REMOVE"),
        historyInsert("fraud", 4),
      ),
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(bus.published).toEqual([4]);
  });

  it("puts at most 10 entries per call, in stream order", async () => {
    const bus = new FakeBus();
    const { publish } = publisherWith(bus);
    const records = Array.from({ length: 23 }, (_, i) => historyInsert("fraud", i + 1));
    await publish(batch(...records));
    expect(bus.calls.map((call) => call.length)).toEqual([10, 10, 3]);
    expect(bus.published).toEqual(records.map((_, i) => i + 1));
  });

  it("retries only the entries that failed, after a back-off", async () => {
    // seq 2 and 4 fail on the first call and succeed on the second.
    const bus = new FakeBus((entry, call) =>
      call === 1 && [2, 4].includes(seqOf(entry)) ? failed : okAll(),
    );
    const { publish, sleeps } = publisherWith(bus);
    const result = await publish(batch(...[1, 2, 3, 4, 5].map((seq) => historyInsert("fraud", seq))));
    expect(result.batchItemFailures).toEqual([]);
    expect(bus.calls.map((call) => call.map(seqOf))).toEqual([
      [1, 2, 3, 4, 5],
      [2, 4],
    ]);
    expect(sleeps).toEqual([10]);
  });

  it("retries a call that failed as a whole", async () => {
    const bus = new FakeBus((_, call) => (call === 1 ? "throw" : okAll()));
    const { publish } = publisherWith(bus);
    const result = await publish(batch(historyInsert("fraud", 1), historyInsert("fraud", 2)));
    expect(result.batchItemFailures).toEqual([]);
    expect(bus.calls.map((call) => call.map(seqOf))).toEqual([
      [1, 2],
      [1, 2],
    ]);
  });

  it("reports the first record still unpublished after the bounded retries, and publishes nothing after its chunk", async () => {
    const records = Array.from({ length: 15 }, (_, i) => historyInsert("fraud", i + 1));
    // seq 4 and 7 never get through; the second chunk (11-15) must then not be attempted.
    const bus = new FakeBus((entry) => ([4, 7].includes(seqOf(entry)) ? failed : okAll()));
    const { publish, sleeps } = publisherWith(bus, 3);
    const result = await publish(batch(...records));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: records[3]!.dynamodb!.SequenceNumber }]);
    expect(bus.calls.map((call) => call.map(seqOf))).toEqual([
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      [4, 7],
      [4, 7],
    ]);
    expect(sleeps).toEqual([10, 20]);
  });

  it("reports a history entry that makes no valid event, after publishing the records before it", async () => {
    const bus = new FakeBus();
    const { publish } = publisherWith(bus);
    const broken = streamRecord(toHistoryItem({ ...historyRecord("fraud", 2), at: "not a time" }));
    const result = await publish(batch(historyInsert("fraud", 1), broken, historyInsert("fraud", 3)));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: broken.dynamodb!.SequenceNumber }]);
    expect(bus.published).toEqual([1]);
  });

  it("answers an empty batch without calling the bus", async () => {
    const bus = new FakeBus();
    const { publish } = publisherWith(bus);
    expect(await publish(batch())).toEqual({ batchItemFailures: [] });
    expect(bus.calls).toEqual([]);
  });
});
