/**
 * What every item kind shares: the envelope (`type`, schema `v`), how a stored item becomes
 * its record again, and the shape of the transaction item a writer produces. Values here are
 * plain JavaScript; `transact.ts` marshals them, so tests can read the params as written.
 */
import type { WriteOp } from "#core/ports.ts";
import type { Item } from "../codec.ts";
import { GSI1, GSI2, TABLE, TTL_ATTRIBUTE } from "../table.ts";

export type { Item } from "../codec.ts";

export type ItemType =
  | "model"
  | "version"
  | "history"
  | "transition"
  | "stageTenure"
  | "idempotency"
  | "pageTokenKey";

const SCHEMA_VERSION = 1;

/** Stamped on every item, so a stream consumer or a migration can tell kinds and shapes apart. */
export const envelope = (type: ItemType) => ({ type, v: SCHEMA_VERSION });

/** Attributes the adapter adds to a record; a record read back never carries them. */
const STORAGE_ATTRIBUTES: ReadonlySet<string> = new Set([
  TABLE.pk,
  TABLE.sk,
  GSI1.pk,
  GSI1.sk,
  GSI2.pk,
  GSI2.sk,
  TTL_ATTRIBUTE,
  ...Object.keys(envelope("model")),
]);

export function recordOf(item: Item): Item {
  return Object.fromEntries(Object.entries(item).filter(([key]) => !STORAGE_ATTRIBUTES.has(key)));
}

interface Condition {
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
}

export type TransactItem =
  | { Put: { TableName: string; Item: Item } & Condition }
  | { Update: { TableName: string; Key: Item; UpdateExpression: string } & Condition };

/** Turns one write op into its transaction item: the item's key, attributes and condition. */
export type Writer<K extends WriteOp["kind"]> = (
  op: Extract<WriteOp, { kind: K }>,
  tableName: string,
) => TransactItem;

/** The condition of a put that creates an item: no item with this key exists yet. */
export const itemMustNotExist = {
  ConditionExpression: "attribute_not_exists(#pk)",
  ExpressionAttributeNames: { "#pk": TABLE.pk },
} as const satisfies Condition;

/** The condition of a write that changes an item: the item exists. */
export const itemMustExist = {
  ConditionExpression: "attribute_exists(#pk)",
  ExpressionAttributeNames: { "#pk": TABLE.pk },
} as const satisfies Condition;

/**
 * The condition of a put that creates or replaces an item guarded by a counter attribute (`seq`,
 * `rev`): creates it when `expected` is null, else replaces it only if the counter is still `expected`.
 */
export function createdOrUnchangedSince(counter: "seq" | "rev", expected: number | null): Condition {
  if (expected === null) return itemMustNotExist;
  return {
    ConditionExpression: `#${counter} = :${counter}`,
    ExpressionAttributeNames: { [`#${counter}`]: counter },
    ExpressionAttributeValues: { [`:${counter}`]: expected },
  };
}
