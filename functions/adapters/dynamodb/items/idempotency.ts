/**
 * The idempotency record: the response to replay for a repeated request, keyed by caller and
 * key. It expires through DynamoDB TTL, which deletes lazily, so an expired record is treated
 * as absent on read and may be claimed again.
 */
import type { IdempotencyRecord } from "#core/ports.ts";
import { idempotencyKey } from "../keys.ts";
import { TABLE, TTL_ATTRIBUTE } from "../table.ts";
import { envelope, type Item, recordOf, type Writer } from "./item.ts";

export const toIdempotencyItem = (record: IdempotencyRecord): Item => ({
  ...idempotencyKey(record.scope),
  ...envelope("idempotency"),
  ...record,
  // Stored as a string: the response is opaque here and may hold empty maps or sets.
  body: JSON.stringify(record.body),
  [TTL_ATTRIBUTE]: record.expiresAt,
});

/**
 * The record, or undefined when it expired before `now` (epoch seconds, from the core's clock;
 * DynamoDB may not have deleted it yet).
 */
export function toIdempotencyRecord(item: Item, now: number): IdempotencyRecord | undefined {
  const expiresAt = item[TTL_ATTRIBUTE];
  if (typeof expiresAt === "number" && expiresAt < now) return undefined;
  const record = recordOf(item);
  return { ...record, body: JSON.parse(String(record.body)) } as IdempotencyRecord;
}

/** Claims the key, unless another record holds it that had not expired at `op.now`. */
export const claimIdempotency: Writer<"claimIdempotency"> = (op, TableName) => ({
  Put: {
    TableName,
    Item: toIdempotencyItem(op.record),
    ConditionExpression: "attribute_not_exists(#pk) OR #ttl < :now",
    ExpressionAttributeNames: { "#pk": TABLE.pk, "#ttl": TTL_ATTRIBUTE },
    ExpressionAttributeValues: { ":now": op.now },
  },
});
