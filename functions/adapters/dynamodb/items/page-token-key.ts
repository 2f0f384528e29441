/**
 * The HMAC key that signs list `nextToken`s (`page-token.ts`), kept in the registry's own table
 * instead of a Secrets Manager secret ($0.40 a month idle). The first function instance that
 * lists creates it with a conditional put; every instance reads it once (one GetItem, strongly
 * consistent) and keeps it. Two cold starts racing both try the put: one wins, the other reads
 * the winner's key back, so every instance signs with the same key.
 *
 * Who can read the key can already read every item it protects (the table's readers), and a
 * forged token can only resume a list the caller may read anyway (docs/alarms-and-cost.md says
 * what replacing or deleting it does).
 */
import { randomBytes } from "node:crypto";
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshallItem, unmarshallItem } from "../codec.ts";
import { pageTokenKeyKey } from "../keys.ts";
import { TABLE } from "../table.ts";
import { envelope } from "./item.ts";

/** 32 random bytes, base64: a 256-bit HMAC-SHA256 key. */
const KEY_BYTES = 32;

export async function readOrCreatePageTokenKey(client: DynamoDBClient, TableName: string): Promise<string> {
  const stored = await readKey(client, TableName);
  if (stored !== undefined) return stored;
  const key = randomBytes(KEY_BYTES).toString("base64");
  try {
    await client.send(
      new PutItemCommand({
        TableName,
        Item: marshallItem({ ...pageTokenKeyKey(), ...envelope("pageTokenKey"), key }),
        ConditionExpression: "attribute_not_exists(#pk)",
        ExpressionAttributeNames: { "#pk": TABLE.pk },
      }),
    );
    return key;
  } catch (error) {
    if ((error as { name?: string }).name !== "ConditionalCheckFailedException") throw error;
  }
  // Another instance created it between our read and our put: use theirs.
  const created = await readKey(client, TableName);
  if (created === undefined)
    throw new Error("the page-token key was created and then deleted while being read");
  return created;
}

async function readKey(client: DynamoDBClient, TableName: string): Promise<string | undefined> {
  const { Item } = await client.send(
    new GetItemCommand({ TableName, Key: marshallItem(pageTokenKeyKey()), ConsistentRead: true }),
  );
  if (!Item) return undefined;
  const { key } = unmarshallItem(Item);
  if (typeof key !== "string" || Buffer.from(key, "base64").length < KEY_BYTES) {
    // A key someone wrote by hand, too short to sign with: refuse to list rather than sign weakly.
    throw new Error(
      `the page-token key item (${Object.values(pageTokenKeyKey()).join(" / ")}) does not hold ${KEY_BYTES} base64 bytes in "key": delete the item and a new key is made on the next cold start`,
    );
  }
  return key;
}
