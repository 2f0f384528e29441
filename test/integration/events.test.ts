/**
 * Events end to end in local mode: API mutation → DynamoDB Local's stream → the publisher
 * handler → the local bus → an HTTP target. Each test starts its own registry with a data
 * folder, so checkpoints and dead letters are real files.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { envelopeSchema, isDetailType } from "#core/events/catalog.ts";
import { eventIdOf } from "#core/events/from-history.ts";
import type { EventEnvelope } from "../../local/event-bus.ts";
import { startEventListener } from "../../local/event-listener.ts";
import { DEAD_LETTERS_FILE, type LocalRegistry, type LocalRegistryOptions } from "../../local/registry.ts";
import { findFreePort } from "../../local/tcp-ports.ts";
import { signedHeaders } from "../support/presign.ts";
import { pinnedRegistries } from "./pinned-ports.ts";

const savedEnv = { ...process.env };
const dataDirs: string[] = [];
afterAll(() => {
  process.env = savedEnv;
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});
const newDataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "registry-events-"));
  dataDirs.push(dir);
  return dir;
};

/** An HTTP target that records every envelope POSTed to it; closed when the test is over. */
async function listener(): Promise<{ url: string; received: EventEnvelope[] }> {
  const received: EventEnvelope[] = [];
  const target = await startEventListener((event) => received.push(event as EventEnvelope));
  onTestFinished(() => target.close());
  return { url: target.url, received };
}

/** Runs `use` against a local registry started with `options`, and stops it however `use` ends. */
async function withRegistry(options: LocalRegistryOptions, use: (registry: LocalRegistry) => Promise<void>) {
  const registry = await registries.start(options);
  try {
    await use(registry);
  } finally {
    await registry.stop();
  }
}

/** Local mode on free ports, its data in `dataDir`, publishing to `targets`. */
function registryOptions(dataDir: string, targets: LocalRegistryOptions["targets"]) {
  return { dataDir, port: 0, targets };
}

async function call(
  registry: LocalRegistry,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  const url = new URL(path, registry.endpoint);
  const principal = registry.principals.find((p) => p.name === "publisher")!;
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers = await signedHeaders(url, {
    method,
    region: registry.region,
    credentials: principal,
    headers: text === undefined ? {} : { "content-type": "application/json" },
    body: text,
  });
  const response = await fetch(url, { method, headers, body: text });
  expect(response.status, `${method} ${path}: ${await response.clone().text()}`).toBeLessThan(300);
  return response;
}

async function eventually(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Handlers build their SDK clients at cold start, once per process (as in Lambda), so every
 * registry this file starts, one after another, offers its emulators and bus on the same ports
 * (below the ephemeral range, a start retried when one is taken: `pinned-ports.ts`).
 */
const registries = await pinnedRegistries(["dynamoDbPort", "s3Port", "eventBusPort"]);

const ofModel = (events: EventEnvelope[], model: string) => events.filter((e) => e.detail.model === model);

describe("events in local mode", () => {
  it("publishes exactly one event per mutation, with the documented fields, in seq order", {
    timeout: 120_000,
  }, async () => {
    const target = await listener();
    await withRegistry(
      registryOptions(newDataDir(), [
        { name: "all", pattern: { source: ["model-registry"] }, url: target.url },
      ]),
      async (registry) => {
        // The SSE stream sees the same events.
        const sse = await fetch(`${registry.endpoint}/_local/events`);
        expect(sse.headers.get("content-type")).toContain("text/event-stream");
        const reader = sse.body!.getReader();
        let streamed = "";
        void (async () => {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            streamed += Buffer.from(value).toString("utf8");
          }
        })().catch(() => undefined);

        await call(registry, "POST", "/models", { name: "fraud", owner: "risk", tags: { team: "risk" } });
        await call(registry, "PATCH", "/models/fraud", { description: "Scores card transactions" });
        await eventually(() => ofModel(target.received, "fraud").length >= 2, "two events of fraud");
        await registry.events.bus.settled();

        const fraud = ofModel(target.received, "fraud");
        expect(fraud.map((e) => [e["detail-type"], e.detail.seq])).toEqual([
          ["Model Registered", 1],
          ["Model Updated", 2],
        ]);
        for (const event of fraud) {
          const detailType = event["detail-type"];
          if (!isDetailType(detailType)) throw new Error(`unknown detail-type ${detailType}`);
          expect(() => envelopeSchema(detailType).parse(event)).not.toThrow();
          expect(event.detail.eventId).toBe(eventIdOf("model-registry", "fraud", event.detail.seq as number));
          expect(event.detail.actor).toMatch(/^arn:aws:iam::000000000000:user\/publisher$/);
        }
        expect(fraud[0]!.detail).toMatchObject({ owner: "risk", tags: { team: "risk" } });
        await eventually(() => streamed.includes('"Model Updated"'), "the SSE stream");
        expect(streamed).toContain(`"eventId":"${fraud[0]!.detail.eventId}"`);
        await reader.cancel();
      },
    );
  });

  it("loses no event when the poller stops between commit and publish: a restart publishes the rest", {
    timeout: 180_000,
  }, async () => {
    const dataDir = newDataDir();
    const target = await listener();
    const options = registryOptions(dataDir, [
      { name: "all", pattern: { detail: { model: ["restart"] } }, url: target.url },
    ]);
    await withRegistry(options, async (first) => {
      await call(first, "POST", "/models", { name: "restart" });
      await eventually(() => target.received.length >= 1, "the first event");
      // Committed, never published: the poller is gone before these writes (stop() resolves once
      // its loop has ended), so nothing can put them on the bus; the bus is then waited on, not
      // a clock, and the checkpoint has not moved past the first entry.
      await first.events.poller!.stop();
      const checkpoint = first.events.poller!.checkpoint();
      await call(first, "PATCH", "/models/restart", { description: "one" });
      await call(first, "PATCH", "/models/restart", { description: "two" });
      await first.events.bus.settled();
      expect(target.received).toHaveLength(1);
      expect(first.events.poller!.checkpoint()).toEqual(checkpoint);
    });

    await withRegistry(options, async () => {
      await eventually(
        () => new Set(target.received.map((e) => e.detail.eventId)).size >= 3,
        "all three events",
      );
      const byId = new Map<unknown, EventEnvelope>();
      for (const event of target.received) {
        const seen = byId.get(event.detail.eventId);
        // A duplicate is the same fact: same eventId, same detail.
        if (seen) expect(event.detail).toEqual(seen.detail);
        byId.set(event.detail.eventId, event);
      }
      expect([...byId.values()].map((e) => e.detail.seq)).toEqual([1, 2, 3]);
    });
  });

  it("keeps publishing while a target is down: retries, then one dead-letter line per event", {
    timeout: 120_000,
  }, async () => {
    const dataDir = newDataDir();
    const healthy = await listener();
    const downPort = await findFreePort();
    await withRegistry(
      {
        ...registryOptions(dataDir, [
          {
            name: "down",
            pattern: { source: ["model-registry"] },
            url: `http://127.0.0.1:${downPort}/nobody`,
          },
          { name: "healthy", pattern: { source: ["model-registry"] }, url: healthy.url },
        ]),
        targetDelivery: { attempts: 3, backoffMs: () => 20 },
      },
      async (registry) => {
        await call(registry, "POST", "/models", { name: "down-a" });
        await call(registry, "POST", "/models", { name: "down-b" });
        await eventually(() => healthy.received.length >= 2, "the healthy target's events");
        await registry.events.bus.settled();
        const letters = readFileSync(join(dataDir, DEAD_LETTERS_FILE), "utf8")
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line));
        expect(letters.map((l) => [l.target, l.attempts, l.event.detail.model])).toEqual([
          ["down", 3, "down-a"],
          ["down", 3, "down-b"],
        ]);
        expect(letters[0].error).toMatch(/fetch failed|ECONNREFUSED/);
      },
    );
  });
});
