/** Latency percentiles and DynamoDB usage summaries for the benchmark report. */

/** One measured request: client-side wall time plus what the server said it cost in DynamoDB. */
export interface Sample {
  latencyMs: number;
  /** `x-registry-dynamodb-round-trips`; undefined when the header was missing. */
  roundTrips: number | undefined;
  /** `x-registry-dynamodb-capacity-units`; undefined when the header was missing. */
  capacityUnits: number | undefined;
  /** `x-registry-dynamodb-operations`, e.g. `GetItem,TransactWriteItems`; undefined when missing. */
  operations: string | undefined;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

export interface NumberSummary {
  min: number;
  max: number;
  mean: number;
}

export interface OperationSummary {
  samples: number;
  latencyMs: LatencySummary;
  dynamodb: {
    roundTrips: NumberSummary | null;
    /** Distinct `x-registry-dynamodb-operations` values and how many requests sent each. */
    operations: Record<string, number>;
    /** Per request. Null when no response carried the header. */
    capacityUnits: NumberSummary | null;
    /** Requests whose response lacked one of the usage headers (should be 0). */
    missingUsageHeaders: number;
  };
}

/** Nearest-rank percentile of an ascending array (p in 0–100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error("percentile of an empty sample");
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function summarizeLatency(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, v) => sum + v, 0) / sorted.length;
  return {
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    mean: round(mean),
    min: round(sorted[0] as number),
    max: round(sorted[sorted.length - 1] as number),
  };
}

export function summarizeNumbers(values: readonly number[]): NumberSummary | null {
  if (values.length === 0) return null;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  return { min: round(min), max: round(max), mean: round(sum / values.length) };
}

export function summarizeOperation(samples: readonly Sample[]): OperationSummary {
  const operations: Record<string, number> = {};
  for (const s of samples) {
    if (s.operations !== undefined) operations[s.operations] = (operations[s.operations] ?? 0) + 1;
  }
  const defined = (values: (number | undefined)[]) => values.filter((v): v is number => v !== undefined);
  return {
    samples: samples.length,
    latencyMs: summarizeLatency(samples.map((s) => s.latencyMs)),
    dynamodb: {
      roundTrips: summarizeNumbers(defined(samples.map((s) => s.roundTrips))),
      operations,
      capacityUnits: summarizeNumbers(defined(samples.map((s) => s.capacityUnits))),
      missingUsageHeaders: samples.filter(
        (s) => s.roundTrips === undefined || s.capacityUnits === undefined || s.operations === undefined,
      ).length,
    },
  };
}

/** How many times `name` occurs in an operations header value such as `GetItem,TransactWriteItems`. */
export function countOperation(operations: string | undefined, name: string): number {
  if (operations === undefined) return 0;
  return operations.split(",").filter((op) => op.trim() === name).length;
}

/** Deterministic PRNG (mulberry32), so "random" versions are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const median = (values: readonly number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

/**
 * The ratio of two samples' medians (`subject / baseline`) with a 95% bootstrap interval: both
 * samples are taken from the same interleaved rounds, so each resample draws whole rounds (the
 * pair measured together), which keeps the drift of a shared machine out of the interval.
 */
export function medianRatioInterval(
  subject: readonly number[],
  baseline: readonly number[],
  resamples = 2000,
): { ratio: number; low: number; high: number } {
  if (subject.length !== baseline.length || subject.length === 0)
    throw new Error("medianRatioInterval needs two samples from the same rounds");
  const random = seededRandom(subject.length * 7919 + resamples);
  const ratios: number[] = [];
  for (let i = 0; i < resamples; i++) {
    const picked = Array.from({ length: subject.length }, () => Math.floor(random() * subject.length));
    ratios.push(
      median(picked.map((k) => subject[k] as number)) / median(picked.map((k) => baseline[k] as number)),
    );
  }
  ratios.sort((a, b) => a - b);
  return {
    ratio: round(median(subject) / median(baseline), 2),
    low: round(percentile(ratios, 2.5), 2),
    high: round(percentile(ratios, 97.5), 2),
  };
}
