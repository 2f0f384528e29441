/**
 * Rules whose triggering state (a READY version, a version in production) is reached through
 * routes of later issues (seal, transitions). Here that state is written straight into DynamoDB
 * Local, then the rule is exercised through the API.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { modelKey, versionKey } from "#adapters/dynamodb/keys.ts";
import { client, createModel, createVersion, type ErrorBody, registry, uniqueName } from "./support.ts";

const api = client("publisher");
/** Only admin may delete (README, Roles). */
const admin = client("admin");

function table() {
  const { dynamoEndpoint, region, tableName, registryCredentials } = registry();
  const raw = new DynamoDBClient({
    endpoint: dynamoEndpoint,
    region,
    credentials: registryCredentials,
  });
  return { db: DynamoDBDocumentClient.from(raw), tableName };
}

describe("rules on sealed and promoted versions", () => {
  it("a READY version keeps its metrics, lineage and signature, but its description stays editable", async () => {
    const name = uniqueName("frozen");
    await createModel(api, name);
    await createVersion(api, name, { metrics: { auc: 0.9 } });
    const { db, tableName } = table();
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: versionKey(name, 1),
        UpdateExpression: "SET #status = :ready",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":ready": "READY" },
      }),
    );
    const frozen = await api.request({
      method: "PATCH",
      path: `/models/${name}/versions/1`,
      body: { metrics: { auc: 0.99 }, description: "better" },
    });
    expect(frozen.status).toBe(409);
    expect((frozen.body as ErrorBody).error).toMatchObject({ code: "VersionFrozen" });
    expect((frozen.body as ErrorBody).error.message).toContain("metrics");
    const editable = await api.request({
      method: "PATCH",
      path: `/models/${name}/versions/1`,
      body: { description: "better", modelCard: "# Card" },
    });
    expect(editable.status).toBe(200);
    expect(editable.body).toMatchObject({ status: "READY", metrics: { auc: 0.9 }, description: "better" });
  });

  it("a model with a version in production cannot be deleted", async () => {
    const name = uniqueName("prod");
    await createModel(api, name);
    await createVersion(api, name);
    const { db, tableName } = table();
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: modelKey(name),
        UpdateExpression: "SET stages.production = :v",
        ExpressionAttributeValues: { ":v": 1 },
      }),
    );
    const response = await admin.request({ method: "DELETE", path: `/models/${name}` });
    expect(response.status).toBe(409);
    expect((response.body as ErrorBody).error.message).toContain("version 1 in production");
    expect((await api.request({ method: "GET", path: `/models/${name}` })).status).toBe(200);
  });

  it("repeating DELETE finishes a purge that an earlier delete left unfinished", async () => {
    const name = uniqueName("purge");
    await createModel(api, name);
    await createVersion(api, name);
    expect((await admin.request({ method: "DELETE", path: `/models/${name}` })).status).toBe(204);
    // What an interrupted purge leaves behind: a version item under the deleted model.
    const { db, tableName } = table();
    await db.send(
      new PutCommand({ TableName: tableName, Item: { ...versionKey(name, 1), type: "version", v: 1 } }),
    );
    const again = await admin.request({ method: "DELETE", path: `/models/${name}` });
    expect(again.status).toBe(404);
    const left = await db.send(new GetCommand({ TableName: tableName, Key: versionKey(name, 1) }));
    expect(left.Item).toBeUndefined();
  });
});
