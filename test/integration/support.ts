/**
 * Helpers for integration tests: signed clients for the local principals of the registry that
 * the global setup started (real gateway, real SigV4 verification, DynamoDB Local, s3rver).
 */
import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { RegistryClient } from "../../clients/lib/registry-client.ts";
import "./registry-context.ts";

export type PrincipalName = "publisher" | "approver" | "admin" | "reader";

export function registry() {
  return inject("registry");
}

export function principal(name: PrincipalName) {
  const found = registry().principals.find((p) => p.name === name);
  if (!found) throw new Error(`the local registry has no principal '${name}'`);
  return found;
}

export function client(name: PrincipalName = "publisher"): RegistryClient {
  const { endpoint, region } = registry();
  const { accessKeyId, secretAccessKey } = principal(name);
  return new RegistryClient({ endpoint, region, credentials: { accessKeyId, secretAccessKey } });
}

/** A model name no other test uses, so test files can run in any order against one table. */
export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export const sha256Of = (n: number) => n.toString(16).padStart(64, "0");

export const artifact = (path = "model.onnx", size = 1024, sha256 = sha256Of(size)) => ({
  path,
  size,
  sha256,
});

export async function createModel(api: RegistryClient, name: string, extra: Record<string, unknown> = {}) {
  const response = await api.request({ method: "POST", path: "/models", body: { name, ...extra } });
  if (response.status !== 201)
    throw new Error(`create model ${name}: ${response.status} ${response.rawBody}`);
  return response.body as { name: string; etag: string };
}

export async function createVersion(api: RegistryClient, model: string, body: Record<string, unknown> = {}) {
  const response = await api.request({
    method: "POST",
    path: `/models/${model}/versions`,
    body: { artifacts: [artifact()], ...body },
  });
  if (response.status !== 201)
    throw new Error(`create version of ${model}: ${response.status} ${response.rawBody}`);
  return response.body as {
    version: number;
    etag: string;
    uploads: { url: string; headers: Record<string, string> }[];
  };
}

export interface ErrorBody {
  error: { code: string; message: string; requestId: string; issues?: { field: string; message: string }[] };
}
