import { describe, expect, it } from "vitest";
import {
  client,
  createModel,
  createReadyVersion,
  createVersion,
  expectError,
  expectIssue,
  listVersions,
  newModel,
  newReadyModel,
  patchModel,
  principal,
  setAlias,
  uniqueName,
} from "./support.ts";

const api = client("publisher");
/** Only admin may delete (README, Roles). */
const admin = client("admin");

describe("models", () => {
  it("registering a model returns it with an ETag and records who did it", async () => {
    const name = uniqueName("fraud");
    const response = await api.request({
      method: "POST",
      path: "/models",
      body: { name, description: "card fraud", owner: "risk-team", tags: { team: "risk" } },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      name,
      description: "card fraud",
      owner: "risk-team",
      tags: { team: "risk" },
      latestVersion: 0,
      stages: {},
      aliases: {},
      createdBy: principal("publisher").arn,
    });
    expect(response.headers.etag).toBe((response.body as { etag: string }).etag);

    const got = await api.request({ method: "GET", path: `/models/${name}` });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(response.body);
  });

  it("a taken name is a 409 that says so", async () => {
    const name = uniqueName("dup");
    await createModel(api, name);
    const again = await api.request({ method: "POST", path: "/models", body: { name } });
    expect(expectError(again, 409, "ModelAlreadyExists").message).toContain(name);
  });

  it.each([
    [{}, "body.name", /required/],
    [{ name: "has space" }, "body.name", /letters, digits/],
    [{ name: "ok", tags: { team: 7 } }, "body.tags.team", /string/],
    [{ name: "ok", colour: "red" }, "body.colour", /not a known field/],
    [
      { name: "ok", policy: { approvals: { production: { required: 11 } } } },
      "body.policy.approvals.production.required",
      /10/,
    ],
  ])("an invalid body %j is a 400 naming %s", async (body, field, message) => {
    const response = await api.request({ method: "POST", path: "/models", body });
    const error = expectError(response, 400, "ValidationError");
    expect(error.message).toContain(field);
    expect(error.issues?.[0]?.field).toBe(field);
    expect(error.issues?.[0]?.message).toMatch(message);
    expect(error.requestId).toBeTruthy();
  });

  it("a body that is not JSON is a 400 that says so", async () => {
    const response = await api.request({ method: "POST", path: "/models", body: "{name: fraud" });
    expectError(response, 400, "InvalidJson");
  });

  it("an unknown model is a 404 naming it", async () => {
    const response = await api.request({ method: "GET", path: "/models/no-such-model" });
    expect(expectError(response, 404, "ModelNotFound").message).toBe("model 'no-such-model' does not exist");
  });

  it("PATCH changes only the given fields and bumps the ETag", async () => {
    const name = uniqueName("patch");
    const created = await createModel(api, name, { description: "v1", owner: "a" });
    const patched = await patchModel(api, name, { description: "v2" }, created.etag);
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ description: "v2", owner: "a" });
    expect(patched.headers.etag).not.toBe(created.etag);
  });

  it("PATCH with a stale If-Match is a 412 and changes nothing", async () => {
    const name = uniqueName("stale");
    const created = await createModel(api, name, { description: "original" });
    await patchModel(api, name, { description: "first" });
    expectError(
      await patchModel(api, name, { description: "second" }, created.etag),
      412,
      "PreconditionFailed",
    );
    const current = await api.request({ method: "GET", path: `/models/${name}` });
    expect(current.body).toMatchObject({ description: "first" });
  });

  it("creating versions does not invalidate the model's ETag (it guards the editable fields)", async () => {
    const name = uniqueName("etag");
    const created = await createModel(api, name);
    await createVersion(api, name);
    const patched = await patchModel(api, name, { owner: "me" }, created.etag);
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ owner: "me", latestVersion: 1 });
  });

  it("lists models by prefix, owner and tag", async () => {
    const prefix = uniqueName("list");
    await createModel(api, `${prefix}-a`, { owner: "alice", tags: { domain: "vision" } });
    await createModel(api, `${prefix}-b`, { owner: "bob", tags: { domain: "nlp" } });
    await createModel(api, `${prefix}-c`, { owner: "alice", tags: { domain: "nlp" } });
    const names = async (query: Record<string, string>) => {
      const response = await api.request({ method: "GET", path: "/models", query: { prefix, ...query } });
      expect(response.status).toBe(200);
      return (response.body as { items: { name: string }[] }).items.map((m) => m.name);
    };
    expect(await names({})).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
    expect(await names({ owner: "alice" })).toEqual([`${prefix}-a`, `${prefix}-c`]);
    expect(await names({ tag: "domain=nlp" })).toEqual([`${prefix}-b`, `${prefix}-c`]);
    expect(await names({ tag: "domain=nlp", owner: "alice" })).toEqual([`${prefix}-c`]);
  });

  it("paginates models by name, each exactly once", async () => {
    const prefix = uniqueName("mpage");
    const all = Array.from({ length: 7 }, (_, i) => `${prefix}-${i}`);
    for (const name of all) await createModel(api, name);
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const response = await api.request({
        method: "GET",
        path: "/models",
        query: { prefix, limit: 3, nextToken },
      });
      const page = response.body as { items: { name: string }[]; nextToken?: string };
      seen.push(...page.items.map((m) => m.name));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    expect(seen).toEqual(all);
    expect(pages).toBe(3);
  });

  it("a bad list parameter is a 400 naming it", async () => {
    for (const [query, field] of [
      [{ limit: "0" }, "query.limit"],
      [{ limit: "abc" }, "query.limit"],
      [{ tag: "no-equals-sign" }, "query.tag"],
      [{ colour: "red" }, "query.colour"],
    ] as const) {
      expectIssue(await api.request({ method: "GET", path: "/models", query }), field);
    }
  });

  it("deleting a model removes it and its versions, and a re-created name continues the numbering", async () => {
    const name = await newModel(api, "del", 2);
    const deleted = await admin.request({ method: "DELETE", path: `/models/${name}` });
    expect(deleted.status).toBe(204);
    expect((await api.request({ method: "GET", path: `/models/${name}` })).status).toBe(404);
    expect((await api.request({ method: "GET", path: `/models/${name}/versions/1` })).status).toBe(404);
    const listed = await api.request({ method: "GET", path: "/models", query: { prefix: name } });
    expect((listed.body as { items: unknown[] }).items).toEqual([]);

    await createModel(api, name);
    const versions = await listVersions(api, name);
    expect((versions.body as { items: unknown[] }).items).toEqual([]);
    const next = await createVersion(api, name);
    expect(next.version).toBe(3);
  });

  it("a model with an alias cannot be deleted (409 says which alias)", async () => {
    const name = await newReadyModel(api, "protected", 1);
    await setAlias(api, name, "champion", 1);
    const response = await admin.request({ method: "DELETE", path: `/models/${name}` });
    expect(expectError(response, 409, "ModelProtected").message).toContain("champion");
  });

  it("history lists every change newest first, with actor, sequence and before/after", async () => {
    const name = uniqueName("hist");
    await createModel(api, name, { description: "a" });
    await createReadyVersion(api, name);
    await patchModel(api, name, { description: "b" });
    await setAlias(api, name, "champion", 1);
    const response = await api.request({ method: "GET", path: `/models/${name}/history` });
    expect(response.status).toBe(200);
    const items = (response.body as { items: Record<string, unknown>[] }).items;
    expect(items.map((e) => [e.seq, e.action])).toEqual([
      [6, "ALIAS_SET"],
      [5, "MODEL_UPDATED"],
      [4, "VERSION_READY"],
      [3, "VERSION_VERIFICATION_STARTED"],
      [2, "VERSION_CREATED"],
      [1, "MODEL_REGISTERED"],
    ]);
    expect(items[1]).toMatchObject({ from: { description: "a" }, to: { description: "b" } });
    expect(items[0]).toMatchObject({ version: 1, from: null, to: 1, details: { alias: "champion" } });
    for (const entry of items) expect(entry.actor).toBe(principal("publisher").arn);
  });

  it("history of a name never used is a 404", async () => {
    const response = await api.request({ method: "GET", path: `/models/${uniqueName("never")}/history` });
    expect(response.status).toBe(404);
  });
});
