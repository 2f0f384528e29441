/**
 * The registry's storage adapter: implements the core's RegistryStore port on one DynamoDB
 * table. Every read is a single GetItem/BatchGetItem/Query (lists may continue when a filter
 * drops items); every mutation is a single TransactWriteItems with conditions.
 */

import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { PayloadTooLargeError } from "#core/errors.ts";
import {
  type IdempotencyRecord,
  type ListModelsFilter,
  type ListVersionsFilter,
  type Page,
  type RegistryStore,
  WriteConflict,
  type WriteOp,
} from "#core/ports.ts";
import type { HistoryRecord, ModelRecord, VersionRecord } from "#core/records.ts";
import {
  GSI1_KEY_ATTRIBUTES,
  HISTORY_PREFIX,
  historyKey,
  idempotencyKey,
  MODELS_BY_NAME_PARTITION,
  modelKey,
  modelPartition,
  modelsByNameIndex,
  TABLE_KEY_ATTRIBUTES,
  VERSION_PREFIX,
  versionKey,
  versionsByStageIndex,
  versionsByStagePartition,
} from "./keys.ts";
import type { PageTokens } from "./page-token.ts";

type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

const SCHEMA_VERSION = 1;
const GSI1 = "gsi1";
/** A filtered list stops after this many round trips and hands back a token to continue. */
const MAX_ROUND_TRIPS_PER_PAGE = 8;
const KEY_AND_META = new Set(["pk", "sk", "gsi1pk", "gsi1sk", "type", "v", "ttl"]);

export interface DynamoStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  pageTokens: PageTokens;
}

export class DynamoRegistryStore implements RegistryStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly tokens: PageTokens;

  constructor(options: DynamoStoreOptions) {
    this.client = options.client;
    this.table = options.tableName;
    this.tokens = options.pageTokens;
  }

  async getModel(name: string): Promise<ModelRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: modelKey(name), ConsistentRead: true }),
    );
    return Item ? (strip(Item) as unknown as ModelRecord) : undefined;
  }

  async listModels(filter: ListModelsFilter): Promise<Page<ModelRecord>> {
    const names: Record<string, string> = { "#pk": "gsi1pk" };
    const values: Record<string, unknown> = { ":pk": MODELS_BY_NAME_PARTITION };
    let condition = "#pk = :pk";
    if (filter.prefix) {
      names["#sk"] = "gsi1sk";
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
    const scope = `models|${filter.prefix ?? ""}|${filter.owner ?? ""}|${filter.tag ? `${filter.tag.key}=${filter.tag.value}` : ""}`;
    const page = await this.queryPage(
      {
        TableName: this.table,
        IndexName: GSI1,
        KeyConditionExpression: condition,
        ...(filters.length > 0 && { FilterExpression: filters.join(" AND ") }),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
      filter.limit,
      filter.nextToken,
      scope,
      GSI1_KEY_ATTRIBUTES,
    );
    return { ...page, items: page.items.map((item) => strip(item) as unknown as ModelRecord) };
  }

  async getVersion(model: string, version: number): Promise<VersionRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: versionKey(model, version), ConsistentRead: true }),
    );
    return Item ? toVersionRecord(Item) : undefined;
  }

  async getVersions(model: string, versions: number[]): Promise<VersionRecord[]> {
    if (versions.length === 0) return [];
    const { Responses } = await this.client.send(
      new BatchGetCommand({
        RequestItems: {
          [this.table]: { Keys: versions.map((v) => versionKey(model, v)), ConsistentRead: true },
        },
      }),
    );
    return (Responses?.[this.table] ?? []).map(toVersionRecord);
  }

  async listVersions(model: string, filter: ListVersionsFilter): Promise<Page<VersionRecord>> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    let input: QueryCommandInput;
    if (filter.stage) {
      names["#pk"] = "gsi1pk";
      values[":pk"] = versionsByStagePartition(model, filter.stage);
      input = { TableName: this.table, IndexName: GSI1, KeyConditionExpression: "#pk = :pk" };
    } else {
      names["#pk"] = "pk";
      names["#sk"] = "sk";
      values[":pk"] = modelPartition(model);
      values[":prefix"] = VERSION_PREFIX;
      input = {
        TableName: this.table,
        KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
        ConsistentRead: true,
      };
    }
    if (filter.status) {
      names["#status"] = "status";
      values[":status"] = filter.status;
      input.FilterExpression = "#status = :status";
    }
    const page = await this.queryPage(
      {
        ...input,
        ScanIndexForward: false,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
      filter.limit,
      filter.nextToken,
      `versions|${model}|${filter.stage ?? ""}|${filter.status ?? ""}`,
      filter.stage ? GSI1_KEY_ATTRIBUTES : TABLE_KEY_ATTRIBUTES,
    );
    return { ...page, items: page.items.map(toVersionRecord) };
  }

  async listHistory(
    model: string,
    page: { limit: number; nextToken?: string },
  ): Promise<Page<HistoryRecord>> {
    const result = await this.queryPage(
      {
        TableName: this.table,
        KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
        ExpressionAttributeNames: { "#pk": "pk", "#sk": "sk" },
        ExpressionAttributeValues: { ":pk": modelPartition(model), ":prefix": HISTORY_PREFIX },
        ScanIndexForward: false,
        ConsistentRead: true,
      },
      page.limit,
      page.nextToken,
      `history|${model}`,
      TABLE_KEY_ATTRIBUTES,
    );
    return { ...result, items: result.items.map((item) => strip(item) as unknown as HistoryRecord) };
  }

  async getIdempotencyRecord(scope: string): Promise<IdempotencyRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: idempotencyKey(scope), ConsistentRead: true }),
    );
    // DynamoDB's TTL deletes lazily: an expired record is treated as absent.
    if (!Item || (typeof Item.ttl === "number" && Item.ttl < nowSeconds())) return undefined;
    return {
      ...(strip(Item) as unknown as Omit<IdempotencyRecord, "body">),
      body: JSON.parse(String(Item.body)),
    };
  }

  async commit(ops: WriteOp[]): Promise<void> {
    try {
      await this.client.send(
        new TransactWriteCommand({ TransactItems: ops.map((op) => this.toTransactItem(op)) }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        const failed = ops
          .filter((_, i) => reasons[i]?.Code === "ConditionalCheckFailed")
          .map((op) => op.kind);
        const transient = reasons.some(
          (r) => r.Code === "TransactionConflict" || r.Code === "ThrottlingError",
        );
        if (failed.length > 0 || transient) throw new WriteConflict(failed, transient);
        if (reasons.some((r) => r.Code === "ValidationError" && /size/i.test(r.Message ?? ""))) {
          throw tooLarge();
        }
      }
      if (
        error instanceof Error &&
        error.name === "ValidationException" &&
        /item size/i.test(error.message)
      ) {
        throw tooLarge();
      }
      throw error;
    }
  }

  async purgeVersions(model: string): Promise<number> {
    let purged = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
          ExpressionAttributeNames: { "#pk": "pk", "#sk": "sk" },
          ExpressionAttributeValues: { ":pk": modelPartition(model), ":prefix": VERSION_PREFIX },
          ProjectionExpression: "#pk, #sk",
          ExclusiveStartKey: startKey,
        }),
      );
      const keys = page.Items ?? [];
      const batches: Item[][] = [];
      for (let i = 0; i < keys.length; i += 25) batches.push(keys.slice(i, i + 25));
      await Promise.all(batches.map((batch) => this.deleteBatch(batch)));
      purged += keys.length;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return purged;
  }

  // -------------------------------------------------------------------------------------------

  private toTransactItem(op: WriteOp): TransactItem {
    const TableName = this.table;
    switch (op.kind) {
      case "putModel": {
        const { record } = op;
        const item = {
          ...modelKey(record.name),
          // A deleted model leaves the name index, so lists never see tombstones.
          ...(record.deletedAt ? {} : modelsByNameIndex(record.name)),
          type: "model",
          v: SCHEMA_VERSION,
          ...record,
        };
        return {
          Put: {
            TableName,
            Item: item,
            ...(op.expectSeq === null
              ? { ConditionExpression: "attribute_not_exists(pk)" }
              : {
                  ConditionExpression: "#seq = :seq",
                  ExpressionAttributeNames: { "#seq": "seq" },
                  ExpressionAttributeValues: { ":seq": op.expectSeq },
                }),
          },
        };
      }
      case "putVersion": {
        const { record } = op;
        const { aliases, ...rest } = record;
        const item = {
          ...versionKey(record.model, record.version),
          ...versionsByStageIndex(record.model, record.stage, record.version),
          type: "version",
          v: SCHEMA_VERSION,
          ...rest,
          // A string set (so aliases move with ADD/DELETE); DynamoDB has no empty sets.
          ...(aliases.length > 0 && { aliases: new Set(aliases) }),
        };
        return {
          Put: {
            TableName,
            Item: item,
            ...(op.expectRev === null
              ? { ConditionExpression: "attribute_not_exists(pk)" }
              : {
                  ConditionExpression: "#rev = :rev",
                  ExpressionAttributeNames: { "#rev": "rev" },
                  ExpressionAttributeValues: { ":rev": op.expectRev },
                }),
          },
        };
      }
      case "tagVersionAlias":
        return {
          Update: {
            TableName,
            Key: versionKey(op.model, op.version),
            UpdateExpression: `${op.action === "add" ? "ADD" : "DELETE"} #aliases :alias`,
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeNames: { "#aliases": "aliases" },
            ExpressionAttributeValues: { ":alias": new Set([op.alias]) },
          },
        };
      case "putHistory":
        return {
          Put: {
            TableName,
            Item: {
              ...historyKey(op.record.model, op.record.seq),
              type: "history",
              v: SCHEMA_VERSION,
              ...op.record,
            },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        };
      case "claimIdempotency": {
        const { record } = op;
        return {
          Put: {
            TableName,
            Item: {
              ...idempotencyKey(record.scope),
              type: "idempotency",
              v: SCHEMA_VERSION,
              ...record,
              // Stored as a string: the response is opaque here and may hold empty maps or sets.
              body: JSON.stringify(record.body),
              ttl: record.expiresAt,
            },
            ConditionExpression: "attribute_not_exists(pk) OR #ttl < :now",
            ExpressionAttributeNames: { "#ttl": "ttl" },
            ExpressionAttributeValues: { ":now": nowSeconds() },
          },
        };
      }
    }
  }

  /**
   * Reads one page of `limit` items. Asks for one item more than needed so a page that ends the
   * list carries no token (no empty last page). With a filter, keeps reading until the page is
   * full, the list ends, or the round-trip budget is spent (then the page may be short and the
   * token continues where reading stopped).
   */
  private async queryPage(
    input: QueryCommandInput,
    limit: number,
    nextToken: string | undefined,
    scope: string,
    keyAttributes: readonly string[],
  ): Promise<Page<Item>> {
    let startKey = nextToken ? this.tokens.decode(nextToken, scope) : undefined;
    const filtered = input.FilterExpression !== undefined;
    const items: Item[] = [];
    for (let trip = 1; ; trip++) {
      const result = await this.client.send(
        new QueryCommand({
          ...input,
          Limit: filtered ? Math.min(1000, (limit + 1) * 4) : limit + 1 - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(result.Items ?? []));
      if (items.length > limit) {
        const pageItems = items.slice(0, limit);
        const last = pageItems[pageItems.length - 1] as Item;
        return { items: pageItems, nextToken: this.tokens.encode(pick(last, keyAttributes), scope) };
      }
      if (!result.LastEvaluatedKey) return { items };
      startKey = result.LastEvaluatedKey;
      if (trip >= MAX_ROUND_TRIPS_PER_PAGE) return { items, nextToken: this.tokens.encode(startKey, scope) };
    }
  }

  private async deleteBatch(keys: Item[]): Promise<void> {
    let requests = keys.map((key) => ({ DeleteRequest: { Key: { pk: key.pk, sk: key.sk } } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      const { UnprocessedItems } = await this.client.send(
        new BatchWriteCommand({ RequestItems: { [this.table]: requests } }),
      );
      requests = (UnprocessedItems?.[this.table] ?? []) as typeof requests;
    }
  }
}

function strip(item: Item): Item {
  return Object.fromEntries(Object.entries(item).filter(([key]) => !KEY_AND_META.has(key)));
}

function toVersionRecord(item: Item): VersionRecord {
  const record = strip(item) as unknown as VersionRecord & { aliases?: Set<string> | string[] };
  return { ...record, aliases: [...(record.aliases ?? [])].sort() };
}

function pick(item: Item, attributes: readonly string[]): Item {
  return Object.fromEntries(attributes.filter((a) => a in item).map((a) => [a, item[a]]));
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

const tooLarge = () =>
  new PayloadTooLargeError(
    "the item would exceed DynamoDB's 400 KB limit: shorten the model card, description, params or metrics",
  );
