/**
 * Regression tests for what a hostile-client run found, through real signed HTTP: map keys that
 * collide with Object.prototype, unclear 400s, numbers DynamoDB cannot store, lenient integers in
 * paths and queries, weak If-Match tags, and rules the OpenAPI document did not state.
 */
import { describe, expect, it } from "vitest";
import {
  artifact,
  client,
  createModel,
  createVersion,
  type ErrorBody,
  expectIssue,
  newModel,
  patchModel,
  postVersion,
  uniqueName,
  VERSION_PARAM_MESSAGE,
} from "./support.ts";

const api = client("publisher");

describe("map keys named like Object.prototype members are stored exactly", () => {
  it("a model's tags __proto__ and constructor round-trip", async () => {
    const name = uniqueName("proto");
    // A raw body: JSON.stringify of an object literal would drop a `__proto__` key.
    const created = await api.request({
      method: "POST",
      path: "/models",
      body: `{"name": "${name}", "tags": {"__proto__": "x", "constructor": "y", "toString": "z"}}`,
    });
    expect(created.status, created.rawBody).toBe(201);
    const expected = JSON.parse('{"__proto__": "x", "constructor": "y", "toString": "z"}');
    expect(JSON.parse(created.rawBody).tags).toEqual(expected);
    const got = await api.request({ method: "GET", path: `/models/${name}` });
    expect(got.status, got.rawBody).toBe(200);
    expect(JSON.parse(got.rawBody).tags).toEqual(expected);
  });

  it("a version's metrics, params and tags __proto__ and constructor round-trip", async () => {
    const name = await newModel(api, "proto-v");
    const maps =
      '{"metrics": {"__proto__": 0.5, "constructor": 2}, "params": {"__proto__": "a", "constructor": "b"}, "tags": {"__proto__": "t"}}';
    const body = { ...JSON.parse(maps), artifacts: [artifact()] };
    const created = await postVersion(
      api,
      name,
      `${maps.slice(0, -1)}, "artifacts": ${JSON.stringify(body.artifacts)}}`,
    );
    expect(created.status, created.rawBody).toBe(201);
    const got = await api.request({ method: "GET", path: `/models/${name}/versions/1` });
    expect(got.status, got.rawBody).toBe(200);
    const version = JSON.parse(got.rawBody);
    expect(version.metrics).toEqual(body.metrics);
    expect(version.params).toEqual(body.params);
    expect(version.tags).toEqual(body.tags);
  });

  it("__proto__ as a field of a fixed-shape body is an unknown field, named", async () => {
    const response = await api.request({
      method: "POST",
      path: "/models",
      body: `{"name": "${uniqueName("proto-f")}", "__proto__": {"owner": "x"}}`,
    });
    expectIssue(response, "body.__proto__", "is not a known field: remove it or check its spelling");
  });
});

describe("a 400 names the field, the offending key and the rule", () => {
  it.each([
    [{ metrics: { "": 1 } }, 'body.metrics[""]', /^metric names must be 1-250 printable characters/],
    [{ params: { "a\u0000b": "x" } }, 'body.params["a\\u0000b"]', /^param names must be 1-250/],
    [{ tags: { "bad key!": "x" } }, 'body.tags["bad key!"]', /^tag keys are 1-128 letters, digits/],
    [{ metrics: { auc: 1e-200 } }, "body.metrics.auc", /DynamoDB's number range/],
    [{ metrics: { auc: -1e200 } }, "body.metrics.auc", /DynamoDB's number range/],
    [{ format: "tflite" }, "body.format", /^must be one of onnx, .*\(any case\)$/],
    [{ framework: "" }, "body.framework", /^must be at least 1 characters long$/],
    [
      { artifacts: [artifact("big.bin", 5 * 1024 ** 4 + 1)] },
      "body.artifacts.0.size",
      /^artifacts are at most 5 TiB/,
    ],
  ])("version body %j → 400 at %s", async (extra, field, message) => {
    const name = await newModel(api, "bad-in");
    const response = await postVersion(api, name, { artifacts: [artifact()], ...extra });
    expectIssue(response, field, message);
    expect((response.body as ErrorBody).error.message.startsWith(`${field}: `)).toBe(true);
  });

  it("a policy threshold out of DynamoDB's range is refused", async () => {
    const response = await api.request({
      method: "POST",
      path: "/models",
      body: {
        name: uniqueName("pol"),
        policy: { requirements: { staging: { metrics: { auc: { min: 1e130 } } } } },
      },
    });
    expectIssue(response, "body.policy.requirements.staging.metrics.auc.min");
  });

  it("an empty PATCH says to give at least one field", async () => {
    const name = await newModel(api, "empty-patch");
    const response = await patchModel(api, name, {});
    expectIssue(
      response,
      "body",
      "give at least one of description, owner, tags (a model's policy is set with PUT /models/{model}/policy)",
    );
  });
});

describe("large and small numbers within DynamoDB's range are accepted", () => {
  it("1e16, 3e21, -1e20 and 1e-130 are valid metrics", async () => {
    const name = await newModel(api, "bignum");
    const metrics = { big: 1e16, huge: 3e21, negative: -1e20, tiny: 1e-130, zero: 0 };
    const created = await postVersion(api, name, { artifacts: [artifact()], metrics });
    expect(created.status, created.rawBody).toBe(201);
  });
});

describe("integers in paths and queries are canonical decimal digits", () => {
  it.each(["0x1", "1e0", "01", "%201", "1.0", "+1", "0"])(
    "/versions/%s is a 400, not version 1",
    async (raw) => {
      const name = await newModel(api, "canon", 1);
      const response = await api.request({ method: "GET", path: `/models/${name}/versions/${raw}` });
      expectIssue(response, "path.version", VERSION_PARAM_MESSAGE);
    },
  );

  it("/versions/1 still reads version 1", async () => {
    const name = await newModel(api, "canon-ok", 1);
    const response = await api.request({ method: "GET", path: `/models/${name}/versions/1` });
    expect(response.status).toBe(200);
  });

  it.each(["1e1", "0x10", " 10", "10.0", "0", "101"])(
    "limit=%j is a 400 naming query.limit",
    async (limit) => {
      const response = await api.request({ method: "GET", path: "/models", query: { limit } });
      expectIssue(response, "query.limit", /^must be a whole number from 1 to 100/);
    },
  );

  it("limit=5, as a generated client sends it, is accepted", async () => {
    const response = await api.request({ method: "GET", path: "/models", query: { limit: "5" } });
    expect(response.status).toBe(200);
  });
});

describe("If-Match uses the strong comparison", () => {
  it('W/"n" never matches, even the current ETag: 412', async () => {
    const name = uniqueName("weak");
    const created = await createModel(api, name);
    const weak = await patchModel(api, name, { description: "x" }, `W/${created.etag}`);
    expect(weak.status, weak.rawBody).toBe(412);
    expect((await patchModel(api, name, { description: "x" }, created.etag)).status).toBe(200);
    expect((await patchModel(api, name, { description: "y" }, "*")).status).toBe(200);
  });
});

describe("format is case-insensitive, as the document says", () => {
  it("ONNX is stored as onnx", async () => {
    const name = await newModel(api, "fmt");
    const created = await createVersion(api, name, { format: "ONNX" });
    expect((created as unknown as { format: string }).format).toBe("onnx");
  });
});

describe("the served OpenAPI document states the rules", () => {
  it("map keys, counts, PATCH minimums and version bounds", async () => {
    const response = await api.request({ method: "GET", path: "/openapi.json" });
    expect(response.status).toBe(200);
    const doc = response.body as {
      components: { schemas: Record<string, Record<string, unknown>> };
      paths: Record<
        string,
        Record<string, { parameters: { name: string; schema: Record<string, unknown> }[] }>
      >;
    };
    expect(doc.components.schemas.Tags).toMatchObject({
      maxProperties: 50,
      propertyNames: { type: "string" },
    });
    expect(doc.components.schemas.UpdateModelInput).toMatchObject({ minProperties: 1 });
    const version = doc.paths["/models/{model}/versions/{version}"]?.get?.parameters.find(
      (p) => p.name === "version",
    );
    expect(version?.schema).toMatchObject({ type: "integer", minimum: 1 });
  });
});

describe("a large model card", () => {
  it("accepted once, can be replaced by another of the same size (history keeps digests, not two cards)", async () => {
    const name = await newModel(api, "card", 1);
    // 100,000 two-byte characters: about 200 KB of UTF-8, half of DynamoDB's item limit.
    for (const letter of ["é", "ü", "é"]) {
      const card = letter.repeat(100_000);
      const patched = await api.request({
        method: "PATCH",
        path: `/models/${name}/versions/1`,
        body: { modelCard: card },
      });
      expect(patched.status, patched.rawBody.slice(0, 300)).toBe(200);
      expect((patched.body as { modelCard: string }).modelCard).toBe(card);
    }
    const history = await api.request({
      method: "GET",
      path: `/models/${name}/history`,
      query: { limit: "1" },
    });
    const [entry] = (history.body as { items: { to: { modelCard: unknown } }[] }).items;
    expect(entry?.to.modelCard).toEqual({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), length: 100_000 });
  });
});
