/**
 * Latency and DynamoDB cost of the registry's hot routes, in local mode: DynamoDB Local, s3rver
 * and the local API gateway running the real Lambda handlers in this process. `npm run bench`;
 * see bench/README.md for the settings and how to read the output.
 */
import { performance } from "node:perf_hooks";
import type { RegistryClient as RegistryClientType } from "../clients/typescript/registry-client.ts";
import type { LocalRegistry } from "../local/registry.ts";
import { type BenchRequest, measure, measureInterleaved, send } from "./measure.ts";
import { type BenchOptions, readOptions } from "./options.ts";
import {
  environmentFacts,
  gitFacts,
  latencyRatioTarget,
  loadAverage,
  oneRoundTripTarget,
  oneTransactionTarget,
  type Target,
  writeResults,
} from "./report.ts";
import {
  type OperationSummary,
  round,
  type Sample,
  seededRandom,
  summarizeLatency,
  summarizeNumbers,
  summarizeOperation,
} from "./stats.ts";
import { createModelBody, createVersionBody } from "./workload.ts";

// The handlers read this when they are imported, which happens inside startLocalRegistry (they
// run in this process), so it must be set before that: hence the dynamic imports below.
process.env.REPORT_DYNAMODB_USAGE = "true";

const COMMAND = "npm run bench";
const LOCAL_MODE_NOTE = "DynamoDB Local on this machine; latencies are local-mode, not AWS";
const SEED_PROGRESS_EVERY = 1000;

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

function sizeLabel(n: number): string {
  return n % 1000 === 0 ? `${n / 1000}k` : String(n);
}

interface SeedResult {
  model: string;
  versions: number;
  durationSeconds: number;
  versionsPerSecond: number;
  createVersionLatencyMs: ReturnType<typeof summarizeLatency>;
  /** p50 latency of each block of 1,000 creates, to show whether creates slow down as the model grows. */
  p50ByThousandMs: number[];
  roundTrips: ReturnType<typeof summarizeNumbers>;
}

async function seedModel(client: RegistryClientType, model: string, versions: number): Promise<SeedResult> {
  await send(client, { method: "POST", path: "/models", body: createModelBody(model), expectStatus: 201 });
  const started = performance.now();
  const samples: Sample[] = [];
  for (let n = 1; n <= versions; n++) {
    samples.push(await send(client, createVersionRequest(model, n)));
    if (n % SEED_PROGRESS_EVERY === 0 || n === versions) {
      const seconds = (performance.now() - started) / 1000;
      log(
        `seeding ${model}: ${n}/${versions} versions (${seconds.toFixed(1)} s, ${Math.round(n / seconds)}/s)`,
      );
    }
  }
  const durationSeconds = (performance.now() - started) / 1000;
  const p50ByThousandMs: number[] = [];
  for (let i = 0; i < samples.length; i += 1000) {
    p50ByThousandMs.push(summarizeLatency(samples.slice(i, i + 1000).map((s) => s.latencyMs)).p50);
  }
  return {
    model,
    versions,
    durationSeconds: round(durationSeconds, 1),
    versionsPerSecond: round(versions / durationSeconds, 1),
    createVersionLatencyMs: summarizeLatency(samples.map((s) => s.latencyMs)),
    p50ByThousandMs,
    roundTrips: summarizeNumbers(samples.flatMap((s) => (s.roundTrips === undefined ? [] : [s.roundTrips]))),
  };
}

/** Creates version `expected` of `model`; checks the server numbered it so. */
function createVersionRequest(model: string, expected: number): BenchRequest {
  return {
    method: "POST",
    path: `/models/${model}/versions`,
    body: createVersionBody(expected),
    expectStatus: 201,
    check: (body) => {
      const version = (body as { version?: unknown } | null)?.version;
      return version === expected ? undefined : `created version ${String(version)}, expected ${expected}`;
    },
  };
}

function getVersionRequest(model: string, version: number): BenchRequest {
  return {
    method: "GET",
    path: `/models/${model}/versions/${version}`,
    expectStatus: 200,
    check: (body) => {
      const got = (body as { version?: unknown } | null)?.version;
      return got === version ? undefined : `returned version ${String(got)}, expected ${version}`;
    },
  };
}

/** First page, newest first: must hold `limit` versions starting at the latest. */
function listVersionsRequest(model: string, latest: number, limit: number): BenchRequest {
  const expectedItems = Math.min(limit, latest);
  return {
    method: "GET",
    path: `/models/${model}/versions`,
    query: { limit },
    expectStatus: 200,
    check: (body) => {
      const items = (body as { items?: { version?: number }[] } | null)?.items;
      if (!Array.isArray(items)) return "no items array";
      if (items.length !== expectedItems) return `returned ${items.length} items, expected ${expectedItems}`;
      if (items[0]?.version !== latest)
        return `first item is version ${items[0]?.version}, expected ${latest}`;
      return undefined;
    },
  };
}

async function runBenchmark(client: RegistryClientType, options: BenchOptions) {
  const { samples, warmup } = options;
  const operations: Record<
    string,
    OperationSummary & { request: string; model?: string; modelVersions?: number }
  > = {};
  const rawSamples: Record<string, Sample[]> = {};
  const record = (
    key: string,
    request: string,
    values: Sample[],
    extra: { model?: string; modelVersions?: number } = {},
  ) => {
    rawSamples[key] = values;
    operations[key] = { request, ...extra, ...summarizeOperation(values) };
  };

  // Create model: a fresh name per request.
  log(`createModel: ${warmup} warm-up + ${samples.createModel} measured`);
  record(
    "createModel",
    "POST /models",
    await measure(client, warmup, samples.createModel, (i, phase) => ({
      method: "POST",
      path: "/models",
      body: createModelBody(`bench-model-${phase}-${i}`),
      expectStatus: 201,
    })),
  );

  // Create version: one model, growing by one version per request (warm-ups included).
  const createModel = "bench-create-version";
  await send(client, {
    method: "POST",
    path: "/models",
    body: createModelBody(createModel),
    expectStatus: 201,
  });
  let created = 0;
  log(`createVersion: ${warmup} warm-up + ${samples.createVersion} measured`);
  record(
    "createVersion",
    "POST /models/{model}/versions",
    await measure(client, warmup, samples.createVersion, () => createVersionRequest(createModel, ++created)),
    { model: createModel },
  );

  // Seed the two models the reads are measured on, through the API.
  const sizes = [options.smallVersions, options.largeVersions] as const;
  const labels = sizes.map(sizeLabel) as [string, string];
  const models = labels.map((label) => `bench-reads-${label}`) as [string, string];
  const seedingStarted = performance.now();
  const seeded: SeedResult[] = [];
  for (let k = 0; k < 2; k++) seeded.push(await seedModel(client, models[k] as string, sizes[k] as number));
  const seedingSeconds = (performance.now() - seedingStarted) / 1000;
  const totalSeeded = sizes[0] + sizes[1];

  // Get version: random versions (deterministic seed), the two model sizes interleaved.
  const random = seededRandom(options.seed);
  const pick = (max: number) => 1 + Math.floor(random() * max);
  log(`getVersion: ${warmup} warm-up + ${samples.getVersion} measured on each of ${labels.join(" and ")}`);
  const gets = await measureInterleaved(
    client,
    warmup,
    samples.getVersion,
    sizes.map((size, k) => () => getVersionRequest(models[k] as string, pick(size))),
  );
  log(
    `listVersions: ${warmup} warm-up + ${samples.listVersions} measured on each of ${labels.join(" and ")}`,
  );
  const lists = await measureInterleaved(
    client,
    warmup,
    samples.listVersions,
    sizes.map((size, k) => () => listVersionsRequest(models[k] as string, size, options.listLimit)),
  );
  for (let k = 0; k < 2; k++) {
    const extra = { model: models[k] as string, modelVersions: sizes[k] as number };
    record(`getVersion@${labels[k]}`, "GET /models/{model}/versions/{version}", gets[k] as Sample[], extra);
    record(
      `listVersions@${labels[k]}`,
      `GET /models/{model}/versions?limit=${options.listLimit}`,
      lists[k] as Sample[],
      extra,
    );
  }

  const [small, large] = labels;
  const listSmall = operations[`listVersions@${small}`] as OperationSummary;
  const listLarge = operations[`listVersions@${large}`] as OperationSummary;
  const getSmall = operations[`getVersion@${small}`] as OperationSummary;
  const getLarge = operations[`getVersion@${large}`] as OperationSummary;
  const ratios = {
    [`listVersions@${large}/listVersions@${small}`]: {
      p50: round(listLarge.latencyMs.p50 / listSmall.latencyMs.p50),
      p99: round(listLarge.latencyMs.p99 / listSmall.latencyMs.p99),
    },
    [`getVersion@${large}/getVersion@${small}`]: {
      p50: round(getLarge.latencyMs.p50 / getSmall.latencyMs.p50),
      p99: round(getLarge.latencyMs.p99 / getSmall.latencyMs.p99),
    },
  };

  const targets: Target[] = [
    oneRoundTripTarget(`get version @${small}`, getSmall),
    oneRoundTripTarget(`get version @${large}`, getLarge),
    oneRoundTripTarget(`list versions first page @${small}`, listSmall),
    oneRoundTripTarget(`list versions first page @${large}`, listLarge),
    oneTransactionTarget(
      "create model",
      rawSamples.createModel as Sample[],
      operations.createModel as OperationSummary,
    ),
    oneTransactionTarget(
      "create version",
      rawSamples.createVersion as Sample[],
      operations.createVersion as OperationSummary,
    ),
    latencyRatioTarget(listSmall, listLarge, labels),
  ];

  const allCapacity = Object.values(rawSamples).flatMap((list) => list.map((s) => s.capacityUnits));
  const reported = allCapacity.filter((v): v is number => v !== undefined && v > 0).length;
  const capacityUnitsNote =
    reported === 0
      ? "DynamoDB Local reported no consumed capacity (0 or missing on every request): the capacityUnits figures are not meaningful."
      : `Capacity units are what DynamoDB Local returned as ConsumedCapacity (ReturnConsumedCapacity=TOTAL), summed per API request; ` +
        `${reported} of ${allCapacity.length} measured requests reported a non-zero value. DynamoDB Local computes them from item sizes; they are not billed AWS figures.`;

  return {
    operations,
    ratios,
    targets,
    capacityUnitsNote,
    seeding: {
      via: "the API (POST /models/{model}/versions), sequential; not written to DynamoDB directly",
      totalVersions: totalSeeded,
      durationSeconds: round(seedingSeconds, 1),
      versionsPerSecond: round(totalSeeded / seedingSeconds, 1),
      budgetSeconds: options.seedingBudgetSeconds,
      withinBudget: seedingSeconds <= options.seedingBudgetSeconds,
      models: seeded,
    },
  };
}

async function main(): Promise<void> {
  const options = readOptions();
  const startedAt = new Date();
  const started = performance.now();
  const machine = environmentFacts();
  const loadAtStart = loadAverage();
  const git = gitFacts();

  const { startBenchRegistry } = await import("./local-registry.ts");

  log("starting the local registry (DynamoDB Local, s3rver, gateway) in memory on free ports");
  let registry: LocalRegistry | undefined;
  const stopOnSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the local registry`);
    void (registry?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);

  try {
    const registryStarted = performance.now();
    // The API alone: the stream poller would publish the 11,000 seeded versions while reads are measured.
    const local = await startBenchRegistry({ publishEvents: false });
    registry = local.registry;
    const client = local.publisher;
    const startupSeconds = (performance.now() - registryStarted) / 1000;
    log(`registry up at ${local.registry.endpoint} in ${startupSeconds.toFixed(1)} s`);

    const results = await runBenchmark(client, options);
    const settingsFromEnv = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => name.startsWith("BENCH_")),
    );
    const report = {
      benchmark: "serverless-model-registry: latency and DynamoDB cost of hot routes (local mode)",
      command: COMMAND,
      date: startedAt.toISOString(),
      durationSeconds: round((performance.now() - started) / 1000, 1),
      git,
      machine: { ...machine, loadAverage: { atStart: loadAtStart, atEnd: loadAverage() } },
      mode: {
        note: LOCAL_MODE_NOTE,
        setup:
          "DynamoDB Local (in memory) + s3rver + the local API gateway, which verifies SigV4 and runs the real Lambda handlers in the benchmark's own process",
        latency:
          "client-side wall time of one SigV4-signed HTTP request to the local gateway (signing included), requests strictly sequential, warm-ups excluded",
        dynamodb:
          "round trips, operations and capacity units per request come from the x-registry-dynamodb-* response headers (an SDK middleware in the handlers, REPORT_DYNAMODB_USAGE=true)",
        interleaving:
          "get and list on the two model sizes are measured alternately (ABBA order) so drift affects both alike",
        registryStartupSeconds: round(startupSeconds, 1),
      },
      settings: { ...options, fromEnvironment: settingsFromEnv },
      ...results,
      targetsMet: results.targets.every((t) => t.met),
    };
    const json = JSON.stringify(report, null, 2);
    process.stdout.write(`${json}\n`);
    const paths = writeResults(options.resultsDir, startedAt, `${json}\n`);
    log(`wrote ${paths.join(" and ")}`);
    for (const t of results.targets) log(`${t.met ? "MET    " : "NOT MET"} ${t.target}: ${t.measured}`);
  } finally {
    process.removeListener("SIGINT", stopOnSignal);
    process.removeListener("SIGTERM", stopOnSignal);
    if (registry) {
      log("stopping the local registry");
      await registry.stop();
    }
  }
}

try {
  await main();
} catch (error) {
  log(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
}
