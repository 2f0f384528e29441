/**
 * Kill-and-restart rounds of local mode, as a deploy pipeline would try them (issue 19): `npm
 * start`'s own entry (`local/start.ts`) runs in a process group of its own with a data folder and
 * an HTTP target from `REGISTRY_LOCAL_TARGETS` subscribed to every registry event; each round
 * sends a burst of version creations, SIGKILLs the whole process group (Node and DynamoDB Local's
 * Java) at a random moment of it, restarts, and compares every committed history entry (read back
 * through the API) with what the target received. Shared by
 * `test/integration/events-crash.test.ts` (tens of rounds) and `bench/events-crash.ts` (more).
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import { RegistryClient } from "../../clients/typescript/registry-client.ts";
import { DEFAULT_TABLE_NAME } from "../../local/create-table.ts";
import type { EventEnvelope } from "../../local/event-bus.ts";
import { pendingIn } from "../../local/event-journal.ts";
import { builtInPrincipals } from "../../local/principals.ts";
import { EVENT_JOURNAL_FILE } from "../../local/registry.ts";
import { loadRegistryCredentials } from "../../local/registry-credentials.ts";

/** The checkout whose `local/start.ts` runs (`CRASH_ROUNDS_ROOT` runs another one, to compare). */
const ROOT = resolve(process.env.CRASH_ROUNDS_ROOT ?? fileURLToPath(new URL("../..", import.meta.url)));

export interface RegistryProcess {
  endpoint: string;
  /** DynamoDB Local's endpoint (from the banner). */
  dynamoEndpoint: string;
  pid: number;
  /** SIGKILL to the whole process group; resolves once no process of the group is left. */
  kill(): Promise<void>;
  /** SIGTERM (`npm start`'s Ctrl-C path); resolves when the group is gone. */
  stop(): Promise<void>;
  /** Everything the process wrote to stderr (the last 20 000 characters). */
  stderr(): string;
}

/**
 * Starts `local/start.ts` in its own process group, every port picked by the OS (0), and resolves
 * with the API endpoint from its banner. A start that fails (a port another process took between
 * DynamoDB Local's free-port pick and Java's bind, for one) is tried again, up to `attempts` times.
 */
export async function startRegistryProcess(
  env: Record<string, string>,
  attempts = 3,
): Promise<RegistryProcess> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await startOnce(env);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

function startOnce(env: Record<string, string>): Promise<RegistryProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "local/start.ts"], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      REGISTRY_PORT: "0",
      REGISTRY_DYNAMODB_PORT: "0",
      REGISTRY_S3_PORT: "0",
      // A busy machine (the suite runs beside other work) can take Java past the default 30 s.
      REGISTRY_DYNAMODB_READY_SECONDS: "120",
      ...env,
    },
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-20_000);
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      void killGroup(child, exited).then(() => reject(new Error(`local mode did not start: ${stderr}`)));
    }, 60_000);
    const exitedEarly = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new Error(`local mode exited during start-up (${code ?? signal}): ${stderr.slice(-2000)}`));
    };
    child.once("exit", exitedEarly);
    child.stdout!.on("data", (chunk: Buffer) => {
      if (stdout === undefined) return;
      stdout += chunk.toString("utf8");
      const match = /API endpoint\s+(http:\/\/\S+)/.exec(stdout);
      const dynamo = /DynamoDB\s+(http:\/\/\S+)/.exec(stdout);
      if (!match || !dynamo) return;
      clearTimeout(timer);
      child.removeListener("exit", exitedEarly);
      // Drained from now on (one `[event]` line per event), never parsed again.
      stdout = "";
      child.stdout!.removeAllListeners("data");
      child.stdout!.resume();
      resolvePromise({
        endpoint: match[1]!,
        dynamoEndpoint: dynamo[1]!,
        pid: child.pid!,
        kill: () => killGroup(child, exited),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, "SIGTERM");
          await exited;
          await groupGone(child.pid!);
        },
        stderr: () => stderr,
      });
    });
  });
}

async function killGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
  await exited;
  await groupGone(child.pid!);
}

/** Waits until no process is left in process group `pgid` (DynamoDB Local's Java included). */
async function groupGone(pgid: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error(`process group ${pgid} still has processes`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface CrashRoundsOptions {
  rounds: number;
  /** Models the burst writes versions of, one client each. */
  models?: number;
  /**
   * The kill comes once a random number (1 to `maxAcknowledged`) of creations were answered, then
   * a random 0 to `jitterMs` ms later: mid-burst whatever the machine's speed.
   */
  maxAcknowledged?: number;
  jitterMs?: number;
  /** How long after a restart every committed entry must have arrived. */
  deliveryTimeoutMs?: number;
  /** The target answers each POST after up to this many ms (so the bus has deliveries queued). */
  targetDelayMs?: number;
  log?: (line: string) => void;
  /** Random numbers in [0, 1) (kill moments, target delays); default Math.random. */
  random?: () => number;
}

export interface RoundResult {
  round: number;
  /**
   * (envelope, target) deliveries the local bus had accepted and not finished when the kill came,
   * read from its journal: what an in-memory bus would have had to lose or redeliver.
   */
  pendingInJournalAtKill: number;
  /** Creations answered when the kill was decided, and the delay after that. */
  killAfterAcknowledged: number;
  killAfterMs: number;
  /** Versions whose creation the API answered 201 before the kill. */
  acknowledged: number;
  /** History entries in the table after the restart (all models, all rounds so far). */
  committed: number;
  /** Committed entries the target had not received when the round gave up waiting. */
  missing: string[];
  /** Deliveries beyond the first of an eventId, in this round. */
  duplicates: number;
  /** Of those, redeliveries of the same envelope (same envelope `id`: the bus's replay). */
  sameEnvelope: number;
  /**
   * Of `missing`, those whose stream record the poller had checkpointed before the kill: handed
   * to the bus, acknowledged, and then lost (the bus's in-memory queue, issue 19).
   */
  missingPastCheckpoint: string[];
  /** Committed entries whose history INSERT is not in DynamoDB Local's stream (read from TRIM_HORIZON). */
  notInStream: string[];
  /** Time from the restart's answer to the last committed entry's arrival. */
  catchUpMs: number;
}

export interface CrashRoundsReport {
  rounds: RoundResult[];
  /** Problems found: missing entries, an eventId delivered with another detail, an event of no entry. */
  failures: string[];
  committed: number;
  delivered: number;
  duplicates: number;
  sameEnvelope: number;
}

const PUBLISHER = builtInPrincipals.find((p) => p.name === "publisher")!;

/** Runs `options.rounds` kill-and-restart rounds in a fresh data folder; never throws for a lost event. */
export async function runCrashRounds(options: CrashRoundsOptions): Promise<CrashRoundsReport> {
  const random = options.random ?? Math.random;
  const log = options.log ?? (() => undefined);
  const modelCount = options.models ?? 3;
  const maxAcknowledged = options.maxAcknowledged ?? 40;
  const jitterMs = options.jitterMs ?? 100;
  const deliveryTimeoutMs = options.deliveryTimeoutMs ?? 30_000;
  const targetDelayMs = options.targetDelayMs ?? 100;

  const received: EventEnvelope[] = [];
  const target = await startDelayedTarget(received, () => random() * targetDelayMs);
  const dataDir = mkdtempSync(join(tmpdir(), "registry-crash-"));
  const targetsFile = join(dataDir, "targets.json");
  writeFileSync(
    targetsFile,
    JSON.stringify([{ name: "pipeline", pattern: { source: ["model-registry"] }, url: target.url }]),
  );
  const env = { REGISTRY_DATA_DIR: join(dataDir, "data"), REGISTRY_LOCAL_TARGETS: targetsFile };
  const models = Array.from({ length: modelCount }, (_, i) => `crash-${i}`);
  const results: RoundResult[] = [];
  const failures: string[] = [];

  let registry: RegistryProcess | undefined;
  try {
    registry = await startRegistryProcess(env);
    const setup = client(registry.endpoint);
    for (const model of models) {
      const created = await setup.request({ method: "POST", path: "/models", body: { name: model } });
      if (created.status !== 201) throw new Error(`creating ${model}: ${created.status} ${created.rawBody}`);
    }

    for (let round = 1; round <= options.rounds; round++) {
      const api = client(registry.endpoint);
      const killAfterAcknowledged = 1 + Math.floor(random() * maxAcknowledged);
      const killAfterMs = Math.round(random() * jitterMs);
      let acknowledged = 0;
      let stopped = false;
      const burst = models.map(async (model) => {
        for (let i = 0; !stopped; i++) {
          try {
            const r = await api.request({
              method: "POST",
              path: `/models/${model}/versions`,
              body: {
                metrics: { round, i },
                artifacts: [{ path: "model.bin", size: 1, sha256: "0".repeat(64) }],
              },
            });
            if (r.status === 201) acknowledged++;
            else {
              failures.push(
                `round ${round}: creating a version of ${model} answered ${r.status}: ${r.rawBody}`,
              );
              return;
            }
          } catch {
            return; // the registry is gone
          }
        }
      });
      let burstOver = false;
      const bursting = Promise.all(burst).then(() => {
        burstOver = true;
      });
      while (acknowledged < killAfterAcknowledged && !burstOver) await sleep(1);
      await sleep(killAfterMs);
      await registry.kill();
      const checkpointAtKill = readCheckpoint(join(env.REGISTRY_DATA_DIR, "stream-checkpoint.json"));
      const pendingInJournalAtKill = pendingDeliveries(join(env.REGISTRY_DATA_DIR, EVENT_JOURNAL_FILE));
      stopped = true;
      await bursting;

      registry = await startRegistryProcess(env);
      const restartedAt = Date.now();
      const reader = client(registry.endpoint);
      const committed = new Map<string, { model: string; seq: number }>();
      for (const model of models) {
        for await (const entry of reader.paginate((nextToken) =>
          page(reader, `/models/${model}/history`, nextToken),
        )) {
          committed.set(`${model}#${entry.seq}`, { model, seq: entry.seq });
        }
      }
      const missingNow = () => {
        const seen = new Set(received.map((e) => `${e.detail.model}#${e.detail.seq}`));
        return [...committed.keys()].filter((key) => !seen.has(key));
      };
      const deadline = Date.now() + deliveryTimeoutMs;
      while (missingNow().length > 0 && Date.now() < deadline) await sleep(50);
      const catchUpMs = Date.now() - restartedAt;
      const missing = missingNow();
      const inStream = await historyInStream(
        registry.dynamoEndpoint,
        loadRegistryCredentials(env.REGISTRY_DATA_DIR),
      );
      const notInStream = [...committed.keys()].filter((key) => !inStream.has(key));
      const missingPastCheckpoint = missing.filter((key) => {
        const position = inStream.get(key);
        const checkpoint = position && checkpointAtKill[position.shardId];
        return (
          position !== undefined &&
          checkpoint !== undefined &&
          BigInt(position.sequenceNumber) <= BigInt(checkpoint)
        );
      });
      if (notInStream.length > 0)
        failures.push(`round ${round}: committed but not in the table's stream: ${notInStream.join(", ")}`);

      // Duplicates: the same (model, seq) more than once. Allowed only as the same event: same
      // eventId and the same detail; counted either way.
      const first = new Map<string, EventEnvelope>();
      let duplicates = 0;
      let sameEnvelope = 0;
      for (const event of received) {
        const key = `${event.detail.model}#${event.detail.seq}`;
        if (!committed.has(key)) {
          failures.push(`round ${round}: an event of no committed entry: ${JSON.stringify(event.detail)}`);
          continue;
        }
        const seen = first.get(key);
        if (!seen) {
          first.set(key, event);
          continue;
        }
        if (seen.detail.eventId !== event.detail.eventId) {
          failures.push(
            `round ${round}: ${key} delivered with eventIds ${seen.detail.eventId} and ${event.detail.eventId}`,
          );
        } else if (JSON.stringify(seen.detail) !== JSON.stringify(event.detail)) {
          failures.push(`round ${round}: ${key} delivered twice with different details`);
        }
        duplicates++;
        if (seen.id === event.id) sameEnvelope++;
      }
      const previousDuplicates = results.reduce((sum, r) => sum + r.duplicates, 0);
      const previousSame = results.reduce((sum, r) => sum + r.sameEnvelope, 0);
      if (missing.length > 0) failures.push(`round ${round}: never delivered: ${missing.join(", ")}`);
      const result: RoundResult = {
        round,
        killAfterAcknowledged,
        killAfterMs,
        pendingInJournalAtKill,
        acknowledged,
        committed: committed.size,
        missing,
        missingPastCheckpoint,
        notInStream,
        duplicates: duplicates - previousDuplicates,
        sameEnvelope: sameEnvelope - previousSame,
        catchUpMs,
      };
      results.push(result);
      log(
        `round ${round}: kill after ${killAfterAcknowledged} answers + ${killAfterMs} ms, ${acknowledged} acknowledged, ` +
          `${pendingInJournalAtKill} deliveries pending in the bus's journal at the kill, ${committed.size} committed, ` +
          `${missing.length} missing (${missingPastCheckpoint.length} past the poller's checkpoint), ${notInStream.length} not in the stream, ${result.duplicates} duplicate(s) (${result.sameEnvelope} same envelope), caught up in ${catchUpMs} ms`,
      );
    }
  } finally {
    const last = registry;
    await last?.stop().catch(() => last.kill());
    await target.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const last = results.at(-1);
  return {
    rounds: results,
    failures,
    committed: last?.committed ?? 0,
    delivered: received.length,
    duplicates: results.reduce((sum, r) => sum + r.duplicates, 0),
    sameEnvelope: results.reduce((sum, r) => sum + r.sameEnvelope, 0),
  };
}

/** `model#seq` of every history INSERT in the table's stream, every shard read from TRIM_HORIZON. */
async function historyInStream(
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<Map<string, { shardId: string; sequenceNumber: string }>> {
  const config = { endpoint, region: "us-east-1", credentials };
  const dynamo = new DynamoDBClient(config);
  const streams = new DynamoDBStreamsClient(config);
  const keys = new Map<string, { shardId: string; sequenceNumber: string }>();
  try {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: DEFAULT_TABLE_NAME }));
    const StreamArn = Table!.LatestStreamArn!;
    let start: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn, ExclusiveStartShardId: start }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        let { ShardIterator } = await streams.send(
          new GetShardIteratorCommand({
            StreamArn,
            ShardId: shard.ShardId!,
            ShardIteratorType: "TRIM_HORIZON",
          }),
        );
        while (ShardIterator) {
          const page = await streams.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
          for (const record of page.Records ?? []) {
            const image = record.dynamodb?.NewImage;
            if (record.eventName === "INSERT" && image?.type?.S === "history")
              keys.set(`${image.model?.S}#${image.seq?.N}`, {
                shardId: shard.ShardId!,
                sequenceNumber: record.dynamodb!.SequenceNumber!,
              });
          }
          if ((page.Records ?? []).length === 0) break;
          ShardIterator = page.NextShardIterator;
        }
      }
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
  } finally {
    dynamo.destroy();
    streams.destroy();
  }
  return keys;
}

function pendingDeliveries(file: string): number {
  try {
    return pendingIn(readFileSync(file, "utf8")).reduce((sum, p) => sum + p.targets.length, 0);
  } catch {
    return 0;
  }
}

function readCheckpoint(file: string): Record<string, string> {
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { shards: Record<string, string> }).shards;
  } catch {
    return {};
  }
}

function client(endpoint: string): RegistryClient {
  return new RegistryClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: PUBLISHER.accessKeyId, secretAccessKey: PUBLISHER.secretAccessKey },
  });
}

async function page(
  api: RegistryClient,
  path: string,
  nextToken: string | undefined,
): Promise<{ items: { seq: number }[]; nextToken?: string }> {
  const r = await api.request<{ items: { seq: number }[]; nextToken?: string }>({
    method: "GET",
    path,
    query: { limit: 100, nextToken },
  });
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.rawBody}`);
  return r.body as { items: { seq: number }[]; nextToken?: string };
}

/** An HTTP target that records each envelope and answers 204 after `delay()` ms. */
async function startDelayedTarget(received: EventEnvelope[], delay: () => number) {
  const { createServer } = await import("node:http");
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as EventEnvelope);
      setTimeout(() => res.writeHead(204).end(), delay());
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/events`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
