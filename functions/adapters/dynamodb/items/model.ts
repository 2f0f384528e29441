/**
 * The model item: one per model name, kept as a tombstone after delete so version numbers never
 * restart. A live model is also in gsi1 (`MODELS` / <name>), which serves list and prefix search;
 * a deleted one leaves it, so lists never see tombstones.
 */
import type { ListModelsFilter } from "#core/ports.ts";
import type { ModelRecord } from "#core/records.ts";
import { MODELS_BY_NAME_PARTITION, modelKey, modelsByNameIndex } from "../keys.ts";
import type { ListRequest } from "../paging.ts";
import { GSI1, GSI1_KEY_ATTRIBUTES } from "../table.ts";
import { createdOrUnchangedSince, envelope, type Item, recordOf, type Writer } from "./item.ts";

export function toModelItem(record: ModelRecord): Item {
  return {
    ...modelKey(record.name),
    ...(record.deletedAt ? {} : modelsByNameIndex(record.name)),
    ...envelope("model"),
    ...record,
  };
}

export const toModelRecord = (item: Item): ModelRecord => recordOf(item) as unknown as ModelRecord;

/** Creates the model (`expectSeq: null`), or replaces it if nobody wrote it since `expectSeq`. */
export const putModel: Writer<"putModel"> = (op, TableName) => ({
  Put: {
    TableName,
    Item: toModelItem(op.record),
    ...createdOrUnchangedSince("seq", op.expectSeq),
  },
});

/** Live models by name, optionally by name prefix, owner and one tag. */
export function listModelsByName(filter: ListModelsFilter, TableName: string): ListRequest {
  const names: Record<string, string> = { "#pk": GSI1.pk };
  const values: Item = { ":pk": MODELS_BY_NAME_PARTITION };
  let condition = "#pk = :pk";
  if (filter.prefix) {
    names["#sk"] = GSI1.sk;
    values[":prefix"] = filter.prefix;
    condition += " AND begins_with(#sk, :prefix)";
  }
  const filters: string[] = [];
  if (filter.owner !== undefined) {
    names["#owner"] = "owner";
    values[":owner"] = filter.owner;
    filters.push("#owner = :owner");
  }
  if (filter.tag) {
    names["#tags"] = "tags";
    names["#tagKey"] = filter.tag.key;
    values[":tagValue"] = filter.tag.value;
    filters.push("#tags.#tagKey = :tagValue");
  }
  return {
    query: {
      TableName,
      IndexName: GSI1.name,
      KeyConditionExpression: condition,
      ...(filters.length > 0 && { FilterExpression: filters.join(" AND ") }),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
    scope: `models|${filter.prefix ?? ""}|${filter.owner ?? ""}|${filter.tag ? `${filter.tag.key}=${filter.tag.value}` : ""}`,
    keyAttributes: GSI1_KEY_ATTRIBUTES,
  };
}
