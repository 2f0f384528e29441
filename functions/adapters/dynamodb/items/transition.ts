/**
 * The transition request item: under its model's partition, keyed by its ULID, so key order is
 * request order. It is also in gsi1 under its model and version (a version's requests), and,
 * only while its status is open, in the sparse gsi2 under `TRANSITIONS#OPEN` (every model's open
 * requests: an approver's queue, recovery). A put with a terminal status writes the item without
 * gsi2 keys, so the request leaves that index in the same write that ends it.
 *
 * gsi1 and gsi2 are read eventually consistently (as every GSI is): a request listed there may
 * have moved on a moment ago. Whoever acts on a listed request reads it again (`getTransition`,
 * consistent) and writes it at the `rev` it read.
 */
import type { ListOpenTransitionsFilter, ListTransitionsFilter } from "#core/ports.ts";
import type { TransitionRecord } from "#core/records.ts";
import { OPEN_TRANSITION_STATUSES } from "#core/schemas/vocabulary.ts";
import {
  modelPartition,
  OPEN_TRANSITIONS_PARTITION,
  openTransitionsIndex,
  openTransitionsStatusPrefix,
  TRANSITION_PREFIX,
  transitionKey,
  transitionsOfVersionIndex,
  transitionsOfVersionPartition,
} from "../keys.ts";
import { type ListRequest, newestFirst } from "../paging.ts";
import { GSI2, GSI2_KEY_ATTRIBUTES } from "../table.ts";
import { createdOrUnchangedSince, envelope, type Item, recordOf, type Writer } from "./item.ts";

const OPEN: ReadonlySet<string> = new Set(OPEN_TRANSITION_STATUSES);

export const isOpenTransitionStatus = (status: string): boolean => OPEN.has(status);

export function toTransitionItem(record: TransitionRecord): Item {
  return {
    ...transitionKey(record.model, record.id),
    ...transitionsOfVersionIndex(record.model, record.version, record.id),
    ...(isOpenTransitionStatus(record.status) ? openTransitionsIndex(record.status, record.id) : {}),
    ...envelope("transition"),
    ...record,
  };
}

export const toTransitionRecord = (item: Item): TransitionRecord =>
  recordOf(item) as unknown as TransitionRecord;

/** Creates the request (`expectRev: null`), or replaces it if nobody changed it since `expectRev`. */
export const putTransition: Writer<"putTransition"> = (op, TableName) => ({
  Put: {
    TableName,
    Item: toTransitionItem(op.record),
    ...createdOrUnchangedSince("rev", op.expectRev),
  },
});

/**
 * A model's transition requests, newest first: all of them (the table, read consistently), or
 * (on gsi1) one version's. A status is a filter: a model has few requests per page read.
 */
export function listTransitionsNewestFirst(
  model: string,
  filter: ListTransitionsFilter,
  TableName: string,
): ListRequest {
  return newestFirst({
    TableName,
    from:
      filter.version !== undefined
        ? { gsi1Partition: transitionsOfVersionPartition(model, filter.version) }
        : { table: modelPartition(model), prefix: TRANSITION_PREFIX },
    status: filter.status,
    scope: `transitions|${model}|${filter.version ?? ""}|${filter.status ?? ""}`,
  });
}

/**
 * The open requests of every model, on gsi2: in one status (a key condition, `begins_with`),
 * oldest first; or all of them, grouped by status (in the status's name order), oldest first
 * within each status.
 */
export function listOpenTransitionsOldestFirst(
  filter: ListOpenTransitionsFilter,
  TableName: string,
): ListRequest {
  const names: Record<string, string> = { "#pk": GSI2.pk };
  const values: Item = { ":pk": OPEN_TRANSITIONS_PARTITION };
  let condition = "#pk = :pk";
  if (filter.status !== undefined) {
    names["#sk"] = GSI2.sk;
    values[":prefix"] = openTransitionsStatusPrefix(filter.status);
    condition += " AND begins_with(#sk, :prefix)";
  }
  return {
    query: {
      TableName,
      IndexName: GSI2.name,
      KeyConditionExpression: condition,
      ScanIndexForward: true,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
    scope: `open-transitions|${filter.status ?? ""}`,
    keyAttributes: GSI2_KEY_ATTRIBUTES,
  };
}
