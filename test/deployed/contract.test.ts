/**
 * Contract tests against a real deployment: `npm run test:deployed` (test/deployed/run.ts), which
 * says NOT RUN and exits 78 when the deployment's URL, region or credentials are missing (or 0
 * with `--allow-not-run`). Run directly, this file fails on the same check instead of passing.
 *
 * | variable | meaning |
 * |---|---|
 * | `REGISTRY_DEPLOYED_URL` | the `ApiUrl` output, e.g. `https://abc123.execute-api.us-east-1.amazonaws.com/v1/` |
 * | `AWS_REGION` | the deployment's region |
 * | `REGISTRY_READER_ROLE_ARN`, `REGISTRY_PUBLISHER_ROLE_ARN`, `REGISTRY_APPROVER_ROLE_ARN` | roles holding one registry role each (attach the `*PolicyArn` outputs), assumable by the caller |
 * | `REGISTRY_EVENT_BUS_NAME` | the `EventBusName` output (default `model-registry`) |
 * | `REGISTRY_ARTIFACT_BUCKET` | the `ArtifactBucketName` output |
 *
 * The caller's credentials come from the normal AWS chain (`fromNodeProviderChain`: environment,
 * profile, SSO, web identity, container or instance role) and assume the three roles.
 * The caller's own credentials (the deployer's) create a temporary rule and queue on the bus
 * and try to overwrite an artifact; the transition test drives the deployed workflow (staging, then
 * production with the approver's approval resuming the `.waitForTaskToken` wait).
 *
 * Emulators hide AWS behaviours (GSI reads are eventually consistent on DynamoDB, transactions
 * can conflict), so every read-after-write here polls.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DeleteRuleCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import { DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uploadCreatedVersion } from "../../clients/typescript/artifact-upload.ts";
import { RegistryClient } from "../../clients/typescript/registry-client.ts";
import type { ModelVersion } from "../../clients/typescript/types.ts";
import { deployedReadiness, NOT_RUN_EXIT_CODE } from "./readiness.ts";

const readiness = await deployedReadiness();
if (!readiness.ready) {
  // Run directly (`vitest run --config vitest.deployed.config.ts`): fail, never pass as "all skipped".
  throw new Error(`${readiness.message} (npm run test:deployed exits ${NOT_RUN_EXIT_CODE} in this case)`);
}
const { url, region } = readiness;
/** The caller's own credentials, from the default chain, for the roles and the direct AWS calls. */
const callerCredentials = fromNodeProviderChain();

/** A role's ARN from the environment; a run that has a URL but lacks one fails, naming it. */
function roleArn(variable: string): string {
  const value = process.env[variable];
  if (!value)
    throw new Error(`set ${variable}: the deployed contract tests assume one role per registry role`);
  return value;
}

const clientAs = (variable: string) =>
  new RegistryClient({
    endpoint: url,
    region,
    credentials: fromTemporaryCredentials({
      params: { RoleArn: roleArn(variable), RoleSessionName: `registry-contract-${Date.now()}` },
      masterCredentials: callerCredentials,
      clientConfig: { region },
    }),
  });

/** A response's JSON body; a response without one fails here, showing what came back. */
function body<T>(response: { body: T | null; status: number; rawBody: string }): T {
  if (response.body === null)
    throw new Error(`expected a JSON body, got ${response.status}: ${response.rawBody}`);
  return response.body;
}

interface MultipartInstruction {
  path: string;
  url?: string;
  uploadId?: string;
  partSize?: number;
  partCount?: number;
  parts?: { partNumber: number; url: string }[];
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

const uniqueName = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function pollUntil<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 500; ; pause = Math.min(pause * 1.5, 5000)) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: last seen ${JSON.stringify(value)}`);
    await sleep(pause);
  }
}

describe(`the deployed registry at ${url}`, () => {
  let reader: RegistryClient;
  let publisher: RegistryClient;
  let approver: RegistryClient;
  const model = uniqueName("contract");

  beforeAll(async () => {
    reader = clientAs("REGISTRY_READER_ROLE_ARN");
    publisher = clientAs("REGISTRY_PUBLISHER_ROLE_ARN");
    approver = clientAs("REGISTRY_APPROVER_ROLE_ARN");
    const created = await publisher.request({
      method: "POST",
      path: "/models",
      body: {
        name: model,
        description: "contract test model (safe to delete)",
        policy: { approvals: { production: { required: 1, allowSelfApproval: false } } },
      },
    });
    expect(created.status, created.rawBody).toBe(201);
  });

  describe("IAM denies what a role's policy leaves out, in the registry's error shape", () => {
    it("an unsigned request: 403 MissingAuthenticationToken", async () => {
      const response = await fetch(new URL("models", url));
      expect(response.status).toBe(403);
      const body = (await response.json()) as { error: { code: string; requestId: string } };
      expect(body.error.code).toBe("MissingAuthenticationToken");
      expect(body.error.requestId).toBeTruthy();
    });

    it.each([
      ["reader", "POST", "/models"],
      ["reader", "POST", "/models/{m}/versions"],
      ["publisher", "DELETE", "/models/{m}"],
      ["approver", "POST", "/models"],
    ])("%s cannot %s %s: 403 AccessDenied before any function runs", async (role, method, path) => {
      const client = { reader, publisher, approver }[role as "reader" | "publisher" | "approver"];
      const response = await client.request({ method, path: path.replace("{m}", model), body: {} });
      expect(response.status, response.rawBody).toBe(403);
      expect((response.body as { error: { code: string } }).error.code).toBe("AccessDenied");
    });

    it("the reader can read what the publisher wrote", async () => {
      const response = await reader.request({ method: "GET", path: `/models/${model}` });
      expect(response.status, response.rawBody).toBe(200);
    });
  });

  const dir = mkdtempSync(join(tmpdir(), "registry-contract-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A new READY version of the model holding one small artifact, uploaded with one PUT. */
  async function readyVersion(label: string): Promise<{ version: ModelVersion; bytes: Buffer }> {
    const bytes = Buffer.from(`contract ${label} ${randomBytes(8).toString("hex")}`);
    const file = join(dir, `${label}.bin`);
    writeFileSync(file, bytes);
    const created = await publisher.request<ModelVersion>({
      method: "POST",
      path: `/models/${model}/versions`,
      body: {
        artifacts: [{ path: "model.bin", size: bytes.length, sha256: sha256(bytes) }],
      },
    });
    expect(created.status, created.rawBody).toBe(201);
    const { version } = await uploadCreatedVersion(publisher, body(created), [{ path: "model.bin", file }], {
      poll: { timeoutMs: 5 * 60_000 },
    });
    expect(version.status).toBe("READY");
    return { version, bytes };
  }
  /** One READY version shared by the tests that only read it, made by whichever needs it first. */
  let shared: Promise<{ version: ModelVersion; bytes: Buffer }> | undefined;
  const sharedReadyVersion = () => {
    shared ??= readyVersion("shared");
    return shared;
  };

  describe("artifacts through presigned URLs", () => {
    it("uploads a 70 MiB artifact as a presigned multipart upload, seals it and S3 verifies it", async () => {
      // Above the default 64 MiB multipart threshold, so the registry hands out part URLs.
      const bytes = randomBytes(70 * 1024 ** 2);
      const file = join(dir, "weights.bin");
      writeFileSync(file, bytes);
      const created = await publisher.request<ModelVersion>({
        method: "POST",
        path: `/models/${model}/versions`,
        body: { artifacts: [{ path: "weights.bin", size: bytes.length, sha256: sha256(bytes) }] },
      });
      expect(created.status, created.rawBody).toBe(201);
      // A multipart instruction: no single URL, an upload id, and one presigned URL per part,
      // numbered 1..partCount, covering the file.
      const upload = body(created).uploads?.[0] as MultipartInstruction | undefined;
      expect(upload).toMatchObject({
        path: "weights.bin",
        uploadId: expect.any(String),
        partSize: expect.any(Number),
        partCount: expect.any(Number),
      });
      const { uploadId, partSize, partCount, parts } = upload as Required<MultipartInstruction>;
      expect(upload?.url).toBeUndefined();
      expect(partCount).toBeGreaterThan(1);
      expect(partCount).toBe(Math.ceil(bytes.length / partSize));
      expect(parts.map((p) => p.partNumber)).toEqual(Array.from({ length: partCount }, (_, i) => i + 1));
      for (const part of parts) {
        const partUrl = new URL(part.url);
        expect(partUrl.searchParams.get("uploadId")).toBe(uploadId);
        expect(partUrl.searchParams.get("partNumber")).toBe(String(part.partNumber));
        expect(partUrl.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
      }
      const result = await uploadCreatedVersion(publisher, body(created), [{ path: "weights.bin", file }], {
        poll: { timeoutMs: 10 * 60_000 },
      });
      expect(result.version.status).toBe("READY");
      expect(result.version.artifacts).toMatchObject([
        { path: "weights.bin", size: bytes.length, sha256: sha256(bytes) },
      ]);
    });

    it("downloads the sealed bytes through a presigned GET, as the reader", async () => {
      const { version, bytes } = await sharedReadyVersion();
      const response = await reader.request<{ url: string; sha256: string }>({
        method: "GET",
        path: `/models/${model}/versions/${version.version}/artifacts/model.bin`,
      });
      expect(response.status, response.rawBody).toBe(200);
      expect(body(response).sha256).toBe(sha256(bytes));
      const download = await fetch(body(response).url);
      expect(download.status).toBe(200);
      expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(bytes));
    });

    it("keeps artifacts from being overwritten or deleted, even by the caller's own (admin) credentials", async () => {
      // The bucket policy denies writes under models/ to principals outside the registry's role
      // path, and deletes to everyone: the deployer's credentials are neither.
      const bucket = process.env.REGISTRY_ARTIFACT_BUCKET;
      if (!bucket) throw new Error("set REGISTRY_ARTIFACT_BUCKET (the ArtifactBucketName output)");
      const { version } = await sharedReadyVersion();
      const s3 = new S3Client({ region, credentials: callerCredentials });
      const key = `models/${model}/versions/${version.version}/model.bin`;
      await expect(
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "overwrite" })),
      ).rejects.toThrow(/Access ?Denied/i);
      await expect(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))).rejects.toThrow(
        /Access ?Denied/i,
      );
    });
  });

  describe("stage transitions with a human approval (Step Functions .waitForTaskToken)", () => {
    it("promotes to production only after a second principal approves", async () => {
      // Its own version: the test depends on no other test, nor on the order they run in.
      const { version: ready } = await readyVersion("promoted");
      const request = async (to: string) => {
        const requested = await publisher.request<Record<string, unknown>>({
          method: "POST",
          path: `/models/${model}/versions/${ready.version}/transitions`,
          body: { to },
        });
        expect(requested.status, requested.rawBody).toBe(202);
        return String(body(requested).id);
      };
      const until = (id: string, statuses: string[], what: string) =>
        pollUntil(
          what,
          () =>
            publisher.request<Record<string, unknown>>({
              method: "GET",
              path: `/models/${model}/transitions/${id}`,
            }),
          (r) => r.status === 200 && statuses.includes(String(r.body?.status)),
          5 * 60_000,
        );
      // development → staging needs no approval under this policy; staging → production does.
      const staging = await request("staging");
      expect(body(await until(staging, ["APPLIED", "FAILED", "REJECTED"], "staging")).status).toBe("APPLIED");
      const id = await request("production");
      const awaiting = await until(id, ["AWAITING_APPROVAL", "FAILED"], "the transition to await approval");
      expect(body(awaiting).status).toBe("AWAITING_APPROVAL");

      // The publisher (the requester) has no approve route at all: IAM refuses it.
      const self = await publisher.request({
        method: "POST",
        path: `/models/${model}/transitions/${id}/approve`,
      });
      expect(self.status).toBe(403);

      const approved = await approver.request({
        method: "POST",
        path: `/models/${model}/transitions/${id}/approve`,
        body: { comment: "contract test" },
      });
      expect(approved.status, approved.rawBody).toBe(200);
      await pollUntil(
        "the version to reach production",
        () =>
          reader.request<ModelVersion>({
            method: "GET",
            path: `/models/${model}/versions/${ready.version}`,
          }),
        (r) => r.status === 200 && r.body?.stage === "production",
        5 * 60_000,
      );
    });
  });

  describe("events reach a deploy pipeline's rule", () => {
    const events = new EventBridgeClient({ region, credentials: callerCredentials });
    const sqs = new SQSClient({ region, credentials: callerCredentials });
    const busName = process.env.REGISTRY_EVENT_BUS_NAME ?? "model-registry";
    const ruleName = uniqueName("registry-contract");
    let queueUrl: string | undefined;

    afterAll(async () => {
      await events
        .send(new RemoveTargetsCommand({ Rule: ruleName, EventBusName: busName, Ids: ["queue"] }))
        .catch(() => {});
      await events.send(new DeleteRuleCommand({ Name: ruleName, EventBusName: busName })).catch(() => {});
      if (queueUrl) await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => {});
    });

    it("a temporary rule on the bus delivers this model's events to a queue", async () => {
      queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: ruleName }))).QueueUrl!;
      const queueArn = (
        await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }))
      ).Attributes!.QueueArn!;
      const rule = await events.send(
        new PutRuleCommand({
          Name: ruleName,
          EventBusName: busName,
          EventPattern: JSON.stringify({ source: ["model-registry"], detail: { model: [model] } }),
        }),
      );
      await sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: queueUrl,
          Attributes: {
            Policy: JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                {
                  Effect: "Allow",
                  Principal: { Service: "events.amazonaws.com" },
                  Action: "sqs:SendMessage",
                  Resource: queueArn,
                  Condition: { ArnEquals: { "aws:SourceArn": rule.RuleArn } },
                },
              ],
            }),
          },
        }),
      );
      await events.send(
        new PutTargetsCommand({
          Rule: ruleName,
          EventBusName: busName,
          Targets: [{ Id: "queue", Arn: queueArn }],
        }),
      );

      const patched = await publisher.request({
        method: "PATCH",
        path: `/models/${model}`,
        body: { description: `contract test, events at ${new Date().toISOString()}` },
      });
      expect(patched.status, patched.rawBody).toBe(200);

      const received = await pollUntil(
        "an event of the contract model on the queue",
        async () =>
          (
            await sqs.send(
              new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 10, MaxNumberOfMessages: 10 }),
            )
          ).Messages ?? [],
        (messages) => messages.length > 0,
        2 * 60_000,
      );
      const event = JSON.parse(received[0]!.Body!) as { source: string; detail: { model: string } };
      expect(event.source).toBe("model-registry");
      expect(event.detail.model).toBe(model);
    });
  });
});
