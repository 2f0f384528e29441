/**
 * The history entry: one per mutation of a model, numbered by the model's `seq`, never
 * overwritten. The table's stream carries these items to the event bus (the outbox).
 */
import type { HistoryRecord } from "#core/records.ts";
import { HISTORY_PREFIX, historyKey, modelPartition } from "../keys.ts";
import type { ListRequest } from "../paging.ts";
import { TABLE, TABLE_KEY_ATTRIBUTES } from "../table.ts";
import { envelope, type Item, itemMustNotExist, recordOf, type Writer } from "./item.ts";

export const toHistoryItem = (record: HistoryRecord): Item => ({
  ...historyKey(record.model, record.seq),
  ...envelope("history"),
  ...record,
});

export const toHistoryRecord = (item: Item): HistoryRecord => recordOf(item) as unknown as HistoryRecord;

/** Appends the entry; a second entry with the same `seq` means another writer got there first. */
export const putHistory: Writer<"putHistory"> = (op, TableName) => ({
  Put: { TableName, Item: toHistoryItem(op.record), ...itemMustNotExist },
});

/** A model's history, newest first. */
export const listHistoryNewestFirst = (model: string, TableName: string): ListRequest => ({
  query: {
    TableName,
    KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
    ExpressionAttributeNames: { "#pk": TABLE.pk, "#sk": TABLE.sk },
    ExpressionAttributeValues: { ":pk": modelPartition(model), ":prefix": HISTORY_PREFIX },
    ScanIndexForward: false,
    ConsistentRead: true,
  },
  scope: `history|${model}`,
  keyAttributes: TABLE_KEY_ATTRIBUTES,
});
