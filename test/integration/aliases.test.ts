import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { PageTokens } from "#adapters/dynamodb/page-token.ts";
import { DynamoRegistryStore } from "#adapters/dynamodb/store.ts";
import {
  client,
  createModel,
  createVersion,
  type ErrorBody,
  expectError,
  expectIssue,
  latestHistoryEntry,
  newModel,
  newReadyModel,
  registry,
  setAlias,
  uniqueName,
} from "./support.ts";

const api = client("publisher");
/** Only admin may delete (README, Roles). */
const admin = client("admin");

describe("aliases", () => {
  it("an alias resolves to its version, shows on the model and the version, and moves atomically", async () => {
    const name = await newReadyModel(api, "alias", 2);

    const set = await setAlias(api, name, "champion", 1);
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ model: name, alias: "champion", version: 1 });

    const resolved = await api.request({ method: "GET", path: `/models/${name}/aliases/champion` });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      alias: "champion",
      version: 1,
      modelVersion: { version: 1, aliases: ["champion"] },
    });

    await setAlias(api, name, "champion", 2);
    const model = await api.request({ method: "GET", path: `/models/${name}` });
    expect(model.body).toMatchObject({ aliases: { champion: 2 } });
    const v1 = await api.request({ method: "GET", path: `/models/${name}/versions/1` });
    const v2 = await api.request({ method: "GET", path: `/models/${name}/versions/2` });
    expect(v1.body).toMatchObject({ aliases: [] });
    expect(v2.body).toMatchObject({ aliases: ["champion"] });

    expect(await latestHistoryEntry(api, name)).toMatchObject({ action: "ALIAS_SET", from: 1, to: 2 });
  });

  it("deleting an alias frees the version and records it", async () => {
    const name = await newReadyModel(api, "unalias", 1);
    await setAlias(api, name, "canary", 1);
    const deleted = await admin.request({ method: "DELETE", path: `/models/${name}/aliases/canary` });
    expect(deleted.status).toBe(204);
    const gone = await api.request({ method: "GET", path: `/models/${name}/aliases/canary` });
    expect(expectError(gone, 404, "AliasNotFound").message).toBe(`model '${name}' has no alias 'canary'`);
    const v1 = await api.request({ method: "GET", path: `/models/${name}/versions/1` });
    expect(v1.body).toMatchObject({ aliases: [] });
    expect((await admin.request({ method: "DELETE", path: `/models/${name}` })).status).toBe(204);
  });

  it("an alias points only at a READY version: a version still waiting for its upload is a 409", async () => {
    const name = uniqueName("alias409");
    await createModel(api, name);
    await createVersion(api, name);
    const refused = await api.request({
      method: "PUT",
      path: `/models/${name}/aliases/champion`,
      body: { version: 1 },
    });
    expect(refused.status).toBe(409);
    expect((refused.body as ErrorBody).error).toMatchObject({
      code: "VersionNotReady",
      message: `version 1 of '${name}' is PENDING_UPLOAD, not READY: only READY versions can carry an alias (upload its artifacts and seal it first)`,
    });
  });

  it("pointing an alias at a missing version is a 404, at a non-number a 400, and a bad alias name a 400", async () => {
    const name = await newModel(api, "alias404");
    expectError(await setAlias(api, name, "champion", 3), 404, "VersionNotFound");
    expectIssue(await setAlias(api, name, "champion", "latest"), "body.version");
    expectIssue(await setAlias(api, name, "9lives", 1), "path.alias");
  });

  it("aliases named after Object members are ordinary aliases: missing, set, resolved, deleted", async () => {
    const name = await newReadyModel(api, "objalias", 1);
    for (const alias of ["toString", "valueOf", "constructor", "hasOwnProperty"]) {
      expectError(
        await api.request({ method: "GET", path: `/models/${name}/aliases/${alias}` }),
        404,
        "AliasNotFound",
      );
      expectError(
        await admin.request({ method: "DELETE", path: `/models/${name}/aliases/${alias}` }),
        404,
        "AliasNotFound",
      );
      expect((await setAlias(api, name, alias, 1)).status).toBe(200);
      const resolved = await api.request({ method: "GET", path: `/models/${name}/aliases/${alias}` });
      expect(resolved.body).toMatchObject({ alias, version: 1 });
      expect(
        (await admin.request({ method: "DELETE", path: `/models/${name}/aliases/${alias}` })).status,
      ).toBe(204);
    }
  });
});

describe("stage names are not alias names (issue 18, item 5)", () => {
  const STAGE_NAME = /^is a stage name: development, staging, production, archived are reserved, in any case/;

  it("PUT …/aliases/<stage> is refused in any case, so no alias serves a version outside the stage's policy", async () => {
    const name = await newReadyModel(api, "stagealias", 1);
    for (const alias of ["production", "Production", "PRODUCTION", "staging", "archived", "development"]) {
      const refused = await setAlias(api, name, alias, 1);
      expectIssue(refused, "path.alias", STAGE_NAME);
    }
    const model = await api.request({ method: "GET", path: `/models/${name}` });
    expect(model.body).toMatchObject({ aliases: {}, stages: {} });
    // Names that merely contain a stage name are fine.
    expect((await setAlias(api, name, "production-candidate", 1)).status).toBe(200);
  });

  it("an alias named like a stage, stored before the names were reserved, no longer resolves or serves, and can be deleted", async () => {
    const name = await newReadyModel(api, "legacyalias", 1);
    const model = await legacyStore.getModel(name);
    if (!model) throw new Error(`no model ${name}`);
    // What PUT …/aliases/production did before: the pointer on the model, the name on the version.
    await legacyStore.commit([
      {
        kind: "putModel",
        record: { ...model, aliases: { production: 1 }, seq: model.seq },
        expectSeq: model.seq,
      },
      { kind: "tagVersionAlias", model: name, version: 1, alias: "production", action: "add" },
    ]);
    const resolved = await api.request({ method: "GET", path: `/models/${name}/aliases/production` });
    expectIssue(resolved, "path.alias", STAGE_NAME);
    const download = await api.request({
      method: "GET",
      path: `/models/${name}/aliases/production/artifacts/model.onnx`,
    });
    expectIssue(download, "path.alias", STAGE_NAME);
    const deleted = await admin.request({ method: "DELETE", path: `/models/${name}/aliases/production` });
    expect(deleted.status).toBe(204);
    expect((await api.request({ method: "GET", path: `/models/${name}` })).body).toMatchObject({
      aliases: {},
    });
  });
});

const legacyStore = (() => {
  const { dynamoEndpoint, region, tableName, registryCredentials } = registry();
  return new DynamoRegistryStore({
    client: new DynamoDBClient({
      endpoint: dynamoEndpoint,
      region,
      credentials: registryCredentials,
    }),
    tableName,
    pageTokens: new PageTokens("alias-test-page-token-secret"),
  });
})();
