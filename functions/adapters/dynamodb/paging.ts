/**
 * Reads one page of a list. Page tokens are the DynamoDB key to resume from, signed and bound
 * to the list they came from (`page-token.ts`), so a token is never turned into an arbitrary key.
 */
import { type DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import type { Page } from "#core/ports.ts";
import { type Item, marshallItem, unmarshallItem } from "./codec.ts";
import type { PageTokens } from "./page-token.ts";
import { GSI1, GSI1_KEY_ATTRIBUTES, TABLE, TABLE_KEY_ATTRIBUTES } from "./table.ts";

/** A Query, in plain values; the item module of the listed kind builds it. */
export interface ListQuery {
  TableName: string;
  IndexName?: string;
  KeyConditionExpression: string;
  FilterExpression?: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Item;
  ScanIndexForward?: boolean;
  ConsistentRead?: boolean;
}

export interface ListRequest {
  query: ListQuery;
  /** Names the list (kind, model, filters): a token from one list is refused by another. */
  scope: string;
  /** The attributes that make up a resume key on the table or index queried. */
  keyAttributes: readonly string[];
}

/**
 * Items of one kind, newest first: from a table partition by sort-key prefix (read
 * consistently), or from a whole gsi1 partition (eventually consistent, as every GSI), with an
 * optional `status` filter. Versions and transitions are both listed this way.
 */
export function newestFirst(options: {
  TableName: string;
  from: { table: string; prefix: string } | { gsi1Partition: string };
  status?: string | undefined;
  scope: string;
}): ListRequest {
  const { from, status } = options;
  const onIndex = "gsi1Partition" in from;
  const names: Record<string, string> = { "#pk": onIndex ? GSI1.pk : TABLE.pk };
  const values: Item = { ":pk": onIndex ? from.gsi1Partition : from.table };
  let condition = "#pk = :pk";
  if (!onIndex) {
    names["#sk"] = TABLE.sk;
    values[":prefix"] = from.prefix;
    condition += " AND begins_with(#sk, :prefix)";
  }
  if (status) {
    names["#status"] = "status";
    values[":status"] = status;
  }
  return {
    query: {
      TableName: options.TableName,
      ...(onIndex ? { IndexName: GSI1.name } : { ConsistentRead: true }),
      KeyConditionExpression: condition,
      ...(status && { FilterExpression: "#status = :status" }),
      ScanIndexForward: false,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
    scope: options.scope,
    keyAttributes: onIndex ? GSI1_KEY_ATTRIBUTES : TABLE_KEY_ATTRIBUTES,
  };
}

/**
 * The page-token key, or where to get it: a function's first list reads it from the table
 * (`items/page-token-key.ts`), so requests that never list do not wait for it at cold start.
 */
export type PageTokenSource = PageTokens | (() => Promise<PageTokens>);

/** A filtered list stops after this many round trips and hands back a token to continue. */
const MAX_ROUND_TRIPS_PER_PAGE = 8;

export class Pager {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tokens: PageTokenSource,
  ) {}

  /**
   * Reads one page of `limit` items. Asks for one item more than needed so a page that ends the
   * list carries no token (no empty last page). With a filter, keeps reading until the page is
   * full, the list ends, or the round-trip budget is spent (then the page may be short and the
   * token continues where reading stopped).
   */
  async queryPage(request: ListRequest, limit: number, nextToken: string | undefined): Promise<Page<Item>> {
    const { query, scope, keyAttributes } = request;
    const tokens = typeof this.tokens === "function" ? await this.tokens() : this.tokens;
    let startKey = nextToken ? tokens.decode(nextToken, scope) : undefined;
    const filtered = query.FilterExpression !== undefined;
    const items: Item[] = [];
    for (let trip = 1; ; trip++) {
      const result = await this.client.send(
        new QueryCommand({
          ...query,
          ExpressionAttributeValues: marshallItem(query.ExpressionAttributeValues),
          Limit: filtered ? Math.min(1000, (limit + 1) * 4) : limit + 1 - items.length,
          ExclusiveStartKey: startKey && marshallItem(startKey),
        }),
      );
      items.push(...(result.Items ?? []).map(unmarshallItem));
      if (items.length > limit) {
        const pageItems = items.slice(0, limit);
        const last = pageItems[pageItems.length - 1] as Item;
        return { items: pageItems, nextToken: tokens.encode(pick(last, keyAttributes), scope) };
      }
      if (!result.LastEvaluatedKey) return { items };
      startKey = unmarshallItem(result.LastEvaluatedKey);
      if (trip >= MAX_ROUND_TRIPS_PER_PAGE) return { items, nextToken: tokens.encode(startKey, scope) };
    }
  }
}

function pick(item: Item, attributes: readonly string[]): Item {
  return Object.fromEntries(attributes.filter((a) => a in item).map((a) => [a, item[a]]));
}
