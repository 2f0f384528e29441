/** Sends signed requests one at a time and records their wall time and DynamoDB usage headers. */
import { performance } from "node:perf_hooks";
import type { RegistryClient, RequestOptions } from "../clients/typescript/registry-client.ts";
import type { Sample } from "./stats.ts";

export interface BenchRequest extends RequestOptions {
  /** The status a correct response has; anything else fails the run. */
  expectStatus: number;
  /** Further checks on the parsed body; return a message to fail the run. */
  check?: (body: unknown) => string | undefined;
}

export class BenchFailure extends Error {}

/** One request; throws BenchFailure when the response is not the expected one. */
export async function send(client: RegistryClient, request: BenchRequest): Promise<Sample> {
  const { expectStatus, check, ...options } = request;
  const started = performance.now();
  const response = await client.request(options);
  const latencyMs = performance.now() - started;
  const what = `${options.method} ${options.path}`;
  if (response.status !== expectStatus) {
    throw new BenchFailure(
      `${what} returned ${response.status}, expected ${expectStatus}: ${response.rawBody.slice(0, 500)}`,
    );
  }
  const problem = check?.(response.body);
  if (problem) throw new BenchFailure(`${what}: ${problem}`);
  return {
    latencyMs,
    roundTrips: numberHeader(response.headers["x-registry-dynamodb-round-trips"]),
    capacityUnits: numberHeader(response.headers["x-registry-dynamodb-capacity-units"]),
    operations: response.headers["x-registry-dynamodb-operations"],
  };
}

function numberHeader(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** `warmup` unmeasured requests, then `count` measured ones, strictly sequential. */
export async function measure(
  client: RegistryClient,
  warmup: number,
  count: number,
  makeRequest: (index: number, phase: "warmup" | "measured") => BenchRequest,
): Promise<Sample[]> {
  for (let i = 0; i < warmup; i++) await send(client, makeRequest(i, "warmup"));
  const samples: Sample[] = [];
  for (let i = 0; i < count; i++) samples.push(await send(client, makeRequest(i, "measured")));
  return samples;
}

/**
 * Measures several operations whose results are compared with each other (the same read on a
 * small and a large model) by alternating them request by request, in ABBA order, so drift over
 * the run (JIT, GC, the emulator's JVM warming up) affects them alike. Sequential: one request
 * at a time. Returns one sample list per operation, in the order given.
 */
export async function measureInterleaved(
  client: RegistryClient,
  warmup: number,
  count: number,
  operations: readonly ((index: number, phase: "warmup" | "measured") => BenchRequest)[],
): Promise<Sample[][]> {
  const order = (i: number) => {
    const indexes = operations.map((_, k) => k);
    return i % 2 === 0 ? indexes : indexes.reverse();
  };
  for (let i = 0; i < warmup; i++) {
    for (const k of order(i)) await send(client, (operations[k] as (typeof operations)[number])(i, "warmup"));
  }
  const samples: Sample[][] = operations.map(() => []);
  for (let i = 0; i < count; i++) {
    for (const k of order(i)) {
      const make = operations[k] as (typeof operations)[number];
      (samples[k] as Sample[]).push(await send(client, make(i, "measured")));
    }
  }
  return samples;
}
