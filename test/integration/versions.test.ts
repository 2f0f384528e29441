import { describe, expect, it } from "vitest";
import type { RegistryClient } from "../../clients/typescript/registry-client.ts";
import {
  artifact,
  client,
  createVersion,
  expectError,
  expectIssue,
  latestHistoryEntry,
  listVersions,
  newModel,
  postVersion,
  principal,
  sha256Of,
  uniqueName,
  VERSION_PARAM_MESSAGE,
} from "./support.ts";

const api = client("publisher");

const fullVersion = {
  description: "gradient boosted trees",
  semver: "1.2.0",
  metrics: { auc: 0.91, loss: 0.23 },
  params: { lr: "0.05", depth: "6" },
  tags: { dataset: "2026-q3" },
  lineage: {
    runId: "run-42",
    runUri: "s3://runs/42",
    gitRepo: "https://example.com/risk/fraud.git",
    gitCommit: "a1b2c3d4e5f6",
    datasets: [{ name: "transactions", uri: "s3://data/tx/2026-09", digest: "sha256:abc" }],
  },
  signature: {
    inputs: [{ name: "features", type: "float32", shape: [-1, 32] }],
    outputs: [{ name: "score", type: "float32", shape: [-1] }],
  },
  framework: "xgboost",
  format: "onnx",
  artifacts: [artifact("model.onnx", 2048), { ...artifact("README.md", 10), contentType: "text/markdown" }],
};

describe("versions", () => {
  it("creating a version stores all its metadata, starts PENDING_UPLOAD in development, and gives upload URLs", async () => {
    const name = await newModel(api, "ver");
    const response = await postVersion(api, name, fullVersion);
    expect(response.status).toBe(201);
    const created = response.body as Record<string, unknown> & { uploads: { path: string; url: string }[] };
    expect(created).toMatchObject({
      model: name,
      version: 1,
      status: "PENDING_UPLOAD",
      stage: "development",
      aliases: [],
      createdBy: principal("publisher").arn,
      ...fullVersion,
    });
    expect(created.uploads.map((u) => u.path)).toEqual(["model.onnx", "README.md"]);
    expect(created.uploads[0]?.url).toMatch(/^http/);

    const { uploads: _uploads, ...withoutUploads } = created;
    const got = await api.request({ method: "GET", path: `/models/${name}/versions/1` });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(withoutUploads);
    expect(got.headers.etag).toBe(created.etag);
    // Read back from DynamoDB, which keeps no attribute order, it prints as it was created: in
    // the schema's order, nested objects included.
    expect(JSON.stringify(got.body)).toBe(JSON.stringify(withoutUploads));
    expect(Object.keys(got.body as object).slice(0, 4)).toEqual(["model", "version", "semver", "status"]);

    const model = await api.request({ method: "GET", path: `/models/${name}` });
    expect(model.body).toMatchObject({ latestVersion: 1 });
  });

  it("an upload URL accepts the declared bytes straight into the S3 emulator", async () => {
    const name = await newModel(api, "upload");
    const bytes = Buffer.from("weights".repeat(100));
    const { createHash } = await import("node:crypto");
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const version = await createVersion(api, name, {
      artifacts: [{ path: "w.bin", size: bytes.length, sha256 }],
    });
    const [upload] = version.uploads;
    const put = await fetch(upload?.url as string, { method: "PUT", headers: upload?.headers, body: bytes });
    expect(put.status).toBe(200);
  });

  it.each([
    [{ artifacts: [] }, "body.artifacts", /at least one/],
    [{ artifacts: [{ path: "m", size: -1, sha256: sha256Of(1) }] }, "body.artifacts.0.size", /negative/],
    [{ artifacts: [{ path: "m", size: 1, sha256: "nope" }] }, "body.artifacts.0.sha256", /64 hex/],
    [
      { artifacts: [{ path: "../m", size: 1, sha256: sha256Of(1) }] },
      "body.artifacts.0.path",
      /must not contain '.' or '..' segments/,
    ],
    [{ artifacts: [artifact()], metrics: { auc: "good" } }, "body.metrics.auc", /number/],
    [{ artifacts: [artifact()], params: { lr: 0.1 } }, "body.params.lr", /string/],
    [{ artifacts: [artifact()], format: "tflite" }, "body.format", /one of/],
    [{ artifacts: [artifact()], lineage: { gitCommit: "zzz" } }, "body.lineage.gitCommit", /commit/],
    [
      { artifacts: [artifact()], signature: { inputs: [{ name: "x" }], outputs: [] } },
      "body.signature.inputs.0.type",
      /required/,
    ],
    [
      { artifacts: [artifact()], lineage: { parentVersion: 9 } },
      "body.lineage.parentVersion",
      /does not exist/,
    ],
  ])("an invalid version %j is a 400 naming %s", async (body, field, message) => {
    const name = await newModel(api, "badver");
    expectIssue(await postVersion(api, name, body), field, message);
  });

  it("404s name the missing model or version", async () => {
    expectError(await postVersion(api, "ghost", { artifacts: [artifact()] }), 404, "ModelNotFound");
    const name = await newModel(api, "nov");
    const missingVersion = await api.request({ method: "GET", path: `/models/${name}/versions/7` });
    expect(expectError(missingVersion, 404).message).toBe(`model '${name}' has no version 7`);
    expect((await listVersions(api, "ghost")).status).toBe(404);
  });

  it("a version that is not a positive integer is a 400", async () => {
    const response = await api.request({ method: "GET", path: "/models/any/versions/first" });
    expectIssue(response, "path.version", VERSION_PARAM_MESSAGE);
  });

  it("pagination visits every one of 45 versions exactly once, newest first, 10 per page", async () => {
    const name = await newModel(api, "page", 45);
    const seen: number[] = [];
    const pageSizes: number[] = [];
    let nextToken: string | undefined;
    do {
      const response = await listVersions(api, name, { limit: 10, nextToken });
      expect(response.status).toBe(200);
      const page = response.body as { items: { version: number }[]; nextToken?: string };
      pageSizes.push(page.items.length);
      seen.push(...page.items.map((v) => v.version));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(pageSizes).toEqual([10, 10, 10, 10, 5]);
    expect(seen).toEqual(Array.from({ length: 45 }, (_, i) => 45 - i));
  });

  it("a tampered nextToken is a 400, and so is one from another list", async () => {
    const name = await newModel(api, "tamper", 3);
    const first = await listVersions(api, name, { limit: 1 });
    const token = (first.body as { nextToken: string }).nextToken;
    expect(token).toBeTruthy();
    const [payload, mac] = token.split(".") as [string, string];
    const decoded = Buffer.from(payload, "base64url").toString();
    const tampered = `${Buffer.from(decoded.replace("0000000003", "0000000001")).toString("base64url")}.${mac}`;
    expectIssue(await listVersions(api, name, { limit: 1, nextToken: tampered }), "query.nextToken");

    const other = await newModel(api, "tamper-other");
    expect((await listVersions(api, other, { nextToken: token })).status).toBe(400);
  });

  it("50 concurrent creations on one model get 50 distinct, consecutive numbers", async () => {
    const name = await newModel(api, "race");
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => postVersion(api, name, { artifacts: [artifact()] })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(201));
    const numbers = responses.map((r) => (r.body as { version: number }).version).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const model = await api.request({ method: "GET", path: `/models/${name}` });
    expect(model.body).toMatchObject({ latestVersion: 50 });
    const history = await api.request({
      method: "GET",
      path: `/models/${name}/history`,
      query: { limit: 100 },
    });
    const seqs = (history.body as { items: { seq: number }[] }).items.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: 51 }, (_, i) => 51 - i));
  });

  it("filters versions by stage and status", async () => {
    const name = await newModel(api, "filter", 2);
    const inDevelopment = await listVersions(api, name, { stage: "development" });
    expect((inDevelopment.body as { items: { version: number }[] }).items.map((v) => v.version)).toEqual([
      2, 1,
    ]);
    const inProduction = await listVersions(api, name, { stage: "production" });
    expect((inProduction.body as { items: unknown[] }).items).toEqual([]);
    const ready = await listVersions(api, name, { status: "READY" });
    expect((ready.body as { items: unknown[] }).items).toEqual([]);
    expectIssue(await listVersions(api, name, { stage: "prod" }), "query.stage");
  });

  it("PATCH updates editable fields, records before/after in history, and honours If-Match", async () => {
    const name = await newModel(api, "vpatch");
    const v = await createVersion(api, name, { description: "draft" });
    const patched = await api.request({
      method: "PATCH",
      path: `/models/${name}/versions/1`,
      body: { description: "final", modelCard: "# Fraud model\n\nTrained on Q3.", metrics: { auc: 0.93 } },
      headers: { "if-match": v.etag },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      description: "final",
      modelCard: "# Fraud model\n\nTrained on Q3.",
      metrics: { auc: 0.93 },
    });
    const stale = await api.request({
      method: "PATCH",
      path: `/models/${name}/versions/1`,
      body: { description: "again" },
      headers: { "if-match": v.etag },
    });
    expect(stale.status).toBe(412);
    expect(await latestHistoryEntry(api, name)).toMatchObject({
      action: "VERSION_UPDATED",
      version: 1,
      from: { description: "draft", metrics: {} },
      to: { description: "final", metrics: { auc: 0.93 } },
    });
  });

  it("compare reports metric deltas, param changes and a breaking signature change", async () => {
    const name = await newModel(api, "cmp");
    await createVersion(api, name, {
      metrics: { auc: 0.8 },
      params: { lr: "0.1" },
      signature: fullVersion.signature,
    });
    await createVersion(api, name, {
      metrics: { auc: 0.85 },
      params: { lr: "0.05" },
      signature: {
        inputs: fullVersion.signature.inputs,
        outputs: [{ name: "score", type: "float64", shape: [-1] }],
      },
    });
    const response = await api.request({ method: "GET", path: `/models/${name}/versions/1/compare/2` });
    expect(response.status).toBe(200);
    const body = response.body as {
      metrics: Record<string, { delta: number }>;
      params: unknown;
      signature: { breaking: boolean; changes: unknown[] };
    };
    expect(body.metrics.auc?.delta).toBeCloseTo(0.05);
    expect(body.params).toEqual({ lr: { base: "0.1", other: "0.05" } });
    expect(body.signature.breaking).toBe(true);
    expect(body.signature.changes).toEqual([
      {
        side: "outputs",
        name: "score",
        change: "typeChanged",
        breaking: true,
        base: "float32",
        other: "float64",
      },
    ]);
    const missing = await api.request({ method: "GET", path: `/models/${name}/versions/1/compare/9` });
    expect(missing.status).toBe(404);
  });
});

describe("idempotency", () => {
  it("a retry with the same key and body returns the first response, and creates nothing new", async () => {
    const name = await newModel(api, "idem");
    const request = {
      method: "POST",
      path: `/models/${name}/versions`,
      body: { artifacts: [artifact()], metrics: { auc: 0.9 } },
      headers: { "idempotency-key": `key-${name}` },
    };
    const first = await api.request(request);
    const second = await api.request(request);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers["idempotent-replayed"]).toBe("true");
    const model = await api.request({ method: "GET", path: `/models/${name}` });
    expect(model.body).toMatchObject({ latestVersion: 1 });
  });

  it("the same key with another body is a 422, and key order in the JSON does not matter", async () => {
    const name = uniqueName("idem2");
    const register = (body: unknown) =>
      api.request({ method: "POST", path: "/models", body, headers: { "idempotency-key": `key-${name}` } });
    expect((await register({ name, description: "x" })).status).toBe(201);
    expect((await register(`{"description":"x","name":"${name}"}`)).status).toBe(201);
    expectError(await register({ name, description: "y" }), 422, "IdempotencyKeyReused");
  });

  it("concurrent requests with one key create exactly one version", async () => {
    const name = await newModel(api, "idem3");
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        api.request({
          method: "POST",
          path: `/models/${name}/versions`,
          body: { artifacts: [artifact()] },
          headers: { "idempotency-key": "same" },
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(5).fill(201));
    expect(new Set(responses.map((r) => (r.body as { version: number }).version))).toEqual(new Set([1]));
    const model = await api.request({ method: "GET", path: `/models/${name}` });
    expect(model.body).toMatchObject({ latestVersion: 1 });
  });

  it("keys are scoped to the caller: another principal's key does not collide", async () => {
    const name = await newModel(api, "idem4");
    const post = (caller: RegistryClient) =>
      caller.request({
        method: "POST",
        path: `/models/${name}/versions`,
        body: { artifacts: [artifact()] },
        headers: { "idempotency-key": "k" },
      });
    const mine = await post(api);
    const theirs = await post(client("admin"));
    expect((mine.body as { version: number }).version).toBe(1);
    expect((theirs.body as { version: number }).version).toBe(2);
  });
});
