/**
 * Ports: what the domain core needs from the outside world. Adapters in `functions/adapters`
 * implement them; tests pass their own implementations in.
 */

import type {
  HistoryRecord,
  ModelRecord,
  StageTenureRecord,
  TransitionRecord,
  VersionRecord,
} from "./records.ts";
import type { Artifact, OPEN_TRANSITION_STATUSES, ValidationCheck } from "./schemas.ts";

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
  /**
   * Put a transition request. `expectRev: null` means it must not exist yet. While its status is
   * open (REQUESTED, VALIDATING, AWAITING_APPROVAL) the store keeps it in the open-transitions
   * index (pending approvals, recovery); a terminal status takes it out.
   */
  | { kind: "putTransition"; record: TransitionRecord; expectRev: number | null }
  /**
   * Begin (`expect: "new"`: must not exist) or end (`expect: "open"`: must exist without
   * `until`) a version's tenure in a stage.
   */
  | { kind: "putStageTenure"; record: StageTenureRecord; expect: "new" | "open" }
  /**
   * Claim an Idempotency-Key: the record must not exist, or must have expired before `now`
   * (epoch seconds, read from the core's clock: stores never read a clock of their own).
   */
  | { kind: "claimIdempotency"; record: IdempotencyRecord; now: number };

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

export interface ListTransitionsFilter {
  /** Only this version's transitions (served by an index, not a filter). */
  version?: number;
  status?: string;
  limit: number;
  nextToken?: string;
}

export type OpenTransitionStatus = (typeof OPEN_TRANSITION_STATUSES)[number];

export interface ListOpenTransitionsFilter {
  /** Only transitions in this open status (AWAITING_APPROVAL: an approver's queue). */
  status?: OpenTransitionStatus;
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
  /**
   * The record of an Idempotency-Key, or undefined when there is none or it expired before `now`
   * (epoch seconds, from the core's clock; DynamoDB's TTL deletes lazily).
   */
  getIdempotencyRecord(scope: string, now: number): Promise<IdempotencyRecord | undefined>;
  getTransition(model: string, id: string): Promise<TransitionRecord | undefined>;
  /** A model's transitions (or one version's), newest first. */
  listTransitions(model: string, filter: ListTransitionsFilter): Promise<Page<TransitionRecord>>;
  /** Open transitions of every model, by status, then oldest first: an approver's queue, and local recovery. */
  listOpenTransitions(filter: ListOpenTransitionsFilter): Promise<Page<TransitionRecord>>;
  /** Who held a stage of a model, newest tenure first. */
  listStageTenures(
    model: string,
    stage: string,
    page: { limit: number; nextToken?: string },
  ): Promise<Page<StageTenureRecord>>;
  /** Commits every op in one transaction, or none. Throws `WriteConflict` when a condition fails. */
  commit(ops: WriteOp[]): Promise<void>;
  /** Deletes the version items of a deleted (tombstoned) model; safe to repeat. */
  purgeVersions(model: string): Promise<number>;
}

/** A presigned single PUT: the client sends exactly these headers (they are signed). */
export interface PresignedPut {
  url: string;
  headers: Record<string, string>;
}

/** What S3 says about a stored object. */
export interface ObjectFacts {
  size: number;
  /** The object's full-object SHA-256 (hex), when S3 has one; never a composite (per-part) one. */
  sha256?: string;
  /** S3's version id of these bytes (the bucket is versioned): a seal pins the version to it. */
  versionId?: string;
}

export interface UploadedPart {
  partNumber: number;
  etag: string;
  size: number;
}

export type CompleteMultipartResult =
  | { ok: true }
  | { ok: false; reason: "noSuchUpload" | "invalidParts" | "objectExists"; message: string };

/**
 * The artifact bucket, as the core needs it. Addressed by model, version and artifact path;
 * only the adapter builds keys (`models/<model>/versions/<n>/<path>`). No business rules here:
 * the core decides single or multipart, part sizes, which URLs and for how long.
 */
export interface ArtifactStorage {
  /** `s3://bucket/key` of an artifact (for events and deploy pipelines). */
  uri(model: string, version: number, path: string): string;
  /**
   * A PUT URL bound to the declared SHA-256 and content type; with `overwrite: false` also to
   * `If-None-Match: *`, so it can never replace an object that exists.
   */
  presignPut(
    model: string,
    version: number,
    artifact: Artifact,
    options: { expiresIn: number; overwrite: boolean },
  ): Promise<PresignedPut>;
  /** Starts a multipart upload; returns S3's upload id. */
  startMultipartUpload(model: string, version: number, artifact: Artifact): Promise<string>;
  presignParts(
    model: string,
    version: number,
    path: string,
    uploadId: string,
    partNumbers: number[],
    expiresIn: number,
  ): Promise<{ partNumber: number; url: string }[]>;
  /** The parts S3 holds, or undefined when it no longer knows the upload (completed or aborted). */
  listParts(
    model: string,
    version: number,
    path: string,
    uploadId: string,
  ): Promise<UploadedPart[] | undefined>;
  completeMultipartUpload(
    model: string,
    version: number,
    path: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
    options: { overwrite: boolean },
  ): Promise<CompleteMultipartResult>;
  /** Aborts a multipart upload and frees its parts; an upload S3 no longer knows is no error. */
  abortMultipartUpload(model: string, version: number, path: string, uploadId: string): Promise<void>;
  /**
   * Size, version id and (when S3 has one) full-object SHA-256 of the current object, or of
   * exactly `versionId` when given; undefined when there is no such object or version.
   */
  head(model: string, version: number, path: string, versionId?: string): Promise<ObjectFacts | undefined>;
  /**
   * Reads the whole object (exactly `versionId` when given) once through SHA-256 (constant
   * memory), with the version id read; undefined when missing.
   */
  digest(
    model: string,
    version: number,
    path: string,
    versionId?: string,
  ): Promise<{ size: number; sha256: string; versionId?: string } | undefined>;
  /** A GET URL; with `versionId`, of exactly that version (what a sealed artifact pins). */
  presignGet(
    model: string,
    version: number,
    path: string,
    expiresIn: number,
    versionId?: string,
  ): Promise<string>;
}

/** Starts the verifier of a sealed version without waiting for it (an asynchronous invoke). */
export interface ArtifactVerification {
  start(request: VerificationRequest): Promise<void>;
}

/** What the verifier is asked to check: the version, and the seal that asked (for history). */
export interface VerificationRequest {
  model: string;
  version: number;
  /** `verification.startedAt` of the seal that asked: a stale or repeated request is ignored. */
  startedAt: string;
}

export interface Clock {
  now(): Date;
}

/** Where the core reports what it cannot tell the caller (a failed clean-up after a committed change). */
export interface Logger {
  /** Powertools' Logger has this shape: each `extra` object is merged into the log line. */
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/**
 * Resumes or stops the workflow execution waiting on a task token: `SendTaskSuccess` and
 * `SendTaskFailure` in AWS, the same calls into the local runner in local mode. Both answer
 * `false` when the execution no longer waits on that token (it timed out, was resumed already,
 * or was stopped): the decision is recorded either way, so repeating it is harmless.
 */
export interface WorkflowControl {
  resume(token: string, output: Record<string, unknown>): Promise<boolean>;
  fail(token: string, error: WorkflowStopReason, cause: string): Promise<boolean>;
  /**
   * Starts a new execution that takes over an open request (`resume: true`, as local mode's
   * recovery after a restart does): when the execution waiting on it is gone. The new execution
   * runs on the state machine of `execution` (the gone one's ARN). `name` makes the start
   * idempotent: an execution of that name already started counts as started.
   */
  restart(
    transition: { model: string; transitionId: string },
    execution: string,
    name: string,
  ): Promise<void>;
}

/** The error names the state machine catches when an approval wait is stopped. */
export type WorkflowStopReason = "Rejected" | "Cancelled";

/** What a policy's custom validation function is sent. */
export interface CustomValidationRequest {
  model: string;
  version: number;
  transitionId: string;
  from: string;
  to: string;
  /** The version as the API shows it. */
  modelVersion: unknown;
}

/** What it answers. Anything else counts as a failed check, with the reason. */
export interface CustomValidationAnswer {
  passed: boolean;
  checks?: ValidationCheck[];
}

/** Invokes a policy's custom validation Lambda function (synchronously). */
export interface CustomValidator {
  validate(functionArn: string, request: CustomValidationRequest): Promise<CustomValidationAnswer>;
}
