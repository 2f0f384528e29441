/**
 * The OpenAPI document is generated from `functions/http/operations.ts`. These tests check that
 * what the running API returns conforms to those same response schemas, and carries no field
 * the document does not declare, so the published contract cannot drift from the behaviour.
 */
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { type OperationId, operations } from "#http/operations.ts";
import type { RegistryClient } from "../../clients/typescript/registry-client.ts";
import {
  client,
  createModel,
  createVersion,
  declared,
  putParts,
  putSingle,
  testFile,
  type UploadInstruction,
  uniqueName,
  waitForStatus,
} from "./support.ts";

const api = client("publisher");
const admin = client("admin");

function expectConforms(operationId: OperationId, status: number, body: unknown) {
  const { success } = operations[operationId];
  expect(status, operationId).toBe(success.status);
  if (!("schema" in success) || !success.schema) return;
  const result = success.schema.safeParse(body);
  expect(result.success ? [] : result.error.issues, operationId).toEqual([]);
  expect(undeclaredFields(success.schema, body), operationId).toEqual([]);
}

/** Fields present in `value` that the schema's objects do not declare (top level and one down). */
function undeclaredFields(schema: z.core.$ZodType, value: unknown, path = ""): string[] {
  if (!(schema instanceof z.ZodMiniObject) || typeof value !== "object" || value === null) return [];
  const shape = schema.shape as Record<string, z.core.$ZodType>;
  return Object.entries(value).flatMap(([key, child]) => {
    const field = shape[key];
    if (!field) return [`${path}${key}`];
    const inner = field instanceof z.ZodMiniOptional ? field.def.innerType : field;
    if (inner instanceof z.ZodMiniArray && Array.isArray(child)) {
      return child.flatMap((item) => undeclaredFields(inner.def.element, item, `${path}${key}[].`));
    }
    return undeclaredFields(inner, child, `${path}${key}.`);
  });
}

describe("responses conform to the generated OpenAPI contract", () => {
  it("models, versions, aliases, compare and history", async () => {
    const name = uniqueName("contract");
    const call = async (
      operationId: OperationId,
      request: Parameters<typeof api.request>[0],
      caller: RegistryClient = api,
    ) => {
      const response = await caller.request(request);
      expectConforms(operationId, response.status, response.body);
      return response;
    };
    await call("createModel", { method: "POST", path: "/models", body: { name, tags: { a: "b" } } });
    await call("getModel", { method: "GET", path: `/models/${name}` });
    await call("listModels", { method: "GET", path: "/models", query: { prefix: name } });
    await call("updateModel", { method: "PATCH", path: `/models/${name}`, body: { description: "x" } });
    await createVersion(api, name, {
      metrics: { auc: 0.9 },
      lineage: { runId: "r", datasets: [{ name: "d", uri: "s3://d" }] },
      signature: { inputs: [{ name: "x", type: "float32", shape: [-1] }], outputs: [] },
      format: "onnx",
    });
    await call("createVersion", {
      method: "POST",
      path: `/models/${name}/versions`,
      body: { artifacts: [{ path: "m.bin", size: 1, sha256: "a".repeat(64) }] },
    });
    await call("getVersion", { method: "GET", path: `/models/${name}/versions/1` });
    await call("listVersions", { method: "GET", path: `/models/${name}/versions` });
    await call("updateVersion", {
      method: "PATCH",
      path: `/models/${name}/versions/1`,
      body: { modelCard: "# c" },
    });
    await call("compareVersions", { method: "GET", path: `/models/${name}/versions/1/compare/2` });
    const file = testFile("weights/model.onnx", "contract bytes");
    const ready = await api.request({
      method: "POST",
      path: `/models/${name}/versions`,
      body: { artifacts: [declared(file)] },
    });
    const v3 = ready.body as { version: number; uploads: UploadInstruction[] };
    await call("requestUploadUrls", {
      method: "POST",
      path: `/models/${name}/versions/${v3.version}/uploads`,
      body: { path: file.path },
    });
    await putSingle(v3.uploads[0] as UploadInstruction, file.bytes);
    const sealed = await api.request({ method: "POST", path: `/models/${name}/versions/${v3.version}/seal` });
    expect(sealed.status).toBe(202);
    const verifying = operations.sealVersion.alternatives?.[0]?.schema;
    expect(verifying).toBeDefined();
    expect(verifying?.safeParse(sealed.body).success).toBe(true);
    await waitForStatus(api, name, v3.version);
    await call("sealVersion", { method: "POST", path: `/models/${name}/versions/${v3.version}/seal` });
    await call("getArtifact", {
      method: "GET",
      path: `/models/${name}/versions/${v3.version}/artifacts/weights/model.onnx`,
    });
    await call("setAlias", {
      method: "PUT",
      path: `/models/${name}/aliases/champion`,
      body: { version: v3.version },
    });
    await call("getAliasArtifact", {
      method: "GET",
      path: `/models/${name}/aliases/champion/artifacts/weights/model.onnx`,
    });
    const big = testFile("big.bin", Buffer.alloc(17 * 1024 ** 2, 1));
    const multipart = await api.request({
      method: "POST",
      path: `/models/${name}/versions`,
      body: { artifacts: [declared(big)] },
    });
    const v4 = multipart.body as { version: number; uploads: UploadInstruction[] };
    const upload = v4.uploads[0] as UploadInstruction;
    const parts = await putParts(upload, big.bytes);
    await call("completeUpload", {
      method: "POST",
      path: `/models/${name}/versions/${v4.version}/uploads/complete`,
      body: { path: big.path, uploadId: upload.uploadId, parts },
    });
    await call("getAlias", { method: "GET", path: `/models/${name}/aliases/champion` });
    await call("listHistory", { method: "GET", path: `/models/${name}/history` });
    // Deletes are admin's alone (README, Roles).
    await call("deleteAlias", { method: "DELETE", path: `/models/${name}/aliases/champion` }, admin);
    await call("deleteModel", { method: "DELETE", path: `/models/${name}` }, admin);
    await call("health", { method: "GET", path: "/health" });
  });

  it("error bodies conform to the Error schema", async () => {
    const { ErrorBody } = await import("#core/schemas.ts");
    const name = uniqueName("contract-err");
    await createModel(api, name);
    for (const request of [
      { method: "GET", path: "/models/none-such" },
      { method: "POST", path: "/models", body: { name } },
      { method: "POST", path: "/models", body: { name: "" } },
    ]) {
      const response = await api.request(request);
      expect(
        z.strictObject(ErrorBody.shape).safeParse(response.body).success,
        JSON.stringify(response.body),
      ).toBe(true);
    }
  });
});
