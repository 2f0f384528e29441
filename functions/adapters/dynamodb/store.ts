/**
 * The registry's storage adapter: implements the core's RegistryStore port on one DynamoDB
 * table. Every read is a single GetItem/BatchGetItem/Query (lists may continue when a filter
 * drops items); every mutation is a single TransactWriteItems with conditions.
 *
 * Each item kind lives in `items/` (its key, attributes and write condition); `transact.ts`
 * commits, `paging.ts` lists, `codec.ts` marshals. This class only composes them.
 */
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import type {
  IdempotencyRecord,
  ListModelsFilter,
  ListOpenTransitionsFilter,
  ListTransitionsFilter,
  ListVersionsFilter,
  Page,
  RegistryStore,
  WriteOp,
} from "#core/ports.ts";
import type {
  HistoryRecord,
  ModelRecord,
  StageTenureRecord,
  TransitionRecord,
  VersionRecord,
} from "#core/records.ts";
import { type AttributeMap, type Item, marshallItem, unmarshallItem } from "./codec.ts";
import { listHistoryNewestFirst, toHistoryRecord } from "./items/history.ts";
import { toIdempotencyRecord } from "./items/idempotency.ts";
import { listModelsByName, toModelRecord } from "./items/model.ts";
import { listStageTenuresNewestFirst, toStageTenureRecord } from "./items/stage-tenure.ts";
import {
  listOpenTransitionsOldestFirst,
  listTransitionsNewestFirst,
  toTransitionRecord,
} from "./items/transition.ts";
import { listVersionsNewestFirst, toVersionRecord, versionKeysOfModel } from "./items/version.ts";
import { idempotencyKey, modelKey, transitionKey, versionKey } from "./keys.ts";

import { Pager, type PageTokenSource } from "./paging.ts";
import { TABLE } from "./table.ts";
import { commitTransaction } from "./transact.ts";

export interface DynamoStoreOptions {
  /** The low-level client: the adapter marshals items itself (see `codec.ts`). */
  client: DynamoDBClient;
  tableName: string;
  pageTokens: PageTokenSource;
}

export class DynamoRegistryStore implements RegistryStore {
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly pager: Pager;

  constructor(options: DynamoStoreOptions) {
    this.client = options.client;
    this.table = options.tableName;
    this.pager = new Pager(options.client, options.pageTokens);
  }

  async getModel(name: string): Promise<ModelRecord | undefined> {
    const item = await this.getItem(modelKey(name));
    return item && toModelRecord(item);
  }

  async listModels(filter: ListModelsFilter): Promise<Page<ModelRecord>> {
    const page = await this.pager.queryPage(
      listModelsByName(filter, this.table),
      filter.limit,
      filter.nextToken,
    );
    return { ...page, items: page.items.map(toModelRecord) };
  }

  async getVersion(model: string, version: number): Promise<VersionRecord | undefined> {
    const item = await this.getItem(versionKey(model, version));
    return item && toVersionRecord(item);
  }

  async getVersions(model: string, versions: number[]): Promise<VersionRecord[]> {
    if (versions.length === 0) return [];
    const { Responses } = await this.client.send(
      new BatchGetItemCommand({
        RequestItems: {
          [this.table]: {
            Keys: versions.map((v) => marshallItem(versionKey(model, v))),
            ConsistentRead: true,
          },
        },
      }),
    );
    return (Responses?.[this.table] ?? []).map((item) => toVersionRecord(unmarshallItem(item)));
  }

  async listVersions(model: string, filter: ListVersionsFilter): Promise<Page<VersionRecord>> {
    const request = listVersionsNewestFirst(model, filter, this.table);
    const page = await this.pager.queryPage(request, filter.limit, filter.nextToken);
    return { ...page, items: page.items.map(toVersionRecord) };
  }

  async listHistory(
    model: string,
    page: { limit: number; nextToken?: string },
  ): Promise<Page<HistoryRecord>> {
    const result = await this.pager.queryPage(
      listHistoryNewestFirst(model, this.table),
      page.limit,
      page.nextToken,
    );
    return { ...result, items: result.items.map(toHistoryRecord) };
  }

  async getIdempotencyRecord(scope: string, now: number): Promise<IdempotencyRecord | undefined> {
    const item = await this.getItem(idempotencyKey(scope));
    return item && toIdempotencyRecord(item, now);
  }

  async getTransition(model: string, id: string): Promise<TransitionRecord | undefined> {
    const item = await this.getItem(transitionKey(model, id));
    return item && toTransitionRecord(item);
  }

  async listTransitions(model: string, filter: ListTransitionsFilter): Promise<Page<TransitionRecord>> {
    const request = listTransitionsNewestFirst(model, filter, this.table);
    const page = await this.pager.queryPage(request, filter.limit, filter.nextToken);
    return { ...page, items: page.items.map(toTransitionRecord) };
  }

  /** Read from gsi2, eventually consistent: a listed request may have moved on a moment ago. */
  async listOpenTransitions(filter: ListOpenTransitionsFilter): Promise<Page<TransitionRecord>> {
    const request = listOpenTransitionsOldestFirst(filter, this.table);
    const page = await this.pager.queryPage(request, filter.limit, filter.nextToken);
    return { ...page, items: page.items.map(toTransitionRecord) };
  }

  async listStageTenures(
    model: string,
    stage: string,
    page: { limit: number; nextToken?: string },
  ): Promise<Page<StageTenureRecord>> {
    const result = await this.pager.queryPage(
      listStageTenuresNewestFirst(model, stage, this.table),
      page.limit,
      page.nextToken,
    );
    return { ...result, items: result.items.map(toStageTenureRecord) };
  }

  commit(ops: WriteOp[]): Promise<void> {
    return commitTransaction(this.client, this.table, ops);
  }

  async purgeVersions(model: string): Promise<number> {
    const query = versionKeysOfModel(model, this.table);
    let purged = 0;
    let startKey: AttributeMap | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          ...query,
          ExpressionAttributeValues: marshallItem(query.ExpressionAttributeValues),
          ExclusiveStartKey: startKey,
        }),
      );
      const keys = page.Items ?? [];
      const batches: AttributeMap[][] = [];
      for (let i = 0; i < keys.length; i += 25) batches.push(keys.slice(i, i + 25));
      await Promise.all(batches.map((batch) => this.deleteBatch(batch)));
      purged += keys.length;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return purged;
  }

  // -------------------------------------------------------------------------------------------

  private async getItem(key: Item): Promise<Item | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: marshallItem(key), ConsistentRead: true }),
    );
    return Item && unmarshallItem(Item);
  }

  /** BatchWriteItem may leave items unprocessed under throttling: retry them with backoff. */
  private async deleteBatch(keys: AttributeMap[]): Promise<void> {
    let requests: WriteRequest[] = keys.map((key) => ({
      DeleteRequest: { Key: { [TABLE.pk]: key[TABLE.pk], [TABLE.sk]: key[TABLE.sk] } as AttributeMap },
    }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      const { UnprocessedItems } = await this.client.send(
        new BatchWriteItemCommand({ RequestItems: { [this.table]: requests } }),
      );
      requests = UnprocessedItems?.[this.table] ?? [];
    }
  }
}
