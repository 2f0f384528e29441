/**
 * Cold-start measurement for one build decision: bundle the AWS SDK v3 into each Lambda bundle,
 * or mark `@aws-sdk/*` external and use the copy in the Node.js 24 Lambda runtime.
 *
 * `node --import tsx bench/cold-start.ts` (a measurement, not a test). For every HTTP handler it
 * builds two bundles with the deployed esbuild configuration (`lib/bundling.ts`), then times, in fresh Node 24 processes, how long `await import(bundle)` takes
 * (the models/versions/aliases handlers run `await buildCore()` at top level). Prints one JSON
 * document on stdout (progress on stderr) and writes it to `bench/results/cold-start-latest.json`.
 *
 * Settings: `COLD_START_REPS` (measured processes per handler and variant, default 15).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { type BuildOptions, build, version as esbuildVersion } from "esbuild";
import { esbuildOptions } from "../lib/bundling.ts";
import { gitFacts, loadAverage } from "./report.ts";
import { percentile, round } from "./stats.ts";

const projectRoot = fileURLToPath(new URL("../", import.meta.url));
/** Inside the project so the external variant resolves `@aws-sdk/*` from the project's node_modules. */
const tmpDir = join(projectRoot, "bench", ".cold-start-tmp");
const resultsPath = join(projectRoot, "bench", "results", "cold-start-latest.json");
/** The Node 24 the project pins (the Lambda runtime is Node.js 24). */
const node24 = join(projectRoot, "node_modules", ".bin", "node");

const COMMAND = "node --import tsx bench/cold-start.ts";
const HANDLERS = ["service", "models", "versions", "aliases"] as const;
const VARIANTS = ["bundled", "external"] as const;
type Handler = (typeof HANDLERS)[number];
type Variant = (typeof VARIANTS)[number];

const REPS = Number(process.env.COLD_START_REPS ?? 15);
if (!Number.isInteger(REPS) || REPS < 1) throw new Error("COLD_START_REPS must be a positive integer");

/**
 * Decision rule, fixed before looking at the numbers: a bundled (pinned) SDK is the default because
 * the tested code is then the deployed code; mark `@aws-sdk/*` external only if that makes the
 * import at least this much faster (p50) on every handler that loads the SDK.
 */
const EXTERNAL_MIN_GAIN = { ms: 25, fraction: 0.1 };

/** The deployed esbuild configuration (lib/bundling.ts), with `@aws-sdk/*` external for that variant. */
function variantOptions(entry: string, outdir: string, variant: Variant): BuildOptions {
  const options = esbuildOptions({ entry, outdir });
  if (variant === "external") options.external = [...(options.external ?? []), "@aws-sdk/*"];
  return options;
}

interface BundleFacts {
  bytes: number;
  gzipBytes: number;
  sourceMapBytes: number;
  sourceMapGzipBytes: number;
  /** Bare imports left in the bundle (resolved at run time), node: built-ins excepted. */
  externalImports: string[];
  buildMs: number;
}

async function buildBundle(
  handler: Handler,
  variant: Variant,
): Promise<{ file: string; facts: BundleFacts }> {
  const dir = join(tmpDir, `${handler}-${variant}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "index.mjs");
  const started = performance.now();
  const result = await build(variantOptions(`functions/http/handlers/${handler}.ts`, dir, variant));
  const buildMs = performance.now() - started;
  const externals = new Set<string>();
  for (const output of Object.values(result.metafile?.outputs ?? {})) {
    for (const imp of output.imports) {
      if (imp.external && !imp.path.startsWith("node:")) externals.add(imp.path);
    }
  }
  const js = readFileSync(file);
  const map = readFileSync(`${file}.map`);
  return {
    file,
    facts: {
      bytes: statSync(file).size,
      gzipBytes: gzipSync(js).length,
      sourceMapBytes: map.length,
      sourceMapGzipBytes: gzipSync(map).length,
      externalImports: [...externals].sort(),
      buildMs: round(buildMs, 1),
    },
  };
}

// Runs in the child: times only the import of the bundle, and checks it exports `handler`.
const WRAPPER = `const before = performance.now();
const mod = await import(process.argv[2]);
const after = performance.now();
if (typeof mod.handler !== "function") throw new Error("bundle does not export handler");
process.stdout.write(JSON.stringify({ importMs: after - before, bootMs: before }) + "\\n");
`;

/** The environment of a deployed function, minus what would reach the network. */
function childEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    // As RegistryFunction sets it: source maps are loaded with the bundle.
    NODE_OPTIONS: "--enable-source-maps",
    SERVICE_NAME: "model-registry",
    TABLE_NAME: "t",
    ARTIFACT_BUCKET: "b",
    PAGE_TOKEN_SECRET: "0123456789abcdef0123456789abcdef",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "x",
    AWS_SECRET_ACCESS_KEY: "y",
    // No NODE_COMPILE_CACHE: every process compiles from scratch, as a cold Lambda does.
  };
}

interface Run {
  importMs: number;
  bootMs: number;
  processMs: number;
}

function runOnce(wrapper: string, bundle: string): Run {
  const started = performance.now();
  const child = spawnSync(node24, [wrapper, pathToFileURL(bundle).href], {
    env: childEnv(),
    encoding: "utf8",
    timeout: 60_000,
  });
  const processMs = performance.now() - started;
  if (child.status !== 0) {
    throw new Error(`importing ${bundle} failed (exit ${child.status}):\n${child.stderr}`);
  }
  const line = child.stdout.trim().split("\n").pop() ?? "";
  const { importMs, bootMs } = JSON.parse(line) as { importMs: number; bootMs: number };
  return { importMs, bootMs, processMs };
}

function summary(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 50), 1),
    min: round(sorted[0] as number, 1),
    max: round(sorted[sorted.length - 1] as number, 1),
  };
}

function packageVersion(name: string): string {
  try {
    const text = readFileSync(join(projectRoot, "node_modules", name, "package.json"), "utf8");
    return (JSON.parse(text) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

function log(line: string): void {
  process.stderr.write(`[cold-start] ${line}\n`);
}

async function main(): Promise<void> {
  const date = new Date();
  const loadAtStart = loadAverage();
  const childNode = spawnSync(node24, ["--version"], { encoding: "utf8" }).stdout.trim();
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });
  try {
    const wrapper = join(tmpDir, "import.mjs");
    writeFileSync(wrapper, WRAPPER);

    const bundles = new Map<string, { file: string; facts: BundleFacts }>();
    for (const handler of HANDLERS) {
      for (const variant of VARIANTS) {
        bundles.set(`${handler}/${variant}`, await buildBundle(handler, variant));
      }
    }
    log(`built ${bundles.size} bundles in ${tmpDir}`);

    const bundleOf = (h: Handler, v: Variant) => bundles.get(`${h}/${v}`)!.file;
    // One unmeasured run each, so every variant starts from a warm file-system cache.
    for (const handler of HANDLERS)
      for (const variant of VARIANTS) runOnce(wrapper, bundleOf(handler, variant));

    const runs = new Map<string, Run[]>();
    for (let rep = 0; rep < REPS; rep++) {
      for (const handler of HANDLERS) {
        // Alternate which variant goes first (ABBA), so drift on the machine hits both alike.
        const order = rep % 2 === 0 ? VARIANTS : ([...VARIANTS].reverse() as Variant[]);
        for (const variant of order) {
          const key = `${handler}/${variant}`;
          const list = runs.get(key) ?? [];
          list.push(runOnce(wrapper, bundleOf(handler, variant)));
          runs.set(key, list);
        }
      }
      log(`repetition ${rep + 1}/${REPS}`);
    }

    const handlers: Record<string, unknown> = {};
    const sdkHandlerGains: { handler: Handler; ms: number; fraction: number; gzipSaved: number }[] = [];
    for (const handler of HANDLERS) {
      const entry: Record<string, unknown> = {};
      const p50 = {} as Record<Variant, number>;
      for (const variant of VARIANTS) {
        const key = `${handler}/${variant}`;
        const list = runs.get(key)!;
        const importMs = summary(list.map((r) => r.importMs));
        p50[variant] = importMs.p50;
        entry[variant] = {
          ...bundles.get(key)!.facts,
          importMs,
          processMs: summary(list.map((r) => r.processMs)),
          nodeBootMs: summary(list.map((r) => r.bootMs)),
          samples: list.length,
        };
      }
      const gain = p50.bundled - p50.external;
      // Positive: the external-SDK bundle imports slower than the bundled one.
      entry.externalMinusBundledImportMsP50 = round(-gain, 1);
      handlers[handler] = entry;
      if (handler !== "service") {
        const facts = (v: Variant) => bundles.get(`${handler}/${v}`)!.facts;
        const gzipSaved =
          facts("bundled").gzipBytes +
          facts("bundled").sourceMapGzipBytes -
          facts("external").gzipBytes -
          facts("external").sourceMapGzipBytes;
        sdkHandlerGains.push({ handler, ms: gain, fraction: gain / p50.bundled, gzipSaved });
      }
    }

    const externalWins = sdkHandlerGains.every(
      (g) => g.ms >= EXTERNAL_MIN_GAIN.ms && g.fraction >= EXTERNAL_MIN_GAIN.fraction,
    );
    const signed = (ms: number) => `${ms >= 0 ? "+" : ""}${round(ms, 1)} ms`;
    // Import p50 of the external variant relative to the bundled one, per SDK handler.
    const deltas = sdkHandlerGains.map((g) => `${g.handler} ${signed(-g.ms)}`).join(", ");
    const kib = (bytes: number) => Math.round(bytes / 1024);
    const saved = sdkHandlerGains.map((g) => g.gzipSaved);
    const [fewest, most] = [kib(Math.min(...saved)), kib(Math.max(...saved))];
    const savedRange = fewest === most ? `${most} KiB` : `${fewest}-${most} KiB`;
    const allSlower = sdkHandlerGains.every((g) => g.ms < 0);
    const decision = {
      externalModules: externalWins ? ["@aws-sdk/*"] : [],
      rule:
        `bundle (pin) the SDK unless marking @aws-sdk/* external cuts import p50 by at least ` +
        `${EXTERNAL_MIN_GAIN.ms} ms and ${EXTERNAL_MIN_GAIN.fraction * 100}% on every SDK-loading handler`,
      reasoning: externalWins
        ? `Marking @aws-sdk/* external changed import p50 by ${deltas} and saved ${savedRange} gzip per bundle, enough to outweigh pinning the SDK version.`
        : `Keep the SDK bundled: with @aws-sdk/* external the import was ${allSlower ? "slower" : "not meaningfully faster"} (p50 vs bundled: ${deltas}) and saved only ${savedRange} of gzip per bundle (index.mjs plus map), while bundling pins the SDK version so the tested code is the deployed code.`,
    };

    const cpus = os.cpus();
    const report = {
      command: COMMAND,
      date: date.toISOString(),
      git: gitFacts(),
      question:
        "Bundle the AWS SDK v3 (@aws-sdk/*, @smithy/*) into the Lambda bundles, or mark @aws-sdk/* external and use the Node.js 24 runtime's copy?",
      machine: {
        os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
        cpus: cpus.length,
        cpuModel: cpus[0]?.model.trim() ?? "unknown",
        totalMemoryGiB: round(os.totalmem() / 1024 ** 3, 1),
        loadAverage: { start: loadAtStart, end: loadAverage() },
      },
      node: { measured: childNode, measuredBinary: "node_modules/.bin/node", runner: process.version },
      versions: {
        esbuild: esbuildVersion,
        sdk: Object.fromEntries(
          [
            "@aws-sdk/client-dynamodb",
            "@aws-sdk/client-s3",
            "@aws-sdk/client-secrets-manager",
            "@aws-sdk/lib-dynamodb",
            "@aws-sdk/s3-request-presigner",
          ].map((name) => [name, packageVersion(name)]),
        ),
      },
      method: {
        repetitions: REPS,
        order:
          "one unmeasured warm-up process per bundle, then per repetition and handler both variants, alternating which goes first",
        bundles:
          "esbuild JS API with the deployed configuration (lib/bundling.ts esbuildOptions); bundled as deployed, or with '@aws-sdk/*' added to external",
        externalResolution:
          "external bundles are placed in bench/.cold-start-tmp/ (deleted afterwards) and resolve @aws-sdk/* from the project's node_modules, standing in for the runtime's preinstalled SDK",
        importMs:
          "performance.now() around `await import(bundle)` in a fresh process (includes buildCore() at top level for models/versions/aliases)",
        processMs:
          "wall time of the whole child process (spawn, Node boot, import, exit), taken by the parent",
        nodeBootMs: "performance.now() in the child just before the import (Node's own start-up)",
        childEnvironment:
          "NODE_OPTIONS=--enable-source-maps (as deployed), TABLE_NAME, ARTIFACT_BUCKET, PAGE_TOKEN_SECRET (32 chars), AWS_REGION, dummy AWS credentials; no network calls; no NODE_COMPILE_CACHE",
        sizes:
          "bytes of index.mjs and index.mjs.map; gzip at zlib's default level, roughly what the deployment zip stores",
      },
      handlers,
      decision,
      caveats: [
        "Local machine, not Lambda: x86-64 here versus ARM64 (Graviton) in Lambda, whose CPU share scales with memory (1024 MB is about 0.6 vCPU), and a warm page cache here; compare the variants with each other, not with Lambda init durations.",
        "In Lambda the runtime's SDK is loaded from the runtime's own disk layer, not from the function package; its read cost on a cold sandbox is not reproduced here.",
        "The Lambda runtime's SDK version is not pinned by us and changes with runtime updates; the external variant here used the project's pinned versions (listed under versions.sdk), so its numbers approximate a runtime whose SDK version differs.",
        "A pinned, bundled SDK means the code tested is the code deployed; an external SDK means production may run an SDK version no test has run.",
        "Lambda fetches and unpacks the function package before init; the larger zip of the bundled variant (see sizes) is not timed here.",
        "Import time only: the SDK lazily loads more (credential chain, signer, HTTP handler) on the first request, which neither variant measures.",
        "The machine is shared; machine.loadAverage records how busy it was.",
      ],
    };

    const json = `${JSON.stringify(report, null, 2)}\n`;
    mkdirSync(join(projectRoot, "bench", "results"), { recursive: true });
    writeFileSync(resultsPath, json);
    process.stdout.write(json);
    log(`wrote ${resultsPath}`);
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

await main();
