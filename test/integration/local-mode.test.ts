import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Sha256 } from "@aws-crypto/sha256-js";
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { LocalPrincipal } from "../../local/principals.ts";
import { startLocalRegistry } from "../../local/registry.ts";
import "./registry-context.ts";

const registry = inject("registry");
if (!registry)
  throw new Error("the local registry was not started: unset REGISTRY_SKIP_LOCAL to run integration tests");
const publisher = registry.principals.find((p) => p.name === "publisher")!;

interface ErrorBody {
  error: { code: string; message: string; requestId: string };
}

/** Signs like an AWS SDK client would, then sends the request with fetch. */
async function signedFetch(
  path: string,
  options: { method?: string; body?: string; principal?: LocalPrincipal; secret?: string } = {},
): Promise<Response> {
  const url = new URL(path, registry.endpoint);
  const principal = options.principal ?? publisher;
  const signer = new SignatureV4({
    service: "execute-api",
    region: registry.region,
    credentials: {
      accessKeyId: principal.accessKeyId,
      secretAccessKey: options.secret ?? principal.secretAccessKey,
    },
    sha256: Sha256,
  });
  const headers: Record<string, string> = { host: url.host };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const signed = await signer.sign(
    new HttpRequest({
      method: options.method ?? "GET",
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: options.body,
    }),
  );
  return fetch(url, { method: options.method ?? "GET", headers: signed.headers, body: options.body });
}

async function expectGatewayError(
  response: Response,
  status: number,
  code: string,
): Promise<ErrorBody["error"]> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/json");
  const body = (await response.json()) as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(10);
  expect(body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(response.headers.get("x-amzn-requestid")).toBe(body.error.requestId);
  return body.error;
}

describe("local mode", () => {
  it("refuses an unsigned request with 403 MissingAuthenticationToken in the API error shape", async () => {
    const response = await fetch(`${registry.endpoint}/models`);
    const error = await expectGatewayError(response, 403, "MissingAuthenticationToken");
    expect(error.message).toContain("execute-api");
  });

  it("refuses a request signed with the wrong secret with 403 SignatureDoesNotMatch", async () => {
    const response = await signedFetch("/models", { secret: "W".repeat(40) });
    await expectGatewayError(response, 403, "SignatureDoesNotMatch");
  });

  it("refuses a body changed after signing", async () => {
    const url = `${registry.endpoint}/models`;
    // Send headers signed for one body with another: the gateway hashes what it receives.
    const signer = new SignatureV4({
      service: "execute-api",
      region: registry.region,
      credentials: publisher,
      sha256: Sha256,
    });
    const u = new URL(url);
    const signed = await signer.sign(
      new HttpRequest({
        method: "POST",
        hostname: u.hostname,
        port: Number(u.port),
        path: u.pathname,
        headers: { host: u.host, "content-type": "application/json" },
        body: '{"name":"b"}',
      }),
    );
    const tampered = await fetch(url, { method: "POST", headers: signed.headers, body: '{"name":"c"}' });
    await expectGatewayError(tampered, 403, "SignatureDoesNotMatch");
  });

  it("answers a correctly signed GET /health with 200 and the request id header", async () => {
    const response = await signedFetch("/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
    expect(response.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers an unknown route with 404 and a method the route lacks with 405 and Allow", async () => {
    await expectGatewayError(await signedFetch("/no-such-route"), 404, "NotFound");
    const wrongMethod = await fetch(`${registry.endpoint}/models/fraud/history`, { method: "POST" });
    await expectGatewayError(wrongMethod, 405, "MethodNotAllowed");
    expect(wrongMethod.headers.get("allow")).toBe("GET, OPTIONS");
  });

  it("refuses a body over API Gateway's 10 MB limit with 413", async () => {
    const response = await fetch(`${registry.endpoint}/models`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "x".repeat(10 * 1024 * 1024 + 1),
    });
    await expectGatewayError(response, 413, "RequestTooLarge");
  });

  it("accepts a request signed by curl's --aws-sigv4", async () => {
    const { stdout } = await promisify(execFile)("curl", [
      "--silent",
      "--show-error",
      "--aws-sigv4",
      `aws:amz:${registry.region}:execute-api`,
      "--user",
      `${publisher.accessKeyId}:${publisher.secretAccessKey}`,
      "--write-out",
      "\n%{http_code}",
      `${registry.endpoint}/health`,
    ]);
    const [body, status] = stdout.split("\n");
    expect(status).toBe("200");
    expect(JSON.parse(body!)).toEqual({ status: "ok" });
  });
});

describe("local mode with a data folder", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "registry-restart-"));
  const savedEnv = { ...process.env };
  afterAll(() => {
    process.env = savedEnv;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps table items, artifacts and the page-token secret across a restart", {
    timeout: 180_000,
  }, async () => {
    const key = { pk: { S: "TEST#restart" }, sk: { S: "ITEM" } };

    const first = await startLocalRegistry({ dataDir, port: 0, dynamoDbPort: 0, s3Port: 0 });
    const firstSecret = process.env.PAGE_TOKEN_SECRET;
    try {
      const dynamo = new DynamoDBClient({
        endpoint: first.dynamoEndpoint,
        region: first.region,
        credentials: first.registryCredentials,
      });
      await dynamo.send(
        new PutItemCommand({ TableName: first.tableName, Item: { ...key, note: { S: "kept" } } }),
      );
      dynamo.destroy();
      const s3 = new S3Client({
        endpoint: first.s3Endpoint,
        region: first.region,
        forcePathStyle: true,
        credentials: first.registryCredentials,
      });
      await s3.send(new PutObjectCommand({ Bucket: first.bucket, Key: "m/1/model.onnx", Body: "weights" }));
      s3.destroy();
    } finally {
      await first.stop();
    }

    const second = await startLocalRegistry({ dataDir, port: 0, dynamoDbPort: 0, s3Port: 0 });
    try {
      const dynamo = new DynamoDBClient({
        endpoint: second.dynamoEndpoint,
        region: second.region,
        credentials: second.registryCredentials,
      });
      const { Item } = await dynamo.send(new GetItemCommand({ TableName: second.tableName, Key: key }));
      dynamo.destroy();
      expect(Item?.note).toEqual({ S: "kept" });

      const s3 = new S3Client({
        endpoint: second.s3Endpoint,
        region: second.region,
        forcePathStyle: true,
        credentials: second.registryCredentials,
      });
      const object = await s3.send(new GetObjectCommand({ Bucket: second.bucket, Key: "m/1/model.onnx" }));
      expect(await object.Body?.transformToString()).toBe("weights");
      s3.destroy();

      expect(process.env.PAGE_TOKEN_SECRET).toBe(firstSecret);
      expect(firstSecret?.length).toBeGreaterThanOrEqual(32);
    } finally {
      await second.stop();
    }
  });
});
