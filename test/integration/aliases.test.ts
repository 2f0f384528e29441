import { describe, expect, it } from "vitest";
import { client, expectError, expectIssue, latestHistoryEntry, newModel, setAlias } from "./support.ts";

const api = client("publisher");
/** Only admin may delete (README, Roles). */
const admin = client("admin");

describe("aliases", () => {
  it("an alias resolves to its version, shows on the model and the version, and moves atomically", async () => {
    const name = await newModel(api, "alias", 2);

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
    const name = await newModel(api, "unalias", 1);
    await setAlias(api, name, "canary", 1);
    const deleted = await admin.request({ method: "DELETE", path: `/models/${name}/aliases/canary` });
    expect(deleted.status).toBe(204);
    const gone = await api.request({ method: "GET", path: `/models/${name}/aliases/canary` });
    expect(expectError(gone, 404, "AliasNotFound").message).toBe(`model '${name}' has no alias 'canary'`);
    const v1 = await api.request({ method: "GET", path: `/models/${name}/versions/1` });
    expect(v1.body).toMatchObject({ aliases: [] });
    expect((await admin.request({ method: "DELETE", path: `/models/${name}` })).status).toBe(204);
  });

  it("pointing an alias at a missing version is a 404, at a non-number a 400, and a bad alias name a 400", async () => {
    const name = await newModel(api, "alias404");
    expectError(await setAlias(api, name, "champion", 3), 404, "VersionNotFound");
    expectIssue(await setAlias(api, name, "champion", "latest"), "body.version");
    expectIssue(await setAlias(api, name, "9lives", 1), "path.alias");
  });
});
