/**
 * Helpers for integration tests: signed clients for the local principals of the registry that
 * the global setup started (real gateway, real SigV4 verification, DynamoDB Local, s3rver).
 */
import { createHash, randomUUID } from "node:crypto";
import { expect, inject } from "vitest";
import type { Query } from "../../clients/typescript/http-encoding.ts";
import { RegistryClient } from "../../clients/typescript/registry-client.ts";
import type { RegistryResponse } from "../../clients/typescript/registry-error.ts";
import type { LocalPrincipal } from "../../local/principals.ts";
import "./registry-context.ts";

export type PrincipalName =
  | "publisher"
  | "approver"
  | "governor"
  | "admin"
  | "reader"
  | typeof import("./governance-principals.ts").governancePrincipals[number]["name"];

export function registry() {
  return inject("registry");
}

export function principal(name: PrincipalName) {
  return principalOf(registry(), name);
}

function principalOf(running: { principals: readonly LocalPrincipal[] }, name: PrincipalName) {
  const found = running.principals.find((p) => p.name === name);
  if (!found) throw new Error(`the local registry has no principal '${name}'`);
  return found;
}

export function client(name: PrincipalName = "publisher"): RegistryClient {
  return clientOf(registry(), name);
}

/** A signed client for a principal of a registry the test started itself. */
export function clientOf(
  running: { endpoint: string; region: string; principals: readonly LocalPrincipal[] },
  name: PrincipalName,
): RegistryClient {
  const { accessKeyId, secretAccessKey } = principalOf(running, name);
  return new RegistryClient({
    endpoint: running.endpoint,
    region: running.region,
    credentials: { accessKeyId, secretAccessKey },
  });
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

/** A new model named after `prefix`, with `versions` versions created one after the other; answers its name. */
export async function newModel(api: RegistryClient, prefix: string, versions = 0): Promise<string> {
  const name = uniqueName(prefix);
  await createModel(api, name);
  for (let i = 0; i < versions; i++) await createVersion(api, name);
  return name;
}

/** Like `newModel`, with every version uploaded and sealed (READY): what an alias may point at. */
export async function newReadyModel(api: RegistryClient, prefix: string, versions: number): Promise<string> {
  const name = uniqueName(prefix);
  await createModel(api, name);
  for (let i = 0; i < versions; i++) await createReadyVersion(api, name);
  return name;
}

export const postVersion = (api: RegistryClient, model: string, body: unknown) =>
  api.request({ method: "POST", path: `/models/${model}/versions`, body });

export const setAlias = (api: RegistryClient, model: string, alias: string, version: unknown) =>
  api.request({ method: "PUT", path: `/models/${model}/aliases/${alias}`, body: { version } });

/** A PATCH of the model, with `If-Match: ifMatch` when given. */
export const patchModel = (api: RegistryClient, model: string, body: unknown, ifMatch?: string) =>
  api.request({
    method: "PATCH",
    path: `/models/${model}`,
    body,
    ...(ifMatch !== undefined && { headers: { "if-match": ifMatch } }),
  });

export const listVersions = (api: RegistryClient, model: string, query?: Query) =>
  api.request({ method: "GET", path: `/models/${model}/versions`, query });

/** The newest entry of the model's history. */
export async function latestHistoryEntry(api: RegistryClient, model: string): Promise<unknown> {
  const history = await api.request({ method: "GET", path: `/models/${model}/history`, query: { limit: 1 } });
  return (history.body as { items: unknown[] }).items[0];
}

/** Asserts an error response with this status (and code, when given); answers its error. */
export function expectError(response: RegistryResponse, status: number, code?: string): ErrorBody["error"] {
  expect(response.status, response.rawBody).toBe(status);
  const { error } = response.body as ErrorBody;
  if (code !== undefined) expect(error.code).toBe(code);
  return error;
}

/**
 * Asserts a 400 whose first issue names `field`, and when `message` is given, is exactly
 * `{ field, message }` (a RegExp message: one that matches).
 */
export function expectIssue(response: RegistryResponse, field: string, message?: string | RegExp) {
  const issue = expectError(response, 400).issues?.[0];
  if (message === undefined) expect(issue?.field).toBe(field);
  else
    expect(issue).toEqual({
      field,
      message: typeof message === "string" ? message : expect.stringMatching(message),
    });
}

/** The message of a path's version that is not a canonical whole number. */
export const VERSION_PARAM_MESSAGE =
  /^must be a whole number from 1 to 9999999999, written in plain decimal digits/;

/** A file a test uploads: its path in the version and its bytes. */
export interface TestFile {
  path: string;
  bytes: Buffer;
}

export const testFile = (path: string, content: string | Buffer): TestFile => ({
  path,
  bytes: Buffer.isBuffer(content) ? content : Buffer.from(content),
});

export const sha256Hex = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** The declaration of a file: what `artifacts[]` of a create-version body holds. */
export const declared = (file: TestFile) => ({
  path: file.path,
  size: file.bytes.length,
  sha256: sha256Hex(file.bytes),
});

export interface UploadInstruction {
  path: string;
  url?: string;
  headers?: Record<string, string>;
  uploadId?: string;
  partSize?: number;
  partCount?: number;
  parts?: { partNumber: number; url: string }[];
  missingParts?: number;
  expiresAt: string;
}

/** PUTs bytes to a single-upload instruction with exactly its headers, as a notebook would. */
export async function putSingle(upload: UploadInstruction, bytes: Buffer): Promise<Response> {
  if (!upload.url) throw new Error(`${upload.path} is not a single upload`);
  return fetch(upload.url, { method: "PUT", headers: upload.headers, body: bytes });
}

/** PUTs the given parts of `bytes` to their part URLs; returns each part's ETag. */
export async function putParts(
  upload: UploadInstruction,
  bytes: Buffer,
  parts: { partNumber: number; url: string }[] = upload.parts ?? [],
): Promise<{ partNumber: number; etag: string }[]> {
  const size = upload.partSize as number;
  const etags = [];
  for (const part of parts) {
    const body = bytes.subarray((part.partNumber - 1) * size, part.partNumber * size);
    const response = await fetch(part.url, { method: "PUT", body });
    if (!response.ok) throw new Error(`part ${part.partNumber}: ${response.status} ${await response.text()}`);
    etags.push({ partNumber: part.partNumber, etag: response.headers.get("etag") as string });
  }
  return etags;
}

/**
 * A notebook's interrupted multipart upload of a three-part artifact: it PUTs the first part,
 * asks the registry for fresh URLs (which lists the parts S3 already has and signs only the
 * missing two), and PUTs those. Returns the ETags of all three, in order, for completion.
 */
export async function putPartsResumingAfterFirst(
  api: RegistryClient,
  model: string,
  version: number,
  upload: UploadInstruction,
  bytes: Buffer,
): Promise<{ partNumber: number; etag: string }[]> {
  const first = await putParts(upload, bytes, upload.parts?.slice(0, 1));
  const resume = await api.request({
    method: "POST",
    path: `/models/${model}/versions/${version}/uploads`,
    body: { path: upload.path },
  });
  expect(resume.status, resume.rawBody).toBe(200);
  const rest = resume.body as UploadInstruction;
  expect(rest).toMatchObject({ uploadId: upload.uploadId, missingParts: 2 });
  expect(rest.parts?.map((p) => p.partNumber)).toEqual([2, 3]);
  return [...first, ...(await putParts({ ...upload, parts: rest.parts ?? [] }, bytes))];
}

/** Polls the version until its status is one of `statuses` (the verifier runs in the background). */
export async function waitForStatus(
  api: RegistryClient,
  model: string,
  version: number,
  statuses: string[] = ["READY", "FAILED"],
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await api.request({ method: "GET", path: `/models/${model}/versions/${version}` });
    const body = response.body as { status: string };
    if (statuses.includes(body.status)) return body as Record<string, unknown> & { status: string };
    if (Date.now() > deadline) throw new Error(`version ${version} of ${model} is still ${body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Creates a version whose artifacts are really uploaded (through the issued URLs) and sealed:
 * it ends READY, as aliases and downloads require.
 */
export async function createReadyVersion(
  api: RegistryClient,
  model: string,
  body: Record<string, unknown> = {},
  files: TestFile[] = [testFile("model.onnx", `weights of ${model}`)],
) {
  const response = await api.request({
    method: "POST",
    path: `/models/${model}/versions`,
    body: { ...body, artifacts: files.map(declared) },
  });
  if (response.status !== 201)
    throw new Error(`create version of ${model}: ${response.status} ${response.rawBody}`);
  const created = response.body as { version: number; uploads: UploadInstruction[] };
  for (const file of files) {
    const upload = created.uploads.find((u) => u.path === file.path) as UploadInstruction;
    const put = await putSingle(upload, file.bytes);
    if (!put.ok) throw new Error(`upload ${file.path}: ${put.status}`);
  }
  const sealed = await api.request({
    method: "POST",
    path: `/models/${model}/versions/${created.version}/seal`,
  });
  if (sealed.status !== 200 && sealed.status !== 202) {
    throw new Error(`seal version ${created.version} of ${model}: ${sealed.status} ${sealed.rawBody}`);
  }
  const ready = await waitForStatus(api, model, created.version);
  if (ready.status !== "READY")
    throw new Error(`version ${created.version} of ${model} ended ${ready.status}`);
  return created;
}
