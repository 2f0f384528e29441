/**
 * Issue 18 items 6 and 8, replayed as an attacker would against local mode: nothing local is
 * more lenient than AWS. Every request goes to loopback; where a service must be unreachable
 * from other interfaces, the test reads the address it is bound to (/proc/net/tcp{,6}), never
 * connects to another interface.
 */
import { readFileSync } from "node:fs";
import { DynamoDBClient, ListTablesCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SendTaskFailureCommand, SFNClient } from "@aws-sdk/client-sfn";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { describe, expect, it } from "vitest";
import {
  client,
  createModel,
  createReadyVersion,
  declared,
  principal,
  putSingle,
  registry,
  sha256Hex,
  testFile,
  type UploadInstruction,
  uniqueName,
  waitForStatus,
} from "./support.ts";

const api = client("publisher");

async function createdVersion(contents: string) {
  const name = uniqueName("trust");
  await createModel(api, name);
  const file = testFile("model.bin", contents);
  const response = await api.request({
    method: "POST",
    path: `/models/${name}/versions`,
    body: { artifacts: [declared(file)] },
  });
  expect(response.status, response.rawBody).toBe(201);
  const upload = (response.body as { uploads: UploadInstruction[] }).uploads[0] as UploadInstruction;
  return { name, file, upload, key: `models/${name}/versions/1/model.bin` };
}

const s3As = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
  new S3Client({
    endpoint: registry().s3Endpoint,
    region: registry().region,
    forcePathStyle: true,
    credentials,
    maxAttempts: 1,
  });

describe("the local S3 checks what S3 checks", () => {
  it("refuses an unsigned PUT and a PUT signed with a published user key", async () => {
    const { key } = await createdVersion("unsigned");
    const url = `${registry().s3Endpoint}/${registry().bucket}/${key}`;
    const unsigned = await fetch(url, { method: "PUT", body: "replaced" });
    expect(unsigned.status).toBe(403);
    const publisher = principal("publisher");
    const asUser = s3As({ accessKeyId: publisher.accessKeyId, secretAccessKey: publisher.secretAccessKey });
    await expect(
      asUser.send(new PutObjectCommand({ Bucket: registry().bucket, Key: key, Body: "replaced" })),
    ).rejects.toMatchObject({ name: "InvalidAccessKeyId" });
    asUser.destroy();
    const forged = s3As({
      accessKeyId: registry().registryCredentials.accessKeyId,
      secretAccessKey: "guess",
    });
    await expect(
      forged.send(new PutObjectCommand({ Bucket: registry().bucket, Key: key, Body: "replaced" })),
    ).rejects.toMatchObject({ name: "SignatureDoesNotMatch" });
    forged.destroy();
  });

  it("refuses an expired presigned URL", async () => {
    const { key } = await createdVersion("expired");
    const s3 = s3As(registry().registryCredentials);
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: registry().bucket, Key: key }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 10 * 60 * 1000),
    });
    s3.destroy();
    const response = await fetch(url, { method: "PUT", body: "late bytes" });
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/expired/);
  });

  it("refuses bytes other than the signed checksum (BadDigest), and a second PUT to the URL (If-None-Match) even after READY", async () => {
    const { name, file, upload } = await createdVersion("the sealed bytes");
    const wrong = await putSingle(upload, Buffer.from("other bytes"));
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("BadDigest");
    expect((await putSingle(upload, file.bytes)).status).toBe(200);
    await api.request({ method: "POST", path: `/models/${name}/versions/1/seal` });
    expect(await waitForStatus(api, name, 1)).toMatchObject({ status: "READY" });
    // The URL is still within its 15 minutes: replaying it must not replace the sealed object.
    const replay = await putSingle(upload, file.bytes);
    expect(replay.status).toBe(412);
    expect(await replay.text()).toContain("PreconditionFailed");
  });

  it("refuses to delete an object, as the bucket policy does", async () => {
    const { key, upload, file } = await createdVersion("kept");
    await putSingle(upload, file.bytes);
    const s3 = s3As(registry().registryCredentials);
    const { DeleteObjectCommand } = await import("@aws-sdk/client-s3");
    await expect(
      s3.send(new DeleteObjectCommand({ Bucket: registry().bucket, Key: key })),
    ).rejects.toMatchObject({
      name: "AccessDenied",
    });
    s3.destroy();
  });

  it("answers CORS for the registry's own origin only, never *", async () => {
    const { key } = await createdVersion("cors");
    const url = `${registry().s3Endpoint}/${registry().bucket}/${key}`;
    const preflight = (origin: string) =>
      fetch(url, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "PUT",
          "access-control-request-headers": "content-type",
        },
      });
    const evil = await preflight("https://attacker.example");
    expect(evil.status).toBe(403);
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    const own = await preflight(registry().consoleOrigin);
    expect(own.status).toBe(200);
    expect(own.headers.get("access-control-allow-origin")).toBe(registry().consoleOrigin);
  });
});

describe("pinned bytes", () => {
  it("a download and the stage change event name the sealed S3 version; bytes written at the key later are not served", async () => {
    const name = uniqueName("pinned");
    await createModel(api, name);
    const file = testFile("model.onnx", `sealed weights of ${name}`);
    await createReadyVersion(api, name, {}, [file]);
    const version = (await api.request({ method: "GET", path: `/models/${name}/versions/1` })).body as {
      verification: { artifacts: { actual: { versionId?: string } }[] };
    };
    const pin = version.verification.artifacts[0]?.actual.versionId;
    expect(pin).toMatch(/^[A-Za-z0-9_-]{16,}$/);

    // Someone able to write the key (the registry's own identity here) replaces the bytes.
    const s3 = s3As(registry().registryCredentials);
    const key = `models/${name}/versions/1/model.onnx`;
    const replaced = await s3.send(
      new PutObjectCommand({ Bucket: registry().bucket, Key: key, Body: "evil" }),
    );
    expect(replaced.VersionId).not.toBe(pin);
    const current = await s3.send(new GetObjectCommand({ Bucket: registry().bucket, Key: key }));
    expect(await current.Body?.transformToString()).toBe("evil");
    s3.destroy();

    const download = await api.request({
      method: "GET",
      path: `/models/${name}/versions/1/artifacts/model.onnx`,
    });
    expect(download.status).toBe(200);
    const { url } = download.body as { url: string };
    expect(new URL(url).searchParams.get("versionId")).toBe(pin);
    const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(sha256Hex(bytes)).toBe(sha256Hex(file.bytes));

    const promoted = await api.request({
      method: "POST",
      path: `/models/${name}/versions/1/transitions`,
      body: { to: "staging" },
    });
    expect(promoted.status, promoted.rawBody).toBeLessThan(300);
    let changed: { details?: { artifacts?: { versionId?: string }[] } } | undefined;
    for (let i = 0; i < 100 && !changed; i++) {
      const history = await api.request({
        method: "GET",
        path: `/models/${name}/history`,
        query: { limit: "50" },
      });
      const items = (history.body as { items: { action: string; details?: never }[] }).items;
      changed = items.find((e) => e.action === "STAGE_CHANGED");
      if (!changed) await new Promise((r) => setTimeout(r, 200));
    }
    expect(changed?.details?.artifacts?.[0]?.versionId).toBe(pin);
  });
});

describe("the local bus", () => {
  const entry = {
    EventBusName: "model-registry",
    Source: "model-registry",
    DetailType: "Model Version Stage Changed",
    Detail: JSON.stringify({ model: "fraud", version: 1, to: "production" }),
  };

  it("refuses an unsigned PutEvents and the registry's source from a user, however well signed", async () => {
    const unsigned = await fetch(registry().eventBusEndpoint, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSEvents.PutEvents" },
      body: JSON.stringify({ Entries: [entry] }),
    });
    expect(unsigned.status).toBe(403);
    const publisher = principal("publisher");
    const bus = new EventBridgeClient({
      endpoint: registry().eventBusEndpoint,
      region: registry().region,
      credentials: { accessKeyId: publisher.accessKeyId, secretAccessKey: publisher.secretAccessKey },
    });
    const forged = await bus.send(new PutEventsCommand({ Entries: [entry] }));
    bus.destroy();
    expect(forged.Entries?.[0]?.ErrorCode).toBe("NotAuthorizedForSourceException");
  });
});

describe("the functions' own services answer the functions only", () => {
  const userKey = () => {
    const { accessKeyId, secretAccessKey } = principal("admin");
    return { accessKeyId, secretAccessKey };
  };

  it("DynamoDB Local refuses every key but the registry's, so a user key cannot move the production pointer", async () => {
    const { dynamoEndpoint, region, tableName, registryCredentials } = registry();
    const as = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
      new DynamoDBClient({ endpoint: dynamoEndpoint, region, credentials, maxAttempts: 1 });
    const key = { pk: { S: "MODEL#trust" }, sk: { S: "STAGE#production" } };
    for (const credentials of [userKey(), { accessKeyId: "local", secretAccessKey: "local" }]) {
      const stranger = as(credentials);
      await expect(stranger.send(new ListTablesCommand({}))).rejects.toMatchObject({
        name: "UnrecognizedClientException",
      });
      await expect(
        stranger.send(new PutItemCommand({ TableName: tableName, Item: { ...key, version: { N: "1" } } })),
      ).rejects.toMatchObject({ name: "UnrecognizedClientException" });
      stranger.destroy();
    }
    const unsigned = await fetch(dynamoEndpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "DynamoDB_20120810.ListTables",
      },
      body: "{}",
    });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.text()).toContain("UnrecognizedClientException");
    const own = as(registryCredentials);
    const { TableNames } = await own.send(new ListTablesCommand({}));
    own.destroy();
    expect(TableNames).toContain(tableName);
  });

  it("Lambda refuses to invoke the verifier for anyone but the registry (a forged 'bytes verified')", async () => {
    const { lambdaEndpoint, region } = registry();
    const lambda = new LambdaClient({
      endpoint: lambdaEndpoint,
      region,
      credentials: userKey(),
      maxAttempts: 1,
    });
    await expect(
      lambda.send(new InvokeCommand({ FunctionName: "model-registry-verify-artifacts", Payload: "{}" })),
    ).rejects.toMatchObject({ name: "UnrecognizedClientException" });
    lambda.destroy();
    const unsigned = await fetch(
      `${lambdaEndpoint}/2015-03-31/functions/model-registry-verify-artifacts/invocations`,
      {
        method: "POST",
        body: "{}",
      },
    );
    expect(unsigned.status).toBe(403);
  });

  it("Step Functions refuses a task-token call from a user key, so nobody ends an approval wait but the registry", async () => {
    const { stepFunctionsEndpoint, region } = registry();
    const sfn = new SFNClient({
      endpoint: stepFunctionsEndpoint,
      region,
      credentials: userKey(),
      maxAttempts: 1,
    });
    await expect(
      sfn.send(new SendTaskFailureCommand({ taskToken: "any-token", error: "Rejected" })),
    ).rejects.toMatchObject({ name: "UnrecognizedClientException" });
    sfn.destroy();
  });
});

describe("loopback only", () => {
  /** Every listening TCP socket's local address and port, from /proc/net/tcp and tcp6. */
  function listening(): { address: string; port: number }[] {
    const sockets: { address: string; port: number }[] = [];
    for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
      let text = "";
      try {
        text = readFileSync(file, "utf8");
      } catch {
        continue;
      }
      for (const line of text.trim().split("\n").slice(1)) {
        const [, local, , state] = line.trim().split(/\s+/);
        if (state !== "0A" || !local) continue; // 0A: LISTEN
        const [hex, port] = local.split(":") as [string, string];
        sockets.push({ address: decodeAddress(hex), port: Number.parseInt(port, 16) });
      }
    }
    return sockets;
  }

  /** /proc/net/tcp{,6} addresses: 32-bit words in host (little-endian) order. */
  function decodeAddress(hex: string): string {
    const words = hex.match(/.{8}/g) ?? [];
    const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => Number.parseInt(b, 16)));
    if (bytes.length === 4) return bytes.join(".");
    if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255) {
      return `::ffff:${bytes.slice(12).join(".")}`;
    }
    return bytes.every((b, i) => (i === 15 ? b === 1 : b === 0))
      ? "::1"
      : bytes.every((b) => b === 0)
        ? "::"
        : hex;
  }

  it("every local service listens on 127.0.0.1 only: the API, S3, DynamoDB Local, the bus, Lambda and Step Functions", () => {
    const context = registry();
    const services = {
      api: context.endpoint,
      s3: context.s3Endpoint,
      dynamodb: context.dynamoEndpoint,
      bus: context.eventBusEndpoint,
      lambda: context.lambdaEndpoint,
      stepFunctions: context.stepFunctionsEndpoint,
    };
    const sockets = listening();
    for (const [service, endpoint] of Object.entries(services)) {
      const port = Number(new URL(endpoint).port);
      const bound = sockets.filter((s) => s.port === port).map((s) => s.address);
      expect(bound, `${service} on port ${port}`).not.toEqual([]);
      for (const address of bound) {
        expect(["127.0.0.1", "::ffff:127.0.0.1"], `${service} is bound to ${address}`).toContain(address);
      }
    }
  });

  it("DynamoDB Local allows no browser origin (its default is *)", async () => {
    const preflight = await fetch(registry().dynamoEndpoint, {
      method: "OPTIONS",
      headers: {
        origin: "https://attacker.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "x-amz-target,content-type",
      },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("the event stream answers CORS for the registry's own origin only", async () => {
    const open = (origin: string) => {
      const controller = new AbortController();
      return fetch(`${registry().endpoint}/_local/events`, {
        headers: { origin },
        signal: controller.signal,
      }).then((response) => {
        controller.abort();
        return response.headers.get("access-control-allow-origin");
      });
    };
    expect(await open("https://attacker.example")).toBeNull();
    expect(await open(registry().consoleOrigin)).toBe(registry().consoleOrigin);
  });
});
