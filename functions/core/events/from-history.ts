/**
 * History entries are the outbox: the publisher turns each one into exactly one event with
 * `toRegistryEvent`. Pure and deterministic, so a redelivered entry yields the same event (and
 * the same `eventId`, which subscribers dedupe on).
 */
import { createHash } from "node:crypto";
import * as z from "zod/mini";
import type { HistoryRecord } from "../records.ts";
import type { HISTORY_ACTIONS } from "../schemas.ts";
import {
  type COMMON_DETAIL_FIELDS,
  DETAIL_SCHEMAS,
  type DetailType,
  EVENT_VERSION,
  type EventDetail,
} from "./catalog.ts";

export type HistoryAction = (typeof HISTORY_ACTIONS)[number];

/**
 * What the publisher puts on the bus for one history entry; a union discriminated by
 * `detailType`, so checking it narrows `detail`.
 */
export type RegistryEvent<T extends DetailType = DetailType> = {
  [K in T]: {
    source: string;
    detailType: K;
    /** The time of the change (EventBridge's `Time`), not of publishing. */
    time: string;
    detail: EventDetail<K>;
  };
}[T];

type Known<T> = { [K in keyof T as string extends K ? never : K]: T[K] };
type CommonField = (typeof COMMON_DETAIL_FIELDS)[number];
/** The fields of a detail beyond those every detail has. */
type OwnFields<T extends DetailType> = Omit<Known<z.input<(typeof DETAIL_SCHEMAS)[T]>>, CommonField>;

interface Mapping<T extends DetailType> {
  detailType: T;
  fields: (entry: HistoryRecord) => OwnFields<T>;
}

/**
 * Every history action maps to exactly one detail-type (several may share one). Typed over
 * every action, so a new action does not compile until it has its detail-type here.
 * Values read from `details` are cast, not checked: `toRegistryEvent` validates the whole
 * detail against its schema before anything is published.
 */
const MAPPINGS: { [A in HistoryAction]: { [T in DetailType]: Mapping<T> }[DetailType] } = {
  MODEL_REGISTERED: {
    detailType: "Model Registered",
    fields: ({ details }) => ({
      owner: (details.owner ?? null) as string | null,
      tags: (details.tags ?? {}) as Record<string, string>,
      recreated: details.recreated === true,
    }),
  },
  MODEL_UPDATED: {
    detailType: "Model Updated",
    fields: (entry) => ({
      ...changesOf(entry),
      policy: (entry.details.policy ?? null) as OwnFields<"Model Updated">["policy"],
    }),
  },
  MODEL_DELETED: {
    detailType: "Model Deleted",
    fields: ({ details }) => ({ latestVersion: details.latestVersion as number }),
  },
  VERSION_CREATED: {
    detailType: "Model Version Created",
    fields: ({ version, details }) => ({
      version: version as number,
      status: details.status as "PENDING_UPLOAD",
      artifactCount: details.artifacts as number,
    }),
  },
  VERSION_UPDATED: {
    detailType: "Model Version Updated",
    fields: (entry) => ({ version: entry.version as number, ...changesOf(entry) }),
  },
  VERSION_VERIFICATION_STARTED: {
    detailType: "Model Version Verification Started",
    fields: ({ version, details }) => ({
      version: version as number,
      artifactCount: details.artifacts as number,
      needsHashing: details.needsHashing as number,
    }),
  },
  VERSION_READY: {
    detailType: "Model Version Ready",
    fields: ({ version, details }) => ({
      version: version as number,
      artifacts: details.artifacts as { path: string; uri: string; size: number; sha256: string }[],
      metrics: details.metrics as Record<string, number>,
      format: (details.format ?? null) as OwnFields<"Model Version Ready">["format"],
    }),
  },
  VERSION_VERIFICATION_FAILED: {
    detailType: "Model Version Verification Failed",
    fields: ({ version, details }) => ({
      version: version as number,
      artifacts: details.artifacts as OwnFields<"Model Version Verification Failed">["artifacts"],
    }),
  },
  VERSION_ABANDONED: {
    detailType: "Model Version Abandoned",
    fields: ({ version, from, details }) => ({
      version: version as number,
      from: from as "PENDING_UPLOAD" | "FAILED",
      artifactCount: details.artifacts as number,
    }),
  },
  ALIAS_SET: { detailType: "Model Alias Changed", fields: aliasChange },
  ALIAS_DELETED: { detailType: "Model Alias Changed", fields: aliasChange },
  TRANSITION_REQUESTED: {
    detailType: "Stage Transition Requested",
    fields: ({ version, from, to, details }) => ({
      version: version as number,
      transitionId: details.transitionId as string,
      from: from as Stage,
      to: to as Stage,
      kind: details.kind as "promotion" | "rollback",
      comment: (details.comment ?? null) as string | null,
      policyDigest: (details.policyDigest ?? null) as string | null,
      approvalsRequired: (details.approvalsRequired ?? null) as number | null,
    }),
  },
  TRANSITION_VALIDATION_STARTED: {
    detailType: "Stage Transition Validation Started",
    fields: ({ version, to, details }) => ({
      version: version as number,
      transitionId: details.transitionId as string,
      to: to as Stage,
    }),
  },
  TRANSITION_VALIDATED: {
    detailType: "Stage Transition Validated",
    fields: ({ version, details }) => ({
      version: version as number,
      transitionId: details.transitionId as string,
      passed: details.passed as boolean,
      report: details.report as Record<string, unknown>,
    }),
  },
  APPROVAL_REQUESTED: {
    detailType: "Approval Requested",
    fields: ({ version, to, details }) => ({
      version: version as number,
      transitionId: details.transitionId as string,
      to: to as Stage,
      required: details.required as number,
      link: details.link as string,
    }),
  },
  TRANSITION_APPROVED: {
    detailType: "Stage Transition Approved",
    fields: ({ version, to, details }) => ({
      version: version as number,
      transitionId: details.transitionId as string,
      to: to as Stage,
      by: details.by as string,
      person: (details.person ?? null) as string | null,
      identitySource: (details.identitySource ??
        null) as OwnFields<"Stage Transition Approved">["identitySource"],
      comment: (details.comment ?? null) as string | null,
      approvals: details.approvals as number,
      required: details.required as number,
    }),
  },
  TRANSITION_REJECTED: { detailType: "Stage Transition Rejected", fields: ended("REJECTED") },
  TRANSITION_CANCELLED: { detailType: "Stage Transition Rejected", fields: ended("CANCELLED") },
  TRANSITION_TIMED_OUT: { detailType: "Stage Transition Rejected", fields: ended("TIMED_OUT") },
  // A failed validation and a change that could not be applied both end FAILED; the entry says which.
  TRANSITION_FAILED: {
    detailType: "Stage Transition Rejected",
    fields: (entry) => ended(entry.details.validationFailed === true ? "VALIDATION_FAILED" : "FAILED")(entry),
  },
  STAGE_CHANGED: {
    detailType: "Model Version Stage Changed",
    fields: ({ version, from, to, details }) => ({
      version: version as number,
      transitionId: details.transitionId as string,
      from: from as Stage,
      to: to as Stage,
      previous: (details.previous ?? null) as number | null,
      artifacts: details.artifacts as OwnFields<"Model Version Stage Changed">["artifacts"],
      approvedBy: (details.approvedBy ?? []) as string[],
      policyDigest: (details.policyDigest ?? null) as string | null,
    }),
  },
};

type Stage = OwnFields<"Model Version Stage Changed">["to"];
type EndReason = OwnFields<"Stage Transition Rejected">["reason"];

function ended(reason: EndReason) {
  return ({ version, details }: HistoryRecord): OwnFields<"Stage Transition Rejected"> => ({
    version: version as number,
    transitionId: details.transitionId as string,
    by: (details.by ?? null) as string | null,
    comment: (details.comment ?? null) as string | null,
    reason,
    message: (details.message ?? null) as string | null,
  });
}

/** The detail-type each history action is published as. */
export const DETAIL_TYPE_OF_ACTION = Object.fromEntries(
  Object.entries(MAPPINGS).map(([action, mapping]) => [action, mapping.detailType]),
) as { [A in HistoryAction]: DetailType };

function changesOf({ from, to }: HistoryRecord): OwnFields<"Model Updated"> {
  const before = (from ?? {}) as Record<string, unknown>;
  const after = (to ?? {}) as Record<string, unknown>;
  const fields = Object.keys(after);
  const changes = Object.fromEntries(fields.map((f) => [f, { from: before[f] ?? null, to: after[f] }]));
  return { fields, changes };
}

function aliasChange({ version, from, to, details }: HistoryRecord): OwnFields<"Model Alias Changed"> {
  return {
    version: version as number,
    alias: details.alias as string,
    from: (from ?? null) as number | null,
    to: (to ?? null) as number | null,
  };
}

export class InvalidEventError extends Error {
  override readonly name = "InvalidEventError";
}

/**
 * The event of one history entry. Throws `InvalidEventError` when the entry does not make a
 * detail that validates against its schema: a broken contract is never published (the
 * publisher's retries and DLQ hold the entry until the code is fixed).
 */
export function toRegistryEvent(entry: HistoryRecord, options: { source: string }): RegistryEvent {
  const mapping = MAPPINGS[entry.action] as Mapping<DetailType>;
  const { detailType } = mapping;
  const candidate = {
    eventVersion: EVENT_VERSION,
    eventId: eventIdOf(options.source, entry.model, entry.seq),
    model: entry.model,
    seq: entry.seq,
    actor: entry.actor,
    at: entry.at,
    requestId: entry.requestId,
    ...mapping.fields(entry),
  };
  const parsed = DETAIL_SCHEMAS[detailType].safeParse(candidate);
  if (!parsed.success) {
    throw new InvalidEventError(
      `history entry ${entry.model}#${entry.seq} (${entry.action}) does not make a valid '${detailType}' detail:\n${z.prettifyError(parsed.error)}`,
    );
  }
  return { source: options.source, detailType, time: entry.at, detail: parsed.data } as RegistryEvent;
}

/** A fixed namespace for the registry's name-based UUIDs (generated once; never change it). */
const EVENT_ID_NAMESPACE = "3c48da8b-d7ec-4f5a-8f85-c31465f80ef7";

/**
 * The id of the event of history entry `seq` of `model`: a UUID v5 (RFC 9562) of
 * `<source>/<model>#<seq>`. `seq` is never reused for a model (it continues across delete and
 * re-create), and the source keeps two deployments feeding one subscriber apart.
 */
export function eventIdOf(source: string, model: string, seq: number): string {
  return uuidV5(`${source}/${model}#${seq}`, EVENT_ID_NAMESPACE);
}

export function uuidV5(name: string, namespace: string): string {
  const bytes = createHash("sha1")
    .update(Buffer.from(namespace.replaceAll("-", ""), "hex"))
    .update(name, "utf8")
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC variant
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
