/**
 * Local mode on the deployed bundles (`bundles: true`): every function runs from the `index.mjs`
 * that `lib/bundling/` builds for the CDK app, with its plugins and its SDK stubs, against the
 * emulators. One model goes through everything each function does with the SDK clients it keeps:
 * presigned single and multipart uploads (S3), the verifier invoked through the Lambda endpoint,
 * pages, an alias, the workflow with a custom validation (Lambda) and an approval (Step Functions),
 * and the events the publisher puts on the bus (EventBridge). Every write goes to DynamoDB.
 *
 * This file starts its own registry, on free ports, in its own process (each test file runs in
 * its own fork); the handlers' configuration is process-wide, so the environment is restored after.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RegistryClient } from "../../clients/typescript/registry-client.ts";
import { projectRoot } from "../../lib/bundling/index.ts";
import type { EventEnvelope } from "../../local/event-bus.ts";
import { LOCAL_FUNCTION_ENTRIES, type LocalFunction } from "../../local/handler-modules.ts";
import { type LocalRegistry, startLocalRegistry } from "../../local/registry.ts";
import {
  clientOf,
  createModel,
  createVersion,
  declared,
  listVersions,
  putPartsResumingAfterFirst,
  putSingle,
  setAlias,
  sha256Hex,
  testFile,
  type UploadInstruction,
  uniqueName,
  waitForStatus,
} from "./support.ts";

const MiB = 1024 ** 2;
const savedEnv = { ...process.env };
const functionsDir = mkdtempSync(join(tmpdir(), "registry-bundles-functions-"));
const functionArn = "arn:aws:lambda:us-east-1:000000000000:function:parity-check";

let registry: LocalRegistry;
let publisher: RegistryClient;
let approver: RegistryClient;
let reader: RegistryClient;
/** Every event the local bus accepts while the tests run. */
const events: EventEnvelope[] = [];
const model = uniqueName("bundled");

beforeAll(async () => {
  // A policy's custom validation function, run by the local Lambda endpoint when the workflow
  // tasks bundle invokes it through its Lambda client.
  const validator = join(functionsDir, "parity.mjs");
  writeFileSync(
    validator,
    `export const handler = async (request) => {
  const gap = request.modelVersion.metrics.parity_gap;
  const passed = typeof gap === "number" && gap < 0.1;
  return { passed, checks: [{ check: "parity", expected: "< 0.1", actual: String(gap), passed }] };
};
`,
  );
  registry = await startLocalRegistry({
    bundles: true,
    inMemory: true,
    port: 0,
    dynamoDbPort: 0,
    s3Port: 0,
    explainSignatureMismatches: false,
    // 24 MiB become three parts of 8 MiB, as in the shared registry of the other tests.
    multipartThresholdBytes: 16 * MiB,
    functions: { "parity-check": validator },
  });
  registry.events.bus.subscribe((event) => events.push(event));
  publisher = clientOf(registry, "publisher");
  approver = clientOf(registry, "approver");
  reader = clientOf(registry, "reader");
}, 180_000);

afterAll(async () => {
  await registry?.stop();
  process.env = savedEnv;
  rmSync(functionsDir, { recursive: true, force: true });
});

const allFunctions = Object.keys(LOCAL_FUNCTION_ENTRIES) as LocalFunction[];

async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, what: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function transitionTo(version: number, to: string, statuses: string[]) {
  const requested = await publisher.request({
    method: "POST",
    path: `/models/${model}/versions/${version}/transitions`,
    body: { to },
  });
  expect(requested.status, requested.rawBody).toBe(202);
  const { id } = requested.body as { id: string };
  return eventually(
    async () => {
      const t = await reader.request({ method: "GET", path: `/models/${model}/transitions/${id}` });
      const body = t.body as { id: string; status: string; validation?: { checks: unknown[] } };
      return statuses.includes(body.status) ? body : undefined;
    },
    `transition ${id} to ${to} to be ${statuses.join(" or ")}`,
  );
}

async function download(version: number, path: string): Promise<Buffer> {
  const link = await reader.request({
    method: "GET",
    path: `/models/${model}/versions/${version}/artifacts/${path}`,
  });
  expect(link.status, link.rawBody).toBe(200);
  const { url } = link.body as { url: string };
  expect(
    url.startsWith(`${registry.s3Endpoint}/${registry.bucket}/models/${model}/versions/${version}/`),
  ).toBe(true);
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

describe("local mode on the deployed bundles", () => {
  it("loads each function from the index.mjs of the bundle the CDK app declares for its entry, built outside the repository", () => {
    const { origin, modules } = registry.handlers;
    expect(origin.kind).toBe("bundles");
    const directory = origin.kind === "bundles" ? origin.directory : "";
    // No node_modules in reach, as in Lambda's /var/task.
    expect(directory.startsWith(projectRoot)).toBe(false);
    for (const fn of allFunctions) {
      const file = fileURLToPath(modules[fn]);
      expect(file.startsWith(directory + sep), fn).toBe(true);
      expect(file.endsWith(`${sep}index.mjs`), fn).toBe(true);
      expect(existsSync(file), fn).toBe(true);
      // The bundle's source map names the sources it was built from: the function's own entry.
      const map = JSON.parse(readFileSync(`${file}.map`, "utf8")) as { sources: string[] };
      const sources = map.sources.map((source) => join(dirname(file), source));
      expect(sources, fn).toContain(join(projectRoot, LOCAL_FUNCTION_ENTRIES[fn]));
    }
    expect(new Set(allFunctions.map((fn) => modules[fn].href)).size).toBe(allFunctions.length);
  });

  it("serves the service routes from the service bundle", async () => {
    const health = await reader.request({ method: "GET", path: "/health" });
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: "ok" });
    const openapi = await reader.request({ method: "GET", path: "/openapi.json" });
    expect(openapi.status).toBe(200);
    expect(Object.keys((openapi.body as { paths: object }).paths)).toContain("/models/{model}/versions");
  });

  const single = testFile("weights/model.onnx", "weights made by the bundled registry");

  it("creates a model and a version, uploads through the presigned URL, seals, and the verifier bundle makes it READY; the download returns the bytes", async () => {
    await createModel(publisher, model, {
      policy: {
        requirements: { staging: { customValidation: { functionArn } } },
        approvals: { production: { required: 1 } },
      },
    });
    const created = await publisher.request({
      method: "POST",
      path: `/models/${model}/versions`,
      body: { metrics: { parity_gap: 0.02 }, artifacts: [declared(single)] },
    });
    expect(created.status, created.rawBody).toBe(201);
    const upload = (created.body as { uploads: UploadInstruction[] }).uploads[0] as UploadInstruction;
    expect(
      upload.url?.startsWith(`${registry.s3Endpoint}/${registry.bucket}/models/${model}/versions/1/`),
    ).toBe(true);
    expect(upload.headers?.["x-amz-checksum-sha256"]).toBe(
      Buffer.from(sha256Hex(single.bytes), "hex").toString("base64"),
    );

    // A fresh URL for the same file, from the artifacts bundle's S3 client.
    const again = await publisher.request({
      method: "POST",
      path: `/models/${model}/versions/1/uploads`,
      body: { path: single.path },
    });
    expect(again.status, again.rawBody).toBe(200);
    expect((await putSingle(again.body as UploadInstruction, single.bytes)).status).toBe(200);

    const sealed = await publisher.request({ method: "POST", path: `/models/${model}/versions/1/seal` });
    expect(sealed.status, sealed.rawBody).toBe(202);
    expect(sealed.body).toMatchObject({ status: "VERIFYING" });
    expect(await waitForStatus(publisher, model, 1)).toMatchObject({
      status: "READY",
      verification: {
        status: "PASSED",
        artifacts: [
          {
            path: single.path,
            status: "verified",
            actual: { size: single.bytes.length, sha256: sha256Hex(single.bytes) },
          },
        ],
      },
    });
    expect(sha256Hex(await download(1, single.path))).toBe(sha256Hex(single.bytes));
  });

  const big = testFile(
    "weights/big.bin",
    Buffer.from(Array.from({ length: 24 * MiB }, (_, i) => (i * 31) % 251)),
  );

  it("a multipart upload: parts through presigned URLs, resumed, completed, sealed READY and downloaded", async () => {
    const created = await publisher.request({
      method: "POST",
      path: `/models/${model}/versions`,
      body: { metrics: { parity_gap: 0.5 }, artifacts: [declared(big)] },
    });
    expect(created.status, created.rawBody).toBe(201);
    const upload = (created.body as { uploads: UploadInstruction[] }).uploads[0] as UploadInstruction;
    expect(upload).toMatchObject({ path: big.path, partSize: 8 * MiB, partCount: 3 });
    expect(upload.url).toBeUndefined();

    // Resuming lists the parts S3 already has: only the missing ones get URLs.
    const parts = await putPartsResumingAfterFirst(publisher, model, 2, upload, big.bytes);

    const complete = await publisher.request({
      method: "POST",
      path: `/models/${model}/versions/2/uploads/complete`,
      body: { path: big.path, uploadId: upload.uploadId, parts },
    });
    expect(complete.status, complete.rawBody).toBe(200);
    expect(complete.body).toEqual({ path: big.path, uploadId: upload.uploadId, size: 24 * MiB });

    const sealed = await publisher.request({ method: "POST", path: `/models/${model}/versions/2/seal` });
    expect(sealed.status, sealed.rawBody).toBe(202);
    expect(await waitForStatus(publisher, model, 2)).toMatchObject({ status: "READY" });
    expect(sha256Hex(await download(2, big.path))).toBe(sha256Hex(big.bytes));
  });

  it("lists the versions page by page with the page token", async () => {
    await createVersion(publisher, model);
    const first = await listVersions(reader, model, { limit: 2 });
    expect(first.status, first.rawBody).toBe(200);
    const page1 = first.body as { items: { version: number }[]; nextToken?: string };
    expect(page1.items.map((v) => v.version)).toEqual([3, 2]);
    expect(page1.nextToken).toEqual(expect.any(String));
    const second = await listVersions(reader, model, { limit: 2, nextToken: page1.nextToken });
    expect(second.status, second.rawBody).toBe(200);
    const page2 = second.body as { items: { version: number }[]; nextToken?: string };
    expect(page2.items.map((v) => v.version)).toEqual([1]);
    expect(page2.nextToken).toBeUndefined();
  });

  it("sets an alias and resolves it", async () => {
    const set = await setAlias(publisher, model, "champion", 1);
    expect(set.status, set.rawBody).toBe(200);
    expect(set.body).toEqual({ model, alias: "champion", version: 1 });
    const resolved = await reader.request({ method: "GET", path: `/models/${model}/aliases/champion` });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ alias: "champion", version: 1, modelVersion: { version: 1 } });
  });

  it("runs the workflow on the tasks bundle: staging applied after the custom validation, production after an approval", {
    timeout: 90_000,
  }, async () => {
    const staging = await transitionTo(1, "staging", ["APPLIED", "FAILED", "REJECTED"]);
    expect(staging.status).toBe("APPLIED");
    expect(staging.validation?.checks).toContainEqual({
      check: `custom:${functionArn}:parity`,
      expected: "< 0.1",
      actual: "0.02",
      passed: true,
    });
    // The validation function refuses version 2: the workflow's failure path runs as well.
    const refused = await transitionTo(2, "staging", ["APPLIED", "FAILED", "REJECTED"]);
    expect(refused.status).toBe("FAILED");

    const production = await transitionTo(1, "production", ["AWAITING_APPROVAL", "APPLIED", "FAILED"]);
    expect(production.status).toBe("AWAITING_APPROVAL");
    // The approval resumes the execution through the transitions bundle's Step Functions client.
    const approved = await approver.request({
      method: "POST",
      path: `/models/${model}/transitions/${production.id}/approve`,
      body: { comment: "bundles agree" },
    });
    expect(approved.status, approved.rawBody).toBe(200);
    const applied = await eventually(async () => {
      const t = await reader.request({
        method: "GET",
        path: `/models/${model}/transitions/${production.id}`,
      });
      const body = t.body as { status: string };
      return body.status === "AWAITING_APPROVAL" ? undefined : body;
    }, "the approved production transition to end");
    expect(applied.status).toBe("APPLIED");
    const modelBody = (await reader.request({ method: "GET", path: `/models/${model}` })).body as {
      stages: Record<string, number>;
      aliases: Record<string, number>;
    };
    expect(modelBody).toMatchObject({ stages: { production: 1 }, aliases: { champion: 1 } });
  });

  it("publishes every change to the local bus through the publisher bundle, in order and without gaps", async () => {
    const published = await eventually(() => {
      const mine = events
        .filter((e) => e.detail.model === model)
        .sort((a, b) => Number(a.detail.seq) - Number(b.detail.seq));
      return mine.at(-1)?.["detail-type"] === "Model Version Stage Changed" &&
        mine.at(-1)?.detail.to === "production"
        ? mine
        : undefined;
    }, "the production Stage Changed event");
    expect(published.map((e) => Number(e.detail.seq))).toEqual(published.map((_, i) => i + 1));
    expect(published.map((e) => [e["detail-type"], e.detail.version ?? null])).toEqual([
      ["Model Registered", null],
      ["Model Version Created", 1],
      ["Model Version Verification Started", 1],
      ["Model Version Ready", 1],
      ["Model Version Created", 2],
      ["Model Version Verification Started", 2],
      ["Model Version Ready", 2],
      ["Model Version Created", 3],
      ["Model Alias Changed", 1],
      ["Stage Transition Requested", 1],
      ["Stage Transition Validation Started", 1],
      ["Stage Transition Validated", 1],
      ["Model Version Stage Changed", 1],
      ["Stage Transition Requested", 2],
      ["Stage Transition Validation Started", 2],
      ["Stage Transition Validated", 2],
      ["Stage Transition Rejected", 2],
      ["Stage Transition Requested", 1],
      ["Stage Transition Validation Started", 1],
      ["Stage Transition Validated", 1],
      ["Approval Requested", 1],
      ["Stage Transition Approved", 1],
      ["Model Version Stage Changed", 1],
    ]);
    expect(published.find((e) => e["detail-type"] === "Stage Transition Rejected")?.detail).toMatchObject({
      reason: "VALIDATION_FAILED",
    });
    expect(published.at(-1)?.detail).toMatchObject({ from: "staging", to: "production" });
  });

  it("serves the MLflow-compatible routes from the mlflow bundle", async () => {
    const got = await reader.request({
      method: "GET",
      path: "/api/2.0/mlflow/registered-models/get",
      query: { name: model },
    });
    expect(got.status, got.rawBody).toBe(200);
    expect((got.body as { registered_model: { name: string } }).registered_model.name).toBe(model);
  });

  it("ran every function from its bundle, and nothing else through the handler loader", () => {
    const { origin, modules, imported } = registry.handlers;
    const directory = origin.kind === "bundles" ? `${pathToFileURL(origin.directory).href}/` : "(no bundles)";
    expect(imported().sort()).toEqual(allFunctions.map((fn) => modules[fn].href).sort());
    for (const url of imported()) {
      expect(url.startsWith(directory), url).toBe(true);
      expect(url.endsWith("/index.mjs"), url).toBe(true);
    }
  });
});
