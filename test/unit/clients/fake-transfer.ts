import { createHash } from "node:crypto";
import { RegistryClient } from "../../../clients/typescript/registry-client.ts";
import { TEST_CREDENTIALS } from "./fake-fetch.ts";

export const REGISTRY = "http://registry.test";
export const S3 = "http://s3.test";

export interface RegistryCall {
  method: string;
  path: string;
  body: unknown;
}

export interface S3Call {
  method: string;
  url: URL;
  headers: Record<string, string>;
  /** The bytes of a PUT, read from the streamed body. */
  bytes: Buffer;
  partNumber: number | undefined;
}

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * One `fetch` for both sides of a transfer: the registry's API (JSON) and S3's presigned URLs
 * (bytes, streamed bodies read in full). Each side answers from the test's function.
 */
export function fakeTransfer(handlers: {
  registry: (call: RegistryCall, index: number) => Reply;
  s3?: (call: S3Call, index: number) => Reply;
}) {
  const registryCalls: RegistryCall[] = [];
  const s3Calls: S3Call[] = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const url = new URL(input.toString());
    const method = init?.method ?? "GET";
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    if (url.origin === REGISTRY) {
      const call = {
        method,
        path: url.pathname,
        body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined,
      };
      registryCalls.push(call);
      const { status = 200, body = {} } = handlers.registry(call, registryCalls.length - 1);
      return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    }
    const bytes = init?.body ? Buffer.from(await new Response(init.body).arrayBuffer()) : Buffer.alloc(0);
    const part = url.searchParams.get("partNumber");
    const call: S3Call = {
      method,
      url,
      headers,
      bytes,
      partNumber: part === null ? undefined : Number(part),
    };
    s3Calls.push(call);
    const reply = handlers.s3?.(call, s3Calls.length - 1) ?? {};
    const status = reply.status ?? 200;
    const body =
      reply.body === undefined ? null : Buffer.isBuffer(reply.body) ? reply.body : String(reply.body);
    const etag = method === "PUT" ? { etag: `"${md5(bytes)}"` } : {};
    return new Response(body, { status, headers: { ...etag, ...reply.headers } });
  };
  const client = new RegistryClient({ endpoint: REGISTRY, credentials: TEST_CREDENTIALS, fetch: fetchFn });
  return { fetch: fetchFn, client, registryCalls, s3Calls };
}

export const md5 = (bytes: Buffer) => createHash("md5").update(bytes).digest("hex");
export const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** Options that make retries instant and record the back-offs. */
export function instantRetries() {
  const sleeps: number[] = [];
  return {
    sleeps,
    options: {
      sleep: async (ms: number) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      poll: { intervalMs: 1 },
    },
  };
}

export const partUrl = (path: string, n: number) => `${S3}/bucket/${path}?uploadId=up-1&partNumber=${n}`;
export const parts = (path: string, numbers: number[]) =>
  numbers.map((n) => ({ partNumber: n, url: partUrl(path, n) }));
export const LATER = "2999-01-01T00:00:00.000Z";
