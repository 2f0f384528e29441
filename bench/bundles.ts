/**
 * Lambda bundle sizes and cold-start import cost, for every handler the app deploys.
 *
 * `node --import tsx bench/bundles.ts` (a measurement, not a test). It reads the bundles the
 * stacks declare (`lib/bundle-inventory.ts`: entry and which SDK clients are left out), builds
 * each exactly as the CDK wrapper does (`lib/bundling/`, the one esbuild configuration), and
 * times, in fresh Node 24 processes, `await import(bundle)`: module evaluation plus the
 * handler's cold-start work (config, SDK clients, `buildCore()`), against a baseline bundle that
 * holds one bare DynamoDB client (`bench/probes/dynamodb-client.ts`). Target: each handler's
 * import p50 at most 1.5x the baseline's; each bundle at most 350 KiB (`BUNDLE_TARGET_BYTES`).
 *
 * Each handler is also set against its client floor: a bundle holding just the bare SDK clients
 * its cold start loads (read from its build: the `@aws-sdk/client-*` client modules among what it
 * loads at cold start), written like the baseline. For a DynamoDB-only function that is the
 * baseline itself; `artifacts` and the verifier also load S3, the publisher only EventBridge. The
 * ratio to the floor is what the handler adds over the clients it cannot do without.
 *
 * Two comparisons ride along, both built from the same options with one change:
 * - `sdkFromRuntime`: every bundle again with `@aws-sdk/*` external (the Lambda runtime's copy),
 *   to show what the 350 KiB target would cost in import time and SDK pinning;
 * - `withTracer`: every bundle as deployed with context `powertoolsTracer` (Powertools Tracer
 *   bundled, every SDK client instrumented), to show what turning it on costs.
 *
 * Prints one JSON document on stdout (progress on stderr) and writes it to
 * `bench/results/bundles-latest.json`. Settings: `BUNDLE_REPS` (processes per bundle, default 21).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build, version as esbuildVersion } from "esbuild";
import { declaredBundles } from "../lib/bundle-inventory.ts";
import {
  BUNDLE_TARGET_BYTES,
  bundleBudgetExceptions,
  bundleSizes,
  esbuildOptions,
  type HandlerBundle,
  projectRoot,
} from "../lib/bundling/index.ts";
import { gitFacts, loadAverage } from "./report.ts";
import { medianRatioInterval, percentile, round } from "./stats.ts";

const COMMAND = "node --import tsx bench/bundles.ts";
const RATIO_TARGET = 1.5;
const REPS = Number(process.env.BUNDLE_REPS ?? 21);
if (!Number.isInteger(REPS) || REPS < 1) throw new Error("BUNDLE_REPS must be a positive integer");

/** Inside the project so external `@aws-sdk/*` imports resolve from its node_modules. */
const tmpDir = join(projectRoot, "bench", ".bundles-tmp");
const resultsPath = join(projectRoot, "bench", "results", "bundles-latest.json");
const node24 = join(projectRoot, "node_modules", ".bin", "node");

type Variant = "deployed" | "sdkFromRuntime" | "withTracer";
interface Subject {
  name: string;
  bundle: Omit<HandlerBundle, "outdir">;
}

interface Built {
  file: string;
  /** The SDK clients the cold start loads, e.g. `client-dynamodb/DynamoDBClient` (sorted). */
  coldStartClients: string[];
  size: {
    /** What Node loads at cold start: index.mjs and the chunks it imports statically. */
    bytes: number;
    kib: number;
    gzipBytes: number;
    /** Every chunk, those loaded on first use included. */
    totalBytes: number;
    /** Chunks loaded on first use, with the project modules they hold (none: SDK-internal). */
    loadedOnFirstUse: { file: string; bytes: number; holds: string[] }[];
  };
}

/** Writes a probe like the baseline's holding these bare clients (`client-s3/S3Client`, …). */
function clientFloorProbe(clients: string[]): string {
  const entry = join(
    "bench",
    ".bundles-tmp",
    "probes",
    `${clients.map((c) => c.split("/")[0]).join("+")}.ts`,
  );
  const source = [
    ...clients.map((client) => {
      const [pkg, className] = client.split("/");
      return `import { ${className} } from "@aws-sdk/${pkg}";`;
    }),
    `const clients = [${clients.map((client) => `new ${client.split("/")[1]}({})`).join(", ")}];`,
    "export const handler = async () => Promise.all(clients.map((client) => client.config.region()));",
  ].join("\n");
  mkdirSync(join(projectRoot, "bench", ".bundles-tmp", "probes"), { recursive: true });
  writeFileSync(join(projectRoot, entry), `${source}\n`);
  return entry;
}

async function buildVariant(subject: Subject, variant: Variant): Promise<Built> {
  const outdir = join(tmpDir, variant, subject.name.replace(/[^A-Za-z0-9-]+/g, "_"));
  const options = esbuildOptions({ ...subject.bundle, outdir, tracer: variant === "withTracer" });
  if (variant === "sdkFromRuntime") options.external = [...(options.external ?? []), "@aws-sdk/*"];
  const sizes = bundleSizes(await build(options));
  const gzipBytes = sizes.initialFiles.reduce(
    (sum, file) => sum + gzipSync(readFileSync(join(projectRoot, file))).length,
    0,
  );
  const clients = sizes.initialInputs.flatMap((input) => {
    const match = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\/dist-es\/([A-Za-z0-9]+Client)\.js$/.exec(
      input,
    );
    return match ? `${match[1]}/${match[2]}` : [];
  });
  return {
    file: join(outdir, "index.mjs"),
    coldStartClients: [...new Set(clients)].sort(),
    size: {
      bytes: sizes.initialBytes,
      kib: round(sizes.initialBytes / 1024, 1),
      gzipBytes,
      totalBytes: sizes.totalBytes,
      loadedOnFirstUse: sizes.lazyChunks,
    },
  };
}

// Runs in the child: times the import (module evaluation and top-level cold-start work).
const WRAPPER = `const before = performance.now();
const mod = await import(process.argv[2]);
const after = performance.now();
if (typeof mod.handler !== "function") throw new Error("bundle does not export handler");
process.stdout.write(JSON.stringify({ importMs: after - before }) + "\\n");
`;

/** A deployed function's environment, minus anything that would reach the network. */
function childEnv(sourceMaps = false): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    // Off as deployed by default (context `sourceMaps`); `withSourceMaps` measures what it costs.
    ...(sourceMaps && { NODE_OPTIONS: "--enable-source-maps" }),
    SERVICE_NAME: "model-registry",
    TABLE_NAME: "t",
    ARTIFACT_BUCKET: "b",
    // The key itself, so no Secrets Manager call happens at import (the ARN would fetch it).
    PAGE_TOKEN_SECRET: "0123456789abcdef0123456789abcdef",
    VERIFIER_FUNCTION_NAME: "verifier",
    EVENT_BUS_NAME: "model-registry",
    EVENT_SOURCE: "model-registry",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "x",
    AWS_SECRET_ACCESS_KEY: "y",
    AWS_SESSION_TOKEN: "z",
  };
}

function importOnce(wrapper: string, bundle: string, sourceMaps = false): number {
  const child = spawnSync(node24, [wrapper, pathToFileURL(bundle).href], {
    env: childEnv(sourceMaps),
    encoding: "utf8",
    timeout: 60_000,
  });
  if (child.status !== 0)
    throw new Error(`importing ${bundle} failed (exit ${child.status}):\n${child.stderr}`);
  return (JSON.parse(child.stdout.trim().split("\n").pop() ?? "{}") as { importMs: number }).importMs;
}

const p50 = (values: number[]) =>
  round(
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    ),
    1,
  );
const log = (line: string) => process.stderr.write(`[bundles] ${line}\n`);

async function main(): Promise<void> {
  const date = new Date();
  const loadAtStart = loadAverage();
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });
  try {
    const wrapper = join(tmpDir, "import.mjs");
    writeFileSync(wrapper, WRAPPER);
    const handlers: Subject[] = declaredBundles().map((b) => ({ name: b.id, bundle: b }));
    const baseline: Subject = { name: "baseline", bundle: { entry: "bench/probes/dynamodb-client.ts" } };

    const built = new Map<string, Built>();
    for (const subject of [baseline, ...handlers]) {
      const variants =
        subject === baseline ? ["deployed", "sdkFromRuntime"] : ["deployed", "sdkFromRuntime", "withTracer"];
      for (const variant of variants as Variant[]) {
        built.set(`${subject.name}/${variant}`, await buildVariant(subject, variant));
      }
    }
    // Each handler's client floor: a probe holding the bare clients its cold start loads, written
    // for each set of clients found (the baseline is the one for DynamoDB alone).
    const clientsOf = (name: string) => built.get(`${name}/deployed`)!.coldStartClients;
    const floorOf = new Map<string, string>([[clientsOf(baseline.name).join(), baseline.name]]);
    for (const { name } of handlers) {
      const clients = clientsOf(name);
      if (clients.length === 0 || floorOf.has(clients.join())) continue;
      const probe: Subject = {
        name: `floor-${clients.map((client) => client.split("/")[0]).join("+")}`,
        bundle: { entry: clientFloorProbe(clients) },
      };
      built.set(`${probe.name}/deployed`, await buildVariant(probe, "deployed"));
      floorOf.set(clients.join(), probe.name);
    }
    const files = new Map([...built].map(([key, { file }]) => [key, file]));
    // The deployed bundles once more, imported with --enable-source-maps (context `sourceMaps`).
    const withSourceMaps = (key: string) => `${key}/withSourceMaps`;
    for (const subject of [baseline, ...handlers]) {
      const key = `${subject.name}/deployed`;
      files.set(withSourceMaps(key), files.get(key)!);
    }
    log(`built ${files.size} bundles`);

    // One unmeasured import each (warm file cache), then REPS rounds over everything, so drift
    // on this shared machine hits every bundle alike.
    for (const file of files.values()) importOnce(wrapper, file);
    const samples = new Map<string, number[]>();
    for (let rep = 0; rep < REPS; rep++) {
      const keys = [...files.keys()];
      if (rep % 2 === 1) keys.reverse();
      for (const key of keys) {
        const ms = importOnce(wrapper, files.get(key)!, key.endsWith("/withSourceMaps"));
        samples.set(key, [...(samples.get(key) ?? []), ms]);
      }
      log(`round ${rep + 1}/${REPS}`);
    }

    const measure = (key: string) => ({
      ...built.get(key)!.size,
      importMsP50: p50(samples.get(key)!),
      ...(samples.has(withSourceMaps(key)) && {
        importMsP50WithSourceMaps: p50(samples.get(withSourceMaps(key))!),
      }),
    });
    const base = {
      deployed: measure("baseline/deployed"),
      sdkFromRuntime: measure("baseline/sdkFromRuntime"),
    };
    const floorSizes = new Map([...floorOf.values()].map((probe) => [probe, measure(`${probe}/deployed`)]));
    /** None for a function whose cold start builds no SDK client (`service`). */
    const clientFloor = (name: string) => {
      const floor = floorOf.get(clientsOf(name).join());
      if (!floor) return null;
      const interval = medianRatioInterval(
        samples.get(`${name}/deployed`)!,
        samples.get(`${floor}/deployed`)!,
      );
      return {
        clients: clientsOf(name),
        probe: floor,
        importRatio: round(measure(`${name}/deployed`).importMsP50 / floorSizes.get(floor)!.importMsP50, 2),
        importRatioInterval: [interval.low, interval.high],
      };
    };
    const rows = handlers.map(({ name, bundle }) => {
      const deployed = measure(`${name}/deployed`);
      const runtime = measure(`${name}/sdkFromRuntime`);
      const withTracer = measure(`${name}/withTracer`);
      const budget = bundleBudgetExceptions[bundle.entry]?.bytes ?? BUNDLE_TARGET_BYTES;
      const ratio = medianRatioInterval(samples.get(`${name}/deployed`)!, samples.get("baseline/deployed")!);
      return {
        function: name,
        entry: bundle.entry,
        sdkLeftOut: bundle.without ?? [],
        deployed: {
          ...deployed,
          importRatioToBaseline: round(deployed.importMsP50 / base.deployed.importMsP50, 2),
          // 95% bootstrap interval over rounds: `met` when it lies under the target, `not met` over it.
          importRatioInterval: [ratio.low, ratio.high],
          importRatioVerdict:
            ratio.high <= RATIO_TARGET ? "met" : ratio.low > RATIO_TARGET ? "not met" : "at the line",
          importRatioWithSourceMaps: round(
            (deployed.importMsP50WithSourceMaps ?? Number.NaN) /
              (base.deployed.importMsP50WithSourceMaps ?? Number.NaN),
            2,
          ),
          meetsSizeTarget: deployed.bytes <= BUNDLE_TARGET_BYTES,
          withinBudget: deployed.bytes <= budget,
          meetsImportRatioTarget: deployed.importMsP50 <= RATIO_TARGET * base.deployed.importMsP50,
          clientFloor: clientFloor(name),
        },
        sdkFromRuntime: {
          ...runtime,
          importRatioToBaseline: round(runtime.importMsP50 / base.sdkFromRuntime.importMsP50, 2),
          importMsVsDeployed: round(runtime.importMsP50 - deployed.importMsP50, 1),
        },
        withTracer: {
          bytes: withTracer.bytes,
          kib: withTracer.kib,
          importMsP50: withTracer.importMsP50,
          bytesOverDeployed: withTracer.bytes - deployed.bytes,
          importMsVsDeployed: round(withTracer.importMsP50 - deployed.importMsP50, 1),
        },
      };
    });

    const cpus = os.cpus();
    const report = {
      command: COMMAND,
      date: date.toISOString(),
      git: gitFacts(),
      targets: {
        sizeBytes: BUNDLE_TARGET_BYTES,
        importRatioToBaseline: RATIO_TARGET,
        met: {
          size: rows.filter((r) => r.deployed.meetsSizeTarget).map((r) => r.entry),
          importRatio: rows.filter((r) => r.deployed.meetsImportRatioTarget).map((r) => r.entry),
          importRatioWithConfidence: rows
            .filter((r) => r.deployed.importRatioVerdict === "met")
            .map((r) => r.entry),
          importRatioAtTheLine: rows
            .filter((r) => r.deployed.importRatioVerdict === "at the line")
            .map((r) => r.entry),
        },
      },
      machine: {
        cpus: cpus.length,
        cpuModel: cpus[0]?.model.trim() ?? "unknown",
        loadAverage: { start: loadAtStart, end: loadAverage() },
      },
      node: spawnSync(node24, ["--version"], { encoding: "utf8" }).stdout.trim(),
      esbuild: esbuildVersion,
      method: {
        repetitions: REPS,
        bundles:
          "lib/bundling/index.ts esbuildOptions, per function as lib/bundle-inventory.ts reads them from the stacks",
        bytes:
          "what a cold start loads: index.mjs plus the chunks it imports statically (minified, source maps excluded); totalBytes adds the chunks loaded on first use (loadedOnFirstUse: an adapter whose SDK client only some routes need, or SDK code Node never reaches, such as the browser user-agent parser)",
        importMsP50WithSourceMaps:
          "the same bundle imported with NODE_OPTIONS=--enable-source-maps, as deployed with context sourceMaps=true (readable stack traces): what parsing the source map at load costs",
        importMs:
          "p50 of performance.now() around `await import(index.mjs)` in a fresh Node 24 process: module evaluation plus top-level cold-start work (config, the DynamoDB client, buildCore with PAGE_TOKEN_SECRET set, so no network); chunks loaded on first use are not loaded",
        baseline: "bench/probes/dynamodb-client.ts: one bare DynamoDB client at module scope",
        clientFloor:
          "p50(handler) / p50(a bundle holding only the bare SDK clients the handler loads at cold start, read from its build, each constructed once at module scope): the baseline for DynamoDB-only functions; what the handler adds over clients it cannot do without",
        importRatioInterval:
          "95% bootstrap interval of p50(handler) / p50(baseline), resampling whole rounds (2,000 resamples, seeded); verdict met when the interval lies at or under the target, not met when above, at the line when it straddles it",
        sdkFromRuntime:
          "the same bundles with @aws-sdk/* external, resolved from the project's node_modules as a stand-in for the Lambda runtime's copy",
        withTracer:
          "the same bundles built as with context powertoolsTracer=true (Powertools Tracer and aws-xray-sdk-core bundled, SDK clients instrumented; tracing itself idle, as outside Lambda)",
      },
      baseline: base,
      clientFloors: Object.fromEntries(floorSizes),
      handlers: rows,
      caveats: [
        "x86-64 here, ARM64 (Graviton) in Lambda, where CPU share scales with memory (1024 MB is about 0.6 vCPU): compare ratios, not absolute milliseconds, with Lambda init durations.",
        "A warm page cache and no package download: Lambda also fetches and unpacks the zip before init.",
        "The machine is shared with other work; loadAverage records how busy it was.",
      ],
    };
    const json = `${JSON.stringify(report, null, 2)}\n`;
    writeFileSync(resultsPath, json);
    process.stdout.write(json);
    log(`wrote ${resultsPath}`);
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

await main();
