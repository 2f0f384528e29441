/**
 * The stage tenure item: one per stretch of time a version held a stage, under its model's
 * partition, keyed by stage and by the history `seq` of the change that began it, so
 * `begins_with(sk, STAGE#<stage>#)` read backwards is the stage's history, newest first. It is
 * written twice at most: when the tenure begins (it must not exist) and when it ends (it must
 * still be open, so a tenure is closed exactly once).
 */
import type { StageTenureRecord } from "#core/records.ts";
import { modelPartition, stageTenureKey, stageTenurePrefix } from "../keys.ts";
import type { ListRequest } from "../paging.ts";
import { TABLE, TABLE_KEY_ATTRIBUTES } from "../table.ts";
import { envelope, type Item, itemMustNotExist, recordOf, type Writer } from "./item.ts";

/** The record attribute that ends a tenure: absent while the version holds the stage. */
const UNTIL = "until" satisfies keyof StageTenureRecord;

export const toStageTenureItem = (record: StageTenureRecord): Item => ({
  ...stageTenureKey(record.model, record.stage, record.seq),
  ...envelope("stageTenure"),
  ...record,
});

export const toStageTenureRecord = (item: Item): StageTenureRecord =>
  recordOf(item) as unknown as StageTenureRecord;

/** Begins a tenure (`new`: must not exist), or rewrites an open one (`open`: exists, no `until`). */
export const putStageTenure: Writer<"putStageTenure"> = (op, TableName) => ({
  Put: {
    TableName,
    Item: toStageTenureItem(op.record),
    ...(op.expect === "new"
      ? itemMustNotExist
      : {
          ConditionExpression: "attribute_exists(#pk) AND attribute_not_exists(#until)",
          ExpressionAttributeNames: { "#pk": TABLE.pk, "#until": UNTIL },
        }),
  },
});

/** Who held one stage of a model, newest tenure first (read consistently). */
export const listStageTenuresNewestFirst = (
  model: string,
  stage: string,
  TableName: string,
): ListRequest => ({
  query: {
    TableName,
    KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
    ExpressionAttributeNames: { "#pk": TABLE.pk, "#sk": TABLE.sk },
    ExpressionAttributeValues: { ":pk": modelPartition(model), ":prefix": stageTenurePrefix(stage) },
    ScanIndexForward: false,
    ConsistentRead: true,
  },
  scope: `stage-tenures|${model}|${stage}`,
  keyAttributes: TABLE_KEY_ATTRIBUTES,
});
