/**
 * Commits write ops as one TransactWriteItems, all or nothing, and turns DynamoDB's refusals into
 * the core's errors: a failed condition or a conflicting transaction is a `WriteConflict` naming
 * the ops that failed; an item over 400 KB is a `PayloadTooLargeError`.
 */
import {
  type DynamoDBClient,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { PayloadTooLargeError } from "#core/errors.ts";
import { WriteConflict, type WriteOp } from "#core/ports.ts";
import { type Item, marshallItem } from "./codec.ts";
import type { TransactItem } from "./items/item.ts";
import { toTransactItem } from "./items/writers.ts";

export async function commitTransaction(
  client: DynamoDBClient,
  tableName: string,
  ops: WriteOp[],
): Promise<void> {
  const items = ops.map((op) => marshallTransactItem(toTransactItem(op, tableName)));
  try {
    await client.send(new TransactWriteItemsCommand({ TransactItems: items }));
  } catch (error) {
    throw toDomainError(error, ops);
  }
}

export function marshallTransactItem(item: TransactItem): TransactWriteItem {
  if ("Put" in item) {
    const { Item, ExpressionAttributeValues, ...rest } = item.Put;
    return { Put: { ...rest, Item: marshallItem(Item), ...marshallValues(ExpressionAttributeValues) } };
  }
  const { Key, ExpressionAttributeValues, ...rest } = item.Update;
  return { Update: { ...rest, Key: marshallItem(Key), ...marshallValues(ExpressionAttributeValues) } };
}

/** A condition's or update's values, marshalled; nothing when there are none. */
const marshallValues = (values: Item | undefined) =>
  values && { ExpressionAttributeValues: marshallItem(values) };

function toDomainError(error: unknown, ops: WriteOp[]): unknown {
  if (error instanceof TransactionCanceledException) {
    const reasons = error.CancellationReasons ?? [];
    const failed = ops.filter((_, i) => reasons[i]?.Code === "ConditionalCheckFailed").map((op) => op.kind);
    const transient = reasons.some((r) => r.Code === "TransactionConflict" || r.Code === "ThrottlingError");
    if (failed.length > 0 || transient) return new WriteConflict(failed, transient);
    if (reasons.some((r) => r.Code === "ValidationError" && /size/i.test(r.Message ?? ""))) return tooLarge();
  }
  if (error instanceof Error && error.name === "ValidationException" && /item size/i.test(error.message)) {
    return tooLarge();
  }
  return error;
}

const tooLarge = () =>
  new PayloadTooLargeError(
    "the item would exceed DynamoDB's 400 KB limit: shorten the model card, description, params or metrics",
  );
