/**
 * Which item module writes each kind of write op. The map is typed by `WriteOp["kind"]`, so a new
 * op kind in the port fails the type-check here until it has a writer.
 */
import type { WriteOp } from "#core/ports.ts";
import { putHistory } from "./history.ts";
import { claimIdempotency } from "./idempotency.ts";
import type { TransactItem, Writer } from "./item.ts";
import { putModel } from "./model.ts";
import { putStageTenure } from "./stage-tenure.ts";
import { putTransition } from "./transition.ts";
import { putVersion, tagVersionAlias } from "./version.ts";

export const writers: { [K in WriteOp["kind"]]: Writer<K> } = {
  putModel,
  putVersion,
  tagVersionAlias,
  putHistory,
  putTransition,
  putStageTenure,
  claimIdempotency,
};

export function toTransactItem(op: WriteOp, tableName: string): TransactItem {
  // TypeScript cannot correlate `op.kind` with `writers[op.kind]`; the map's type guarantees it.
  const write = writers[op.kind] as (op: WriteOp, tableName: string) => TransactItem;
  return write(op, tableName);
}
