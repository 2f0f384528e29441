/**
 * The page-token key kept in the table (no Secrets Manager): created once by a conditional put,
 * even by cold starts racing, read back by every later instance, and refused when it is too
 * short to sign with. On a table of its own, so the shared registry's key is not in the way.
 */
import { DeleteTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { readOrCreatePageTokenKey } from "#adapters/dynamodb/items/page-token-key.ts";
import { PageTokens } from "#adapters/dynamodb/page-token.ts";
import { createRegistryTable } from "../../local/create-table.ts";
import { registry, uniqueName } from "./support.ts";

const { dynamoEndpoint, region, registryCredentials } = registry();
const client = new DynamoDBClient({
  endpoint: dynamoEndpoint,
  region,
  credentials: registryCredentials,
});
const TableName = uniqueName("page-token-key");
const keyItem = { pk: { S: "REGISTRY#PAGE_TOKENS" }, sk: { S: "KEY" } };

afterAll(async () => {
  await client.send(new DeleteTableCommand({ TableName }));
  client.destroy();
});

describe("the page-token key in the table", () => {
  it("is created once by racing cold starts, and every later instance signs with it", async () => {
    await createRegistryTable(client, TableName);
    // Five instances starting at once: one put wins, the others read the winner's key back.
    const keys = await Promise.all(
      Array.from({ length: 5 }, () => readOrCreatePageTokenKey(client, TableName)),
    );
    expect(new Set(keys).size).toBe(1);
    expect(Buffer.from(keys[0]!, "base64")).toHaveLength(32);
    const { Item } = await client.send(new GetItemCommand({ TableName, Key: keyItem, ConsistentRead: true }));
    expect(Item?.key).toEqual({ S: keys[0] });
    // Not a history item: the stream publisher's filter (type = history) never sees it.
    expect(Item?.type).toEqual({ S: "pageTokenKey" });

    // A token signed before a cold start is read by the next instance's key.
    const token = new PageTokens(keys[0]!).encode({ pk: "MODEL#a", sk: "MODEL" }, "models");
    const later = new PageTokens(await readOrCreatePageTokenKey(client, TableName));
    expect(later.decode(token, "models")).toEqual({ pk: "MODEL#a", sk: "MODEL" });
    expect(() => new PageTokens("another key of 32 characters....").decode(token, "models")).toThrow(
      /not a token this API issued/,
    );
  });

  it("refuses to sign with a key item written by hand that is too short", async () => {
    await client.send(
      new PutItemCommand({
        TableName,
        Item: { ...keyItem, type: { S: "pageTokenKey" }, key: { S: "c2hvcnQ=" } },
      }),
    );
    await expect(readOrCreatePageTokenKey(client, TableName)).rejects.toThrow(
      /does not hold 32 base64 bytes/,
    );
  });
});
