/**
 * Ports: what the domain core needs from the outside world. Adapters in `functions/adapters`
 * implement them; tests pass their own implementations in.
 */

import type { z } from "zod";
import type { HistoryRecord, ModelRecord, VersionRecord } from "./records.ts";
import type { Artifact, UploadInstruction } from "./schemas.ts";

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export interface IdempotencyRecord {
  /** Identifies the caller and the key: the same key from two callers never collides. */
  scope: string;
  /** Method, path and canonical body of the first request: a different request with the key is refused. */
  fingerprint: string;
  /** The first response's body, returned again to every retry. */
  body: unknown;
  createdAt: string;
  /** When the record may be forgotten (epoch seconds; DynamoDB TTL). */
  expiresAt: number;
}

/**
 * One change to one item. A mutation is a list of these, committed all-or-nothing.
 * The store builds keys and condition expressions; the core decides what to write.
 */
export type WriteOp =
  /** Put the model item. `expectSeq: null` means the model must not exist yet. */
  | { kind: "putModel"; record: ModelRecord; expectSeq: number | null }
  /** Put a version item. `expectRev: null` means the version must not exist yet. */
  | { kind: "putVersion"; record: VersionRecord; expectRev: number | null }
  /** Add or remove an alias name on an existing version item. */
  | { kind: "tagVersionAlias"; model: string; version: number; alias: string; action: "add" | "remove" }
  | { kind: "putHistory"; record: HistoryRecord }
  | { kind: "claimIdempotency"; record: IdempotencyRecord };

/** The commit lost a race or broke a condition; `failed` lists the ops whose condition failed. */
export class WriteConflict extends Error {
  constructor(
    readonly failed: WriteOp["kind"][],
    /** True when DynamoDB reported a conflicting transaction in flight rather than a condition. */
    readonly transient: boolean,
  ) {
    super(`write conflict on ${failed.join(", ") || "a concurrent transaction"}`);
    this.name = "WriteConflict";
  }
}

export interface ListModelsFilter {
  prefix?: string;
  tag?: { key: string; value: string };
  owner?: string;
  limit: number;
  nextToken?: string;
}

export interface ListVersionsFilter {
  stage?: string;
  status?: string;
  limit: number;
  nextToken?: string;
}

export interface RegistryStore {
  /** Returns tombstones too (with `deletedAt`); the core decides what a tombstone means. */
  getModel(name: string): Promise<ModelRecord | undefined>;
  listModels(filter: ListModelsFilter): Promise<Page<ModelRecord>>;
  getVersion(model: string, version: number): Promise<VersionRecord | undefined>;
  /** Both versions in one round trip; missing ones are absent from the result. */
  getVersions(model: string, versions: number[]): Promise<VersionRecord[]>;
  listVersions(model: string, filter: ListVersionsFilter): Promise<Page<VersionRecord>>;
  listHistory(model: string, page: { limit: number; nextToken?: string }): Promise<Page<HistoryRecord>>;
  getIdempotencyRecord(scope: string): Promise<IdempotencyRecord | undefined>;
  /** Commits every op in one transaction, or none. Throws `WriteConflict` when a condition fails. */
  commit(ops: WriteOp[]): Promise<void>;
  /** Deletes the version items of a deleted (tombstoned) model; safe to repeat. */
  purgeVersions(model: string): Promise<number>;
}

/** Produces upload instructions (presigned URLs) for declared artifacts. */
export interface ArtifactUploads {
  planUploads(
    model: string,
    version: number,
    artifacts: Artifact[],
  ): Promise<z.infer<typeof UploadInstruction>[]>;
}

export interface Clock {
  now(): Date;
}

/** Where the core reports what it cannot tell the caller (a failed clean-up after a committed change). */
export interface Logger {
  /** Powertools' Logger has this shape: each `extra` object is merged into the log line. */
  error(message: string, ...extra: Record<string, unknown>[]): void;
}
