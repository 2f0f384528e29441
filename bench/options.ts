/** Benchmark settings from the environment (see bench/README.md). */

export const OPERATION_KEYS = ["createModel", "createVersion", "getVersion", "listVersions"] as const;
export type OperationKey = (typeof OPERATION_KEYS)[number];

export interface BenchOptions {
  /** Measured requests per operation (and per model size for getVersion/listVersions). */
  samples: Record<OperationKey, number>;
  /** Requests sent before measuring each operation, not counted. */
  warmup: number;
  /** Versions of the "small" model the reads are measured on. */
  smallVersions: number;
  /** Versions of the "large" model the reads are measured on. */
  largeVersions: number;
  /** Page size of the list-versions request. */
  listLimit: number;
  /** Seed of the PRNG that picks versions for get-version. */
  seed: number;
  /** Where the JSON results are written. */
  resultsDir: string;
  /** Seeding longer than this is flagged in the output (the brief's ~4 minutes). */
  seedingBudgetSeconds: number;
}

export const DEFAULT_SAMPLES: Record<OperationKey, number> = {
  createModel: 300,
  createVersion: 300,
  getVersion: 500,
  listVersions: 500,
};

export function readOptions(env: Record<string, string | undefined> = process.env): BenchOptions {
  return {
    samples: parseSamples(env.BENCH_SAMPLES),
    warmup: parseInteger("BENCH_WARMUP", env.BENCH_WARMUP, 20, 0),
    smallVersions: parseInteger("BENCH_SMALL_VERSIONS", env.BENCH_SMALL_VERSIONS, 1000, 1),
    largeVersions: parseInteger("BENCH_LARGE_VERSIONS", env.BENCH_LARGE_VERSIONS, 10000, 1),
    listLimit: parseInteger("BENCH_LIST_LIMIT", env.BENCH_LIST_LIMIT, 20, 1, 100),
    seed: parseInteger("BENCH_SEED", env.BENCH_SEED, 20240601, 0),
    resultsDir: env.BENCH_RESULTS_DIR?.trim() || "bench/results",
    seedingBudgetSeconds: parseInteger(
      "BENCH_SEEDING_BUDGET_SECONDS",
      env.BENCH_SEEDING_BUDGET_SECONDS,
      240,
      1,
    ),
  };
}

/**
 * `BENCH_SAMPLES` accepts:
 * - `20`: every operation takes 20 samples;
 * - `0.1x`: a scale factor on the defaults (300/300/500/500), at least 1 each;
 * - `createModel=50,getVersion=100`: explicit counts, the rest keep their defaults.
 */
export function parseSamples(raw: string | undefined): Record<OperationKey, number> {
  const samples = { ...DEFAULT_SAMPLES };
  const value = raw?.trim();
  if (!value) return samples;
  if (/^\d+$/.test(value)) {
    const n = Number(value);
    if (n < 1) throw new Error("BENCH_SAMPLES must be at least 1");
    for (const key of OPERATION_KEYS) samples[key] = n;
    return samples;
  }
  const scale = /^(\d+(?:\.\d+)?)x$/i.exec(value);
  if (scale) {
    const factor = Number(scale[1]);
    if (!(factor > 0)) throw new Error("BENCH_SAMPLES scale factor must be greater than 0, e.g. 0.1x");
    for (const key of OPERATION_KEYS) samples[key] = Math.max(1, Math.round(DEFAULT_SAMPLES[key] * factor));
    return samples;
  }
  for (const part of value.split(",")) {
    const match = /^\s*(\w+)\s*=\s*(\d+)\s*$/.exec(part);
    const key = match?.[1] as OperationKey | undefined;
    if (!match || !key || !OPERATION_KEYS.includes(key) || Number(match[2]) < 1) {
      throw new Error(
        `BENCH_SAMPLES: cannot read "${part}"; use a count (20), a scale factor (0.1x) or ` +
          `key=count pairs with keys ${OPERATION_KEYS.join(", ")}`,
      );
    }
    samples[key] = Number(match[2]);
  }
  return samples;
}

function parseInteger(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = raw?.trim();
  if (!value) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
    throw new Error(`${name} must be a whole number ${range} (got "${raw}")`);
  }
  return Number(value);
}
