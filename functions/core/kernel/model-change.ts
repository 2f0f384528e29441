/**
 * Every mutation changes the model item: it bumps the model's `seq` (the history sequence) and
 * appends the history entry with that `seq`, conditioned on the `seq` it read. These helpers
 * write that bookkeeping once, so a use case only says what changed.
 */
import { createHash } from "node:crypto";
import type { WriteOp } from "../ports.ts";
import type { HistoryRecord, ModelRecord, VersionRecord } from "../records.ts";
import type { RequestContext } from "./context.ts";

/** What a history entry says beyond who, when and which request. */
export interface HistoryFacts {
  action: HistoryRecord["action"];
  version?: number;
  from?: unknown;
  to?: unknown;
  details: Record<string, unknown>;
}

export interface ModelChangeOptions {
  /** New values of model fields (aliases, latestVersion, editable fields, tombstone...). */
  set?: Partial<ModelRecord>;
  /** Stamp `updatedAt`/`updatedBy` (default true: the change is the model's). */
  stamp?: boolean;
  /** Bump `rev`, the model's ETag (default false: only edits of the model's own fields do). */
  bumpRev?: boolean;
}

/**
 * The writes for a change of an existing model: the model item (conditioned on the `seq` read)
 * and the history entry at `seq + 1`. Returns the model as it is after the change.
 */
export function changeModel(
  model: ModelRecord,
  ctx: RequestContext,
  now: string,
  facts: HistoryFacts | readonly HistoryFacts[],
  options: ModelChangeOptions = {},
): { model: ModelRecord; writes: WriteOp[] } {
  const { set = {}, stamp = true, bumpRev = false } = options;
  // Several facts of one change (a version entering production and its predecessor leaving it)
  // get consecutive sequence numbers, in the order given.
  const entries = Array.isArray(facts) ? (facts as readonly HistoryFacts[]) : [facts as HistoryFacts];
  const after: ModelRecord = {
    ...model,
    ...set,
    ...(stamp && { updatedAt: now, updatedBy: ctx.actor }),
    rev: bumpRev ? model.rev + 1 : model.rev,
    seq: model.seq + entries.length,
  };
  return {
    model: after,
    writes: [
      { kind: "putModel", record: after, expectSeq: model.seq },
      ...entries.map((entry, i) => historyWrite({ ...after, seq: model.seq + 1 + i }, ctx, now, entry)),
    ],
  };
}

/**
 * A change of an existing version: the new record (stamped, its `rev` bumped) and its write,
 * conditioned on the `rev` read. Its history entry goes with the model's change (`changeModel`).
 */
export function changeVersion(
  version: VersionRecord,
  ctx: RequestContext,
  now: string,
  set: Partial<VersionRecord>,
): { version: VersionRecord; write: WriteOp } {
  const after: VersionRecord = {
    ...version,
    ...set,
    updatedAt: now,
    updatedBy: ctx.actor,
    rev: version.rev + 1,
  };
  return { version: after, write: { kind: "putVersion", record: after, expectRev: version.rev } };
}

/** The history entry of a change whose model item is already `model` (its `seq` is the entry's). */
export function historyWrite(
  model: ModelRecord,
  ctx: RequestContext,
  at: string,
  facts: HistoryFacts,
): WriteOp {
  return {
    kind: "putHistory",
    record: { model: model.name, seq: model.seq, at, actor: ctx.actor, requestId: ctx.requestId, ...facts },
  };
}

/**
 * Fields whose values can be large (a model card is up to 100,000 characters): history records
 * a digest of the old and new value instead of the values, so an item accepted once can always
 * be replaced by one of the same size (the history entry never holds two copies of it).
 */
const DIGESTED_FIELDS = new Set(["modelCard"]);

/**
 * `from` holds the old values of the fields `patch` changes, `to` the new ones (a digest for
 * large text fields). Fields the patch sets to the value they already have are left out.
 */
export function diff<T extends object>(
  current: T,
  patch: Partial<T>,
): { from: Record<string, unknown>; to: Record<string, unknown> } {
  const from: Record<string, unknown> = {};
  const to: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch)) {
    const old = Object.hasOwn(current, field) ? (current as Record<string, unknown>)[field] : undefined;
    if (JSON.stringify(old) === JSON.stringify(value)) continue;
    const record = DIGESTED_FIELDS.has(field) ? digestOf : (v: unknown) => v;
    from[field] = old === undefined ? null : record(old);
    to[field] = record(value);
  }
  return { from, to };
}

function digestOf(value: unknown): { sha256: string; length: number } {
  const text = String(value);
  return { sha256: createHash("sha256").update(text).digest("hex"), length: text.length };
}
