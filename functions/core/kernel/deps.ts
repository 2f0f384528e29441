/**
 * What every use case is given: the ports it may use and the policies of the unit of work.
 * Built once per function instance by the composition root (`functions/http/composition.ts`);
 * tests build it with the in-memory store.
 */
import type { ArtifactUploads, Clock, Logger, RegistryStore } from "../ports.ts";

export interface RetryPolicy {
  /** How many times a mutation is decided again after losing a race before giving up with a 409. */
  attempts: number;
  /** Upper bound of the random back-off before attempt `n` (1-based), in milliseconds. */
  backoffMs(attempt: number): number;
}

export interface CoreDeps {
  store: RegistryStore;
  uploads: ArtifactUploads;
  clock: Clock;
  retry: RetryPolicy;
  logger: Logger;
}

export const defaultRetry: RetryPolicy = {
  attempts: 80,
  backoffMs: (attempt) => Math.min(100, 4 * 1.5 ** Math.min(attempt, 12)),
};

const systemClock: Clock = { now: () => new Date() };

const consoleLogger: Logger = {
  error: (message, ...extra) =>
    console.error(JSON.stringify(Object.assign({ level: "ERROR", message }, ...extra))),
};

export function createCoreDeps(
  deps: Pick<CoreDeps, "store" | "uploads"> & Partial<Omit<CoreDeps, "store" | "uploads">>,
): CoreDeps {
  return {
    clock: systemClock,
    retry: defaultRetry,
    logger: consoleLogger,
    ...deps,
  };
}
