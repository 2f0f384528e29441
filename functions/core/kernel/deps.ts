/**
 * What every use case is given: the ports it may use and the policies of the unit of work.
 * Built once per function instance by the composition root (`functions/http/composition.ts`);
 * tests build it with the in-memory store.
 */
import { defaultUploadPolicy, type UploadPolicy } from "../artifacts/upload-plan.ts";
import type { ArtifactStorage, ArtifactVerification, Clock, Logger, RegistryStore } from "../ports.ts";

export interface RetryPolicy {
  /** How many times a mutation is decided again after losing a race before giving up with a 409. */
  attempts: number;
  /** Upper bound of the random back-off before attempt `n` (1-based), in milliseconds. */
  backoffMs(attempt: number): number;
}

export interface CoreDeps {
  store: RegistryStore;
  artifacts: ArtifactStorage;
  /** Starts the verifier after a seal that S3's checksums cannot settle. */
  verification: ArtifactVerification;
  uploadPolicy: UploadPolicy;
  /**
   * A version VERIFYING for longer than this (the verifier's timeout plus a margin) is assumed
   * abandoned (a lost asynchronous invoke, a crashed verifier): sealing it again restarts it.
   */
  verificationStaleAfterMs: number;
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

/** A function that never seals (only the artifacts group does) gets this instead of a verifier. */
const noVerifier: ArtifactVerification = {
  start: async () => {
    throw new Error("this function has no artifact verifier: seal through the artifacts route group");
  },
};

export function createCoreDeps(
  deps: Pick<CoreDeps, "store" | "artifacts"> & Partial<Omit<CoreDeps, "store" | "artifacts">>,
): CoreDeps {
  return {
    verification: noVerifier,
    uploadPolicy: defaultUploadPolicy,
    verificationStaleAfterMs: 20 * 60 * 1000,
    clock: systemClock,
    retry: defaultRetry,
    logger: consoleLogger,
    ...deps,
  };
}
