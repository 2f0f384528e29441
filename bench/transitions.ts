/**
 * Stage transitions in local mode: request → table stream → the publisher → the local bus → the
 * rule that starts the CDK-synthesized state machine in the local runner → Validate and Apply
 * (the real task handler) → the `Model Version Stage Changed` event at an HTTP target.
 * `npm run bench:transitions`; prints one JSON document and writes
 * `bench/results/transitions-latest.json`.
 *
 * Latency: auto-approved development → staging transitions (no policy), one at a time, each of
 * another version; measured two ways: request → APPLIED from the transition's own timestamps
 * (`endedAt - requestedAt`, the registry's clock), and request answered → the Stage Changed
 * event received by the target (what a deploy pipeline waits for).
 * Throughput: a burst of transitions (10 models, different versions of each) requested by several
 * clients at once, from the first request to the last Stage Changed event: transitions applied
 * per second. Transitions of one model serialize (every step changes the model item).
 */
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { RegistryClient } from "../clients/typescript/registry-client.ts";
import { startEventListener } from "../local/event-listener.ts";
import { startBenchRegistry } from "./local-registry.ts";
import { resultHeader } from "./report.ts";
import { summarizeLatency } from "./stats.ts";

const COMMAND = "npm run bench:transitions";
const SAMPLES = Number(process.env.TRANSITIONS_BENCH_SAMPLES ?? 50);
const BURST = Number(process.env.TRANSITIONS_BENCH_BURST ?? 100);
const BURST_CLIENTS = 8;
const SYNTH_SAMPLES = 10;
const BURST_MODELS = 10;
const ENDED = new Set(["APPLIED", "REJECTED", "FAILED", "CANCELLED", "TIMED_OUT"]);

const log = (line: string) => process.stderr.write(`[bench:transitions] ${line}\n`);

interface Envelope {
  "detail-type": string;
  detail: { model: string; version: number; to: string; transitionId: string };
}

async function ok<T = unknown>(
  response: Promise<{ status: number; rawBody: string; body: unknown }>,
  status: number,
) {
  const r = await response;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${r.rawBody.slice(0, 300)}`);
  return r.body as T;
}

/** A target that resolves a waiter when a transition's Stage Changed event arrives. */
async function startTarget() {
  const arrivals = new Map<string, number>();
  const waiters = new Map<string, (at: number) => void>();
  const listener = await startEventListener((body) => {
    const event = body as Envelope;
    if (event["detail-type"] !== "Model Version Stage Changed") return;
    const at = performance.now();
    arrivals.set(event.detail.transitionId, at);
    waiters.get(event.detail.transitionId)?.(at);
  });
  return {
    url: listener.url,
    arrival(transitionId: string): Promise<number> {
      const seen = arrivals.get(transitionId);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.set(transitionId, resolve));
    },
    close: listener.close,
  };
}

/** `count` READY versions of a new model (one small artifact each, uploaded and sealed). */
async function readyModel(api: RegistryClient, name: string, count: number) {
  await ok(api.request({ method: "POST", path: "/models", body: { name } }), 201);
  for (let i = 0; i < count; i++) {
    const bytes = Buffer.from(`weights ${name} ${i}`);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const created = await ok<{
      version: number;
      uploads: { url: string; headers: Record<string, string> }[];
    }>(
      api.request({
        method: "POST",
        path: `/models/${name}/versions`,
        body: { artifacts: [{ path: "model.bin", size: bytes.length, sha256 }] },
      }),
      201,
    );
    const upload = created.uploads[0]!;
    const put = await fetch(upload.url, { method: "PUT", headers: upload.headers, body: bytes });
    if (!put.ok) throw new Error(`upload: ${put.status}`);
    const sealed = await api.request({
      method: "POST",
      path: `/models/${name}/versions/${created.version}/seal`,
    });
    // 202: s3rver keeps no checksums, so the local verifier hashes the object (see README).
    if (sealed.status !== 200 && sealed.status !== 202)
      throw new Error(`seal: ${sealed.status} ${sealed.rawBody}`);
  }
}

/** Polls the transition until it ends (a burst is judged by every request's outcome, not only the applied ones). */
async function settle(api: RegistryClient, model: string, id: string) {
  for (;;) {
    const t = await ok<{ status: string }>(
      api.request({ method: "GET", path: `/models/${model}/transitions/${id}` }),
      200,
    );
    if (ENDED.has(t.status)) return { id, status: t.status };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const requestStaging = (api: RegistryClient, model: string, version: number) =>
  ok<{ id: string }>(
    api.request({
      method: "POST",
      path: `/models/${model}/versions/${version}/transitions`,
      body: { to: "staging" },
    }),
    202,
  );

async function main() {
  const target = await startTarget();
  const { registry, publisher: api } = await startBenchRegistry({
    targets: [{ name: "bench", pattern: { source: ["model-registry"] }, url: target.url }],
  });
  try {
    const model = `transitions-${Date.now()}`;
    log(`preparing ${SAMPLES} READY versions`);
    await readyModel(api, model, SAMPLES);
    await registry.workersIdle();

    log(`latency: ${SAMPLES} development → staging transitions, one at a time`);
    const applied: number[] = [];
    const delivered: number[] = [];
    for (let v = 1; v <= SAMPLES; v++) {
      const { id } = await requestStaging(api, model, v);
      const answered = performance.now();
      delivered.push((await target.arrival(id)) - answered);
      const done = await ok<{ status: string; requestedAt: string; endedAt: string }>(
        api.request({ method: "GET", path: `/models/${model}/transitions/${id}` }),
        200,
      );
      if (done.status !== "APPLIED") throw new Error(`transition ${id} ended ${done.status}`);
      applied.push(Date.parse(done.endedAt) - Date.parse(done.requestedAt));
    }

    // Spread over several models, as real promotions are: every step of a transition changes its
    // model's item, so transitions of one model serialize (the concurrency test covers that case).
    log(`throughput: ${BURST} transitions of ${BURST_MODELS} models from ${BURST_CLIENTS} clients`);
    const perModel = Math.ceil(BURST / BURST_MODELS);
    const burstModels = Array.from({ length: BURST_MODELS }, (_, i) => `${model}-burst-${i}`);
    for (const name of burstModels) await readyModel(api, name, perModel);
    await registry.workersIdle();
    const jobs = burstModels.flatMap((name) =>
      Array.from({ length: perModel }, (_, i) => ({ name, version: i + 1 })),
    );
    const started = performance.now();
    let next = 0;
    const requested: { name: string; id: string }[] = [];
    await Promise.all(
      Array.from({ length: BURST_CLIENTS }, async () => {
        for (let j = next++; j < jobs.length; j = next++) {
          const job = jobs[j]!;
          requested.push({ name: job.name, id: (await requestStaging(api, job.name, job.version)).id });
        }
      }),
    );
    const requestedAt = performance.now();
    const outcomes = await Promise.all(requested.map(({ name, id }) => settle(api, name, id)));
    const burstApplied = outcomes.filter((o) => o.status === "APPLIED");
    const last = Math.max(...(await Promise.all(burstApplied.map((o) => target.arrival(o.id)))));
    const seconds = (last - started) / 1000;

    const synthesis = await measureSynthesis();
    const result = {
      ...resultHeader(COMMAND),
      definitionSynthesisMs: {
        samples: synthesis.length,
        measuredBy:
          "synthesizeTransitionWorkflowDefinition() (the construct and its synthesis, which local mode does at every start), aws-cdk-lib already imported; the first sample is the first call",
        first: Math.round(synthesis[0]! * 10) / 10,
        ...summarizeLatency(synthesis.slice(1)),
      },
      note: "local mode on this machine: DynamoDB Local, its stream polled every 200 ms when idle, the real publisher, the local bus, aws-local-stepfunctions running the CDK-synthesized state machine, the real task handler; in AWS, Step Functions and Lambda start-up add their own latency",
      requestToAppliedMs: {
        samples: SAMPLES,
        measuredBy: "the transition's endedAt - requestedAt (registry clock, millisecond timestamps)",
        ...summarizeLatency(applied),
      },
      requestToStageChangedEventMs: {
        samples: SAMPLES,
        measuredBy: "202 answered → Model Version Stage Changed received by an HTTP target",
        ...summarizeLatency(delivered),
      },
      burst: {
        transitions: jobs.length,
        models: BURST_MODELS,
        clients: BURST_CLIENTS,
        applied: burstApplied.length,
        notApplied: outcomes.filter((o) => o.status !== "APPLIED").map((o) => `${o.id} ${o.status}`),
        requestSeconds: Math.round(((requestedAt - started) / 1000) * 100) / 100,
        lastAppliedEventAfterSeconds: Math.round(seconds * 100) / 100,
        transitionsAppliedPerSecond: Math.round((burstApplied.length / seconds) * 10) / 10,
      },
    };
    const json = `${JSON.stringify(result, null, 2)}\n`;
    process.stdout.write(json);
    const { writeFile } = await import("node:fs/promises");
    await writeFile(new URL("results/transitions-latest.json", import.meta.url), json);
  } finally {
    await registry.stop();
    await target.close();
  }
}

/** Times the state machine's synthesis, once cold and then `SYNTH_SAMPLES` more times. */
async function measureSynthesis(): Promise<number[]> {
  const { synthesizeTransitionWorkflowDefinition } = await import("../lib/transition-workflow.ts");
  const samples: number[] = [];
  for (let i = 0; i <= SYNTH_SAMPLES; i++) {
    const started = performance.now();
    synthesizeTransitionWorkflowDefinition({
      tasksFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:bench-tasks",
    });
    samples.push(performance.now() - started);
  }
  return samples;
}

await main();
