/**
 * The local bus's journal (issue 19): an accepted `PutEvents` entry is on disk before the answer,
 * and a bus started on the journal a crashed one left delivers what that one had not, with the
 * same envelope id. The crash is a copy of the journal file taken while the first bus still holds
 * the delivery (its target never answers), so nothing of the first bus's memory carries over.
 */

import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import {
  type EventEnvelope,
  type LocalEventBusOptions,
  type LocalTarget,
  startLocalEventBus,
} from "../../../local/event-bus.ts";
import { pendingIn } from "../../../local/event-journal.ts";
import { realDateNow } from "../../support/shifted-wall-clock.ts";

/** The registry's own identity: the only one that may put the registry's source. */
const registryIdentity = {
  accessKeyId: "AKIALOCALREGISTRY001",
  secretAccessKey: "registry-secret-for-this-test-only",
};

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), "bus-journal-"));
  folders.push(dir);
  return dir;
};

/** A bus on a free loopback port, closed when the test ends. */
async function startBus(options: Partial<LocalEventBusOptions> & { targets: LocalTarget[] }) {
  const bus = await startLocalEventBus({
    busName: "model-registry",
    region: "us-east-1",
    account: "000000000000",
    port: 0,
    // The registry puts its own source: signed by its identity, checked against the real date.
    trust: { signers: [], reservedSource: "model-registry", owner: registryIdentity },
    now: () => new Date(realDateNow()),
    deliveryAttempts: 1,
    deliveryTimeoutMs: 60_000,
    ...options,
  });
  const client = new EventBridgeClient({
    endpoint: bus.endpoint,
    region: "us-east-1",
    credentials: registryIdentity,
  });
  onTestFinished(async () => {
    client.destroy();
    await bus.close();
  });
  const put = async (...details: object[]) => {
    const answer = await client.send(
      new PutEventsCommand({
        Entries: details.map((detail) => ({
          EventBusName: "model-registry",
          Source: "model-registry",
          DetailType: "Model Updated",
          Detail: JSON.stringify(detail),
        })),
      }),
    );
    return (answer.Entries ?? []).map((e) => e.EventId!);
  };
  return { bus, put };
}

/**
 * A target that records each envelope; `holdAnswers` keeps every answer back until `release()`
 * (a delivery in flight when the process dies).
 */
async function startTarget(holdAnswers = false) {
  let hold = holdAnswers;
  const received: EventEnvelope[] = [];
  const held: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      const answer = () => res.writeHead(204).end();
      if (hold) held.push(answer);
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/events`;
  /** Answers what is held, and from now on answers at once. */
  const release = () => {
    hold = false;
    for (const answer of held.splice(0)) answer();
  };
  onTestFinished(
    () =>
      new Promise<void>((r) => {
        release();
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return { url, received, release };
}

const all = { source: ["model-registry"] };

async function until(check: () => boolean, what: string) {
  for (let i = 0; !check(); i++) {
    if (i > 400) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("the local bus's journal", () => {
  it("holds an accepted entry, with the targets it matched, before PutEvents answers", async () => {
    const journalFile = join(folder(), "journal.jsonl");
    const target = await startTarget(true);
    const { put } = await startBus({
      journalFile,
      targets: [
        { name: "pipeline", pattern: all, url: target.url },
        { name: "other-model", pattern: { detail: { model: ["other"] } }, url: target.url },
      ],
    });
    const [id] = await put({ model: "fraud", seq: 7 });
    const pending = pendingIn(readFileSync(journalFile, "utf8"));
    expect(pending).toHaveLength(1);
    expect(pending[0]!.envelope).toMatchObject({ id, detail: { model: "fraud", seq: 7 } });
    expect(pending[0]!.targets).toEqual(["pipeline"]);
    await until(() => target.received.length === 1, "the delivery");
    target.release();
  });

  it("after a crash, a bus on the same journal delivers what was accepted and not delivered, same envelope id, in order, before new events", async () => {
    const dir = folder();
    const journalFile = join(dir, "journal.jsonl");
    const stuck = await startTarget(true);
    const first = await startBus({
      journalFile,
      targets: [{ name: "pipeline", pattern: all, url: stuck.url }],
    });
    const ids = await first.put({ model: "fraud", seq: 1 }, { model: "fraud", seq: 2 });
    await until(() => stuck.received.length === 1, "the first delivery to start");
    // The process dies here: seq 1 is being delivered, seq 2 waits in memory.
    const crashed = join(dir, "crashed.jsonl");
    copyFileSync(journalFile, crashed);

    const target = await startTarget();
    const second = await startBus({
      journalFile: crashed,
      targets: [{ name: "pipeline", pattern: all, url: target.url }],
    });
    await second.put({ model: "fraud", seq: 3 });
    await second.bus.settled();
    expect(target.received.map((e) => [e.id, e.detail.seq])).toEqual([
      [ids[0], 1],
      [ids[1], 2],
      [expect.any(String), 3],
    ]);
    // Delivered: nothing is left for a third start.
    expect(pendingIn(readFileSync(crashed, "utf8"))).toEqual([]);
    stuck.release();
  });

  it("keeps a dead-lettered delivery out of the journal, and replays nothing once every target has answered", async () => {
    const dir = folder();
    const journalFile = join(dir, "journal.jsonl");
    const target = await startTarget();
    const { bus, put } = await startBus({
      journalFile,
      deadLetterFile: join(dir, "dead.jsonl"),
      targets: [
        { name: "pipeline", pattern: all, url: target.url },
        { name: "down", pattern: all, url: "http://127.0.0.1:9/nobody" },
      ],
    });
    await put({ model: "a", seq: 1 });
    await bus.settled();
    expect(target.received).toHaveLength(1);
    expect(bus.deadLetters.map((l) => l.target)).toEqual(["down"]);
    expect(pendingIn(readFileSync(journalFile, "utf8"))).toEqual([]);
  });

  it("dead-letters a recovered delivery whose target is no longer configured", async () => {
    const dir = folder();
    const journalFile = join(dir, "journal.jsonl");
    const stuck = await startTarget(true);
    const first = await startBus({ journalFile, targets: [{ name: "gone", pattern: all, url: stuck.url }] });
    await first.put({ model: "a", seq: 1 });
    const crashed = join(dir, "crashed.jsonl");
    copyFileSync(journalFile, crashed);
    const second = await startBus({ journalFile: crashed, targets: [] });
    expect(second.bus.deadLetters).toMatchObject([{ target: "gone", event: { detail: { seq: 1 } } }]);
    expect(pendingIn(readFileSync(crashed, "utf8"))).toEqual([]);
    stuck.release();
  });
});

describe("reading a journal", () => {
  const envelope = (id: string) => ({ put: { id, detail: {} }, to: ["a", "b"] });
  it("keeps each (envelope, target) pair without a done line, in acceptance order, and ignores a line cut short", () => {
    const text = [
      envelope("e1"),
      envelope("e2"),
      { done: "e1", to: "a" },
      { done: "e2", to: "a" },
      { done: "e2", to: "b" },
      envelope("e3"),
    ]
      .map((line) => JSON.stringify(line))
      .concat('{"put":{"id":"e4","det')
      .join("\n");
    expect(pendingIn(text).map((p) => [p.envelope.id, p.targets])).toEqual([
      ["e1", ["b"]],
      ["e3", ["a", "b"]],
    ]);
  });
});
