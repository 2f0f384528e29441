/**
 * The version item: under its model's partition, numbered so that key order is version order.
 * It is also in gsi1 under its model and stage (list versions ?stage=, newest first). Its alias
 * names are a string set, so tagging moves one name with ADD/DELETE, without a read.
 */
import type { ListVersionsFilter } from "#core/ports.ts";
import type { VersionRecord } from "#core/records.ts";
import {
  modelPartition,
  VERSION_PREFIX,
  versionKey,
  versionsByStageIndex,
  versionsByStagePartition,
} from "../keys.ts";
import { type ListRequest, newestFirst } from "../paging.ts";
import { TABLE } from "../table.ts";
import {
  createdOrUnchangedSince,
  envelope,
  type Item,
  itemMustExist,
  recordOf,
  type Writer,
} from "./item.ts";

export function toVersionItem(record: VersionRecord): Item {
  const { aliases, ...rest } = record;
  return {
    ...versionKey(record.model, record.version),
    ...versionsByStageIndex(record.model, record.stage, record.version),
    ...envelope("version"),
    ...rest,
    // DynamoDB has no empty sets: a version without aliases has no attribute.
    ...(aliases.length > 0 && { aliases: new Set(aliases) }),
  };
}

export function toVersionRecord(item: Item): VersionRecord {
  const record = recordOf(item) as unknown as VersionRecord & { aliases?: Set<string> | string[] };
  return { ...record, aliases: [...(record.aliases ?? [])].sort() };
}

/** Creates the version (`expectRev: null`), or replaces it if nobody edited it since `expectRev`. */
export const putVersion: Writer<"putVersion"> = (op, TableName) => ({
  Put: {
    TableName,
    Item: toVersionItem(op.record),
    ...createdOrUnchangedSince("rev", op.expectRev),
  },
});

/** Adds or removes one alias name on a version that exists. */
export const tagVersionAlias: Writer<"tagVersionAlias"> = (op, TableName) => ({
  Update: {
    TableName,
    Key: versionKey(op.model, op.version),
    UpdateExpression: `${op.action === "add" ? "ADD" : "DELETE"} #aliases :alias`,
    ConditionExpression: itemMustExist.ConditionExpression,
    ExpressionAttributeNames: { ...itemMustExist.ExpressionAttributeNames, "#aliases": "aliases" },
    ExpressionAttributeValues: { ":alias": new Set([op.alias]) },
  },
});

/** A model's versions, newest first: all of them, or (on gsi1) those in one stage. */
export function listVersionsNewestFirst(
  model: string,
  filter: ListVersionsFilter,
  TableName: string,
): ListRequest {
  return newestFirst({
    TableName,
    from: filter.stage
      ? { gsi1Partition: versionsByStagePartition(model, filter.stage) }
      : { table: modelPartition(model), prefix: VERSION_PREFIX },
    status: filter.status,
    scope: `versions|${model}|${filter.stage ?? ""}|${filter.status ?? ""}`,
  });
}

/** Every version item of a model, keys only (for purging a deleted model's versions). */
export function versionKeysOfModel(model: string, TableName: string) {
  return {
    TableName,
    KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
    ExpressionAttributeNames: { "#pk": TABLE.pk, "#sk": TABLE.sk },
    ExpressionAttributeValues: { ":pk": modelPartition(model), ":prefix": VERSION_PREFIX },
    ProjectionExpression: "#pk, #sk",
  };
}
