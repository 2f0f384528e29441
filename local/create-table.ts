import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { registryTableDefinition as table } from "../functions/adapters/dynamodb/table-definition.ts";

export const DEFAULT_TABLE_NAME = "model-registry";

type IndexDefinition = (typeof table.globalSecondaryIndexes)[number];

/** How long to wait for an index added to an existing table to become ACTIVE (it backfills). */
const INDEX_WAIT_MS = 120_000;

/**
 * Creates the registry table from the same definition the CDK data stack uses, unless it
 * exists already (a restart with persistent data). A table kept from an older version of the
 * registry gains the indexes the definition has added since (UpdateTable, one index at a time,
 * as DynamoDB requires), and this waits until they are ACTIVE. Returns whether it was created.
 */
export async function createRegistryTable(
  client: DynamoDBClient,
  tableName = DEFAULT_TABLE_NAME,
): Promise<boolean> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: attributeDefinitions(
          [table.partitionKey, table.sortKey],
          table.globalSecondaryIndexes,
        ),
        KeySchema: [
          { AttributeName: table.partitionKey, KeyType: "HASH" },
          { AttributeName: table.sortKey, KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: table.globalSecondaryIndexes.map(globalSecondaryIndex),
        StreamSpecification: { StreamEnabled: true, StreamViewType: table.streamViewType },
      }),
    );
  } catch (error) {
    if (error instanceof ResourceInUseException) {
      await addMissingIndexes(client, tableName);
      return false;
    }
    throw error;
  }
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: tableName });
  // DynamoDB Local accepts the TTL setting (it does not expire items); skip it if a version does not.
  await client
    .send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
      }),
    )
    .catch(() => undefined);
  return true;
}

/** Adds each index of the definition that the existing table lacks; answers the names added. */
export async function addMissingIndexes(client: DynamoDBClient, tableName: string): Promise<string[]> {
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: tableName });
  const existing = new Set((await describeIndexes(client, tableName)).map((index) => index.IndexName));
  const missing = table.globalSecondaryIndexes.filter((index) => !existing.has(index.indexName));
  for (const index of missing) {
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: attributeDefinitions([], [index]),
        GlobalSecondaryIndexUpdates: [{ Create: globalSecondaryIndex(index) }],
      }),
    );
    await waitUntilIndexesActive(client, tableName);
  }
  return missing.map((index) => index.indexName);
}

function attributeDefinitions(tableKeys: string[], indexes: readonly IndexDefinition[]) {
  const names = new Set<string>(tableKeys);
  for (const index of indexes) {
    names.add(index.partitionKey);
    names.add(index.sortKey);
  }
  return [...names].map((name) => ({ AttributeName: name, AttributeType: table.keyAttributeType }));
}

function globalSecondaryIndex(index: IndexDefinition): GlobalSecondaryIndex {
  return {
    IndexName: index.indexName,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: "HASH" },
      { AttributeName: index.sortKey, KeyType: "RANGE" },
    ],
    Projection: { ProjectionType: "ALL" },
  };
}

async function describeIndexes(client: DynamoDBClient, tableName: string) {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return Table?.GlobalSecondaryIndexes ?? [];
}

async function waitUntilIndexesActive(client: DynamoDBClient, tableName: string): Promise<void> {
  const deadline = Date.now() + INDEX_WAIT_MS;
  for (let delay = 100; ; delay = Math.min(2000, delay * 2)) {
    const indexes = await describeIndexes(client, tableName);
    if (indexes.every((index) => index.IndexStatus === "ACTIVE")) return;
    if (Date.now() > deadline) {
      const pending = indexes
        .filter((index) => index.IndexStatus !== "ACTIVE")
        .map((index) => index.IndexName);
      throw new Error(
        `the indexes ${pending.join(", ")} of table ${tableName} did not become ACTIVE in time`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
