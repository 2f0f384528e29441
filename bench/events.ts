/**
 * Commit-to-bus latency and publisher throughput in local mode: API mutation → DynamoDB Local's
 * stream → the stream poller → the publisher handler → the local bus → an HTTP target on this
 * machine. `npm run bench:events`; prints one JSON document and writes
 * `bench/results/events-latest.json`.
 *
 * Latency: one alias move at a time (each is one history entry, so one event); from the moment
 * the API answered (the transaction committed) to the moment the target received the event.
 * Throughput: a burst of writes from several clients at once, from the first request to the last
 * event received, counting events per second through the publisher.
 */
import { performance } from "node:perf_hooks";
import { startEventListener } from "../local/event-listener.ts";
import { startBenchRegistry } from "./local-registry.ts";
import { resultHeader } from "./report.ts";
import { summarizeLatency } from "./stats.ts";

const COMMAND = "npm run bench:events";
const LATENCY_SAMPLES = Number(process.env.EVENTS_BENCH_SAMPLES ?? 200);
const BURST = Number(process.env.EVENTS_BENCH_BURST ?? 400);
const BURST_CLIENTS = 8;

const log = (line: string) => process.stderr.write(`[bench:events] ${line}\n`);

interface Envelope {
  "detail-type": string;
  detail: { model: string; seq: number; eventId: string };
}

/** An HTTP target that resolves a waiter when the event for (model, seq) arrives. */
async function startTarget() {
  const arrivals = new Map<string, number>();
  const waiters = new Map<string, (at: number) => void>();
  const listener = await startEventListener((body) => {
    const at = performance.now();
    const event = body as Envelope;
    const key = `${event.detail.model}#${event.detail.seq}`;
    arrivals.set(key, at);
    waiters.get(key)?.(at);
  });
  return {
    url: listener.url,
    arrivals,
    arrival(model: string, seq: number): Promise<number> {
      const key = `${model}#${seq}`;
      const seen = arrivals.get(key);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.set(key, resolve));
    },
    close: listener.close,
  };
}

async function ok(response: Promise<{ status: number; rawBody: string }>, status: number) {
  const r = await response;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${r.rawBody.slice(0, 200)}`);
  return r;
}

async function main() {
  const target = await startTarget();
  const { registry, publisher: api } = await startBenchRegistry({
    targets: [{ name: "bench", pattern: { source: ["model-registry"] }, url: target.url }],
  });
  try {
    // Latency: edits of one model's description, one at a time; seq 1 is the registration.
    const model = `events-${Date.now()}`;
    await ok(api.request({ method: "POST", path: "/models", body: { name: model } }), 201);
    await target.arrival(model, 1);
    log(`latency: ${LATENCY_SAMPLES} edits, one at a time`);
    const latencies: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      await ok(
        api.request({ method: "PATCH", path: `/models/${model}`, body: { description: `edit ${i}` } }),
        200,
      );
      const committed = performance.now();
      latencies.push((await target.arrival(model, i + 2)) - committed);
    }

    // Throughput: a burst of model registrations from several clients at once.
    log(`throughput: ${BURST} registrations from ${BURST_CLIENTS} clients`);
    const prefix = `burst-${Date.now()}`;
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: BURST_CLIENTS }, async () => {
        for (let i = next++; i < BURST; i = next++) {
          await ok(api.request({ method: "POST", path: "/models", body: { name: `${prefix}-${i}` } }), 201);
        }
      }),
    );
    const written = performance.now();
    const last = Math.max(
      ...(await Promise.all(Array.from({ length: BURST }, (_, i) => target.arrival(`${prefix}-${i}`, 1)))),
    );
    const seconds = (last - started) / 1000;
    const result = {
      ...resultHeader(COMMAND),
      note: "local mode: DynamoDB Local's stream, polled every 200 ms when idle, the real publisher handler, the local PutEvents bus and an HTTP target on this machine; AWS's stream and EventBridge delivery add their own latency",
      commitToTargetMs: { samples: LATENCY_SAMPLES, ...summarizeLatency(latencies) },
      burst: {
        events: BURST,
        clients: BURST_CLIENTS,
        writeSeconds: Math.round(((written - started) / 1000) * 100) / 100,
        lastEventAfterSeconds: Math.round(seconds * 100) / 100,
        eventsPerSecond: Math.round((BURST / seconds) * 10) / 10,
      },
    };
    const json = `${JSON.stringify(result, null, 2)}\n`;
    process.stdout.write(json);
    const { writeFile } = await import("node:fs/promises");
    await writeFile(new URL("results/events-latest.json", import.meta.url), json);
  } finally {
    await registry.stop();
    await target.close();
  }
}

await main();
