import { describe, expect, it } from "vitest";
import {
  client,
  createModel,
  createReadyVersion,
  createVersion,
  type ErrorBody,
  uniqueName,
} from "./support.ts";

const api = client("publisher");
/** Only admin may delete (README, Roles). */
const admin = client("admin");

describe("aliases", () => {
  it("an alias resolves to its version, shows on the model and the version, and moves atomically", async () => {
    const name = uniqueName("alias");
    await createModel(api, name);
    await createReadyVersion(api, name);
    await createReadyVersion(api, name);

    const set = await api.request({
      method: "PUT",
      path: `/models/${name}/aliases/champion`,
      body: { version: 1 },
    });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ model: name, alias: "champion", version: 1 });

    const resolved = await api.request({ method: "GET", path: `/models/${name}/aliases/champion` });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      alias: "champion",
      version: 1,
      modelVersion: { version: 1, aliases: ["champion"] },
    });

    await api.request({ method: "PUT", path: `/models/${name}/aliases/champion`, body: { version: 2 } });
    const model = await api.request({ method: "GET", path: `/models/${name}` });
    expect(model.body).toMatchObject({ aliases: { champion: 2 } });
    const v1 = await api.request({ method: "GET", path: `/models/${name}/versions/1` });
    const v2 = await api.request({ method: "GET", path: `/models/${name}/versions/2` });
    expect(v1.body).toMatchObject({ aliases: [] });
    expect(v2.body).toMatchObject({ aliases: ["champion"] });

    const history = await api.request({
      method: "GET",
      path: `/models/${name}/history`,
      query: { limit: 1 },
    });
    expect((history.body as { items: unknown[] }).items[0]).toMatchObject({
      action: "ALIAS_SET",
      from: 1,
      to: 2,
    });
  });

  it("deleting an alias frees the version and records it", async () => {
    const name = uniqueName("unalias");
    await createModel(api, name);
    await createReadyVersion(api, name);
    await api.request({ method: "PUT", path: `/models/${name}/aliases/canary`, body: { version: 1 } });
    const deleted = await admin.request({ method: "DELETE", path: `/models/${name}/aliases/canary` });
    expect(deleted.status).toBe(204);
    const gone = await api.request({ method: "GET", path: `/models/${name}/aliases/canary` });
    expect(gone.status).toBe(404);
    expect((gone.body as ErrorBody).error).toMatchObject({
      code: "AliasNotFound",
      message: `model '${name}' has no alias 'canary'`,
    });
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
    const name = uniqueName("alias404");
    await createModel(api, name);
    const missing = await api.request({
      method: "PUT",
      path: `/models/${name}/aliases/champion`,
      body: { version: 3 },
    });
    expect(missing.status).toBe(404);
    expect((missing.body as ErrorBody).error.code).toBe("VersionNotFound");
    const notNumber = await api.request({
      method: "PUT",
      path: `/models/${name}/aliases/champion`,
      body: { version: "latest" },
    });
    expect(notNumber.status).toBe(400);
    expect((notNumber.body as ErrorBody).error.issues?.[0]?.field).toBe("body.version");
    const badName = await api.request({
      method: "PUT",
      path: `/models/${name}/aliases/9lives`,
      body: { version: 1 },
    });
    expect(badName.status).toBe(400);
    expect((badName.body as ErrorBody).error.issues?.[0]?.field).toBe("path.alias");
  });
});
