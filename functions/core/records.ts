/**
 * What the registry stores, and how a stored record becomes the API's representation.
 * Records carry the bookkeeping the API does not show: `rev` (bumps on edits; the ETag),
 * `seq` (the model's last history sequence number) and tombstones.
 */

import type * as z from "zod/mini";
import {
  HISTORY_ORDER,
  inKeyOrder,
  MODEL_ORDER,
  MODEL_POLICY_ORDER,
  STAGE_TENURE_ORDER,
  TRANSITION_ORDER,
  VERSION_ORDER,
} from "./key-order.ts";
import { policyDigest, stricterPolicy } from "./lifecycle/policy.ts";
import type {
  Artifact,
  HistoryEntry,
  Lineage,
  Model,
  ModelPolicy,
  ModelVersion,
  Policy,
  Signature,
  Stage,
  StageRequirements,
  StageTenure,
  Transition,
  Verification,
  VersionStatus,
} from "./schemas.ts";

export interface ModelRecord {
  name: string;
  description?: string;
  owner?: string;
  tags: Record<string, string>;
  policy: z.infer<typeof Policy>;
  /** The highest version number ever handed out; never decreases, even across delete and re-create. */
  latestVersion: number;
  stages: Record<string, number>;
  aliases: Record<string, number>;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  /** Bumps on every change to the editable fields: the model's ETag. */
  rev: number;
  /** Sequence number of the model's newest history entry. Every mutation bumps it by one. */
  seq: number;
  /**
   * The transitions not yet ended, `<version>:<to stage>` → transition id: a second request for
   * the same version and target is refused while one is open. Every transition step changes the
   * model item (its `seq`), so this map is always read and written under the model's lock.
   */
  openTransitions?: Record<string, string>;
  /** Set when the model was deleted; the item stays as a tombstone so numbering never restarts. */
  deletedAt?: string;
  deletedBy?: string;
}

export interface VersionRecord {
  model: string;
  version: number;
  semver?: string;
  status: z.infer<typeof VersionStatus>;
  stage: z.infer<typeof Stage>;
  description?: string;
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
  lineage?: z.infer<typeof Lineage>;
  signature?: Signature;
  framework?: string;
  format?: ModelVersion["format"];
  artifacts: Artifact[];
  modelCard?: string;
  aliases: string[];
  /** When the version entered its current stage (absent while it is in development since creation). */
  stageSince?: string;
  /**
   * Its open stage tenure, as stored (absent while in development since creation): closing it
   * rewrites that record with `until`, so the version carries a copy. Not part of the API view.
   */
  stageTenure?: StageTenureRecord;
  /** The last verification of the artifacts: what the seal or the verifier found. */
  verification?: Verification;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  rev: number;
}

export type HistoryRecord = HistoryEntry & { model: string };

/** A transition request as stored: the API's view plus the workflow's bookkeeping. */
export interface TransitionRecord extends Transition {
  /** The stage's requirements as they were when the request was made (what validation checks). */
  requirements?: z.infer<typeof StageRequirements>;
  /**
   * The organisation's floor for the stage when the request was made: what a rollback, which
   * skips the model's own requirements, is still checked against.
   */
  floorRequirements?: z.infer<typeof StageRequirements>;
  /** The Step Functions execution that owns the request; only it may move it on. */
  execution?: string;
  /** The task token of the execution waiting for approvals. Never returned by the API. */
  taskToken?: string;
  /** Bumps on every change: writes are conditioned on it. */
  rev: number;
}

/** One tenure of a version in a stage; `seq` is the history seq of the change that began it. */
export interface StageTenureRecord extends StageTenure {
  model: string;
  seq: number;
}

export function toTransitionView(record: TransitionRecord): Transition {
  const {
    requirements: _requirements,
    floorRequirements: _floor,
    execution: _execution,
    taskToken: _token,
    rev: _rev,
    ...view
  } = record;
  return inKeyOrder(view, TRANSITION_ORDER);
}

export function toStageTenureView(record: StageTenureRecord): StageTenure {
  const { model: _model, seq: _seq, ...view } = record;
  return inKeyOrder(view, STAGE_TENURE_ORDER);
}

export const etagOf = (rev: number): string => `"${rev}"`;

export function toModelView(record: ModelRecord): Model {
  return inKeyOrder<Model>(
    {
      name: record.name,
      ...(record.description !== undefined && { description: record.description }),
      ...(record.owner !== undefined && { owner: record.owner }),
      tags: record.tags,
      policy: record.policy,
      latestVersion: record.latestVersion,
      stages: record.stages,
      aliases: record.aliases,
      createdAt: record.createdAt,
      createdBy: record.createdBy,
      updatedAt: record.updatedAt,
      updatedBy: record.updatedBy,
      etag: etagOf(record.rev),
    },
    MODEL_ORDER,
  );
}

/** The model's policy resource: its own policy, the floor, what applies, and that policy's digest. */
export function toModelPolicyView(record: ModelRecord, floor: z.infer<typeof Policy>): ModelPolicy {
  const effective = stricterPolicy(floor, record.policy);
  return inKeyOrder<ModelPolicy>(
    {
      model: record.name,
      policy: record.policy,
      floor,
      effective,
      digest: policyDigest(effective),
      etag: etagOf(record.rev),
    },
    MODEL_POLICY_ORDER,
  );
}

export function toVersionView(record: VersionRecord): ModelVersion {
  const { rev, aliases, stageTenure: _tenure, ...rest } = record;
  return inKeyOrder({ ...rest, aliases: [...aliases].sort(), etag: etagOf(rev) }, VERSION_ORDER);
}

export function toHistoryView(record: HistoryRecord): HistoryEntry {
  const { model: _model, ...entry } = record;
  return inKeyOrder(entry, HISTORY_ORDER);
}

/**
 * Does an `If-Match` header value match the current ETag? RFC 9110 §13.1.1 requires the strong
 * comparison: `*` matches any current representation, a listed tag matches only if it is the
 * current ETag and not weak (`W/"3"` never matches, so a client holding a weak validator gets
 * 412 instead of overwriting a change it has not seen). Anything malformed matches nothing.
 */
export function ifMatchSatisfied(ifMatch: string, rev: number): boolean {
  const field = ifMatch.trim();
  if (field === "*") return true;
  const current = etagOf(rev);
  // Entity tags may contain commas, so the list is tokenised rather than split on ",".
  const entityTag = /\s*(W\/)?("[^"]*")\s*(?:,|$)/y;
  let matched = false;
  while (entityTag.lastIndex < field.length) {
    const start = entityTag.lastIndex;
    const token = entityTag.exec(field);
    if (!token || entityTag.lastIndex === start) return false;
    if (!token[1] && token[2] === current) matched = true;
  }
  return matched;
}
