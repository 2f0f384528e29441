/**
 * Local mode's table, on DynamoDB Local: a table kept in `.local-data` from before an index was
 * added to the definition gains that index on the next start, with its existing items in it.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { registryTableDefinition as def } from "../../functions/adapters/dynamodb/table-definition.ts";
import { addMissingIndexes, createRegistryTable } from "../../local/create-table.ts";
import { registry, uniqueName } from "./support.ts";

const { dynamoEndpoint, region, registryCredentials } = registry();
const client = new DynamoDBClient({
  endpoint: dynamoEndpoint,
  region,
  credentials: registryCredentials,
});
const [firstIndex, ...laterIndexes] = def.globalSecondaryIndexes;
const created: string[] = [];

afterAll(async () => {
  for (const TableName of created) await client.send(new DeleteTableCommand({ TableName }));
  client.destroy();
});

/** A table as the registry created it when the definition had only its first index. */
async function createTableWithFirstIndexOnly(): Promise<string> {
  const TableName = uniqueName("old-table");
  const keys = [def.partitionKey, def.sortKey, firstIndex.partitionKey, firstIndex.sortKey];
  await client.send(
    new CreateTableCommand({
      TableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: keys.map((name) => ({
        AttributeName: name,
        AttributeType: def.keyAttributeType,
      })),
      KeySchema: [
        { AttributeName: def.partitionKey, KeyType: "HASH" },
        { AttributeName: def.sortKey, KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: firstIndex.indexName,
          KeySchema: [
            { AttributeName: firstIndex.partitionKey, KeyType: "HASH" },
            { AttributeName: firstIndex.sortKey, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: def.streamViewType },
    }),
  );
  created.push(TableName);
  return TableName;
}

async function indexesOf(TableName: string) {
  const { Table } = await client.send(new DescribeTableCommand({ TableName }));
  return (Table?.GlobalSecondaryIndexes ?? []).map((index) => ({
    name: index.IndexName,
    status: index.IndexStatus,
    keys: index.KeySchema?.map((key) => key.AttributeName),
  }));
}

describe("creating the registry table in local mode", () => {
  it("adds the indexes an existing table lacks, ACTIVE and holding the items already there", async () => {
    expect(laterIndexes.length).toBeGreaterThan(0);
    const TableName = await createTableWithFirstIndexOnly();
    const indexKeys = Object.fromEntries(
      laterIndexes.flatMap((index) => [
        [index.partitionKey, { S: `${index.indexName}-partition` }],
        [index.sortKey, { S: "1" }],
      ]),
    );
    await client.send(
      new PutItemCommand({
        TableName,
        Item: { [def.partitionKey]: { S: "MODEL#old" }, [def.sortKey]: { S: "OLD" }, ...indexKeys },
      }),
    );

    expect(await createRegistryTable(client, TableName)).toBe(false);

    expect(await indexesOf(TableName)).toEqual(
      expect.arrayContaining(
        def.globalSecondaryIndexes.map((index) => ({
          name: index.indexName,
          status: "ACTIVE",
          keys: [index.partitionKey, index.sortKey],
        })),
      ),
    );
    for (const index of laterIndexes) {
      const { Items } = await client.send(
        new QueryCommand({
          TableName,
          IndexName: index.indexName,
          KeyConditionExpression: "#pk = :pk",
          ExpressionAttributeNames: { "#pk": index.partitionKey },
          ExpressionAttributeValues: { ":pk": { S: `${index.indexName}-partition` } },
        }),
      );
      expect(Items).toHaveLength(1);
    }
  });

  it("changes nothing on a table that has every index", async () => {
    const TableName = uniqueName("new-table");
    expect(await createRegistryTable(client, TableName)).toBe(true);
    created.push(TableName);
    expect(await createRegistryTable(client, TableName)).toBe(false);
    expect(await addMissingIndexes(client, TableName)).toEqual([]);
    expect((await indexesOf(TableName)).map((index) => index.name).sort()).toEqual(
      def.globalSecondaryIndexes.map((index) => index.indexName).sort(),
    );
  });
});
