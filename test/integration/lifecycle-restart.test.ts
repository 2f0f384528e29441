/**
 * The lifecycle across a restart of local mode, and the approval timeout: each test starts its
 * own registry with a data folder (so the table, the stream checkpoint and the open requests are
 * real files) and an HTTP target that records every event.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { DEPLOY_PIPELINE_RULE } from "#core/events/catalog.ts";
import { RegistryClient } from "../../clients/typescript/registry-client.ts";
import type { EventEnvelope } from "../../local/event-bus.ts";
import { startEventListener } from "../../local/event-listener.ts";
import { compileEventPattern } from "../../local/event-pattern.ts";
import type { LocalRegistry, LocalRegistryOptions } from "../../local/registry.ts";
import { pinnedRegistries } from "./pinned-ports.ts";
import { waitForStatus } from "./support.ts";

const savedEnv = { ...process.env };
const dataDirs: string[] = [];
afterAll(() => {
  process.env = savedEnv;
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Handlers keep their SDK clients for the process (as in Lambda): every registry here uses the
 * same ports (below the ephemeral range, a start retried when one is taken: `pinned-ports.ts`).
 */
const registries = await pinnedRegistries([
  "dynamoDbPort",
  "s3Port",
  "eventBusPort",
  "lambdaPort",
  "stepFunctionsPort",
]);
/** One registry secret for every registry here, as one set of ports (`pinned-ports.ts`). */
const startLocalRegistry = (options: LocalRegistryOptions) => registries.start(options);

async function listener() {
  const received: EventEnvelope[] = [];
  const target = await startEventListener((event) => received.push(event as EventEnvelope));
  onTestFinished(() => target.close());
  return { url: target.url, received };
}

function options(
  dataDir: string,
  url: string,
  extra: Partial<LocalRegistryOptions> = {},
): LocalRegistryOptions {
  return {
    dataDir,
    port: 0,
    targets: [{ name: "all", pattern: { source: ["model-registry"] }, url }],
    ...extra,
  };
}

function as(registry: LocalRegistry, name: string): RegistryClient {
  const principal = registry.principals.find((p) => p.name === name)!;
  return new RegistryClient({
    endpoint: registry.endpoint,
    region: registry.region,
    credentials: { accessKeyId: principal.accessKeyId, secretAccessKey: principal.secretAccessKey },
  });
}

async function expectStatus(
  response: Promise<{ status: number; rawBody: string; body: unknown }>,
  status: number,
) {
  const r = await response;
  expect(r.status, r.rawBody).toBe(status);
  return r.body as Record<string, unknown>;
}

async function readyVersion(api: RegistryClient, model: string, metrics: Record<string, number> = {}) {
  const bytes = Buffer.from(`weights of ${model}`);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const created = (await expectStatus(
    api.request({
      method: "POST",
      path: `/models/${model}/versions`,
      body: { metrics, artifacts: [{ path: "model.bin", size: bytes.length, sha256 }] },
    }),
    201,
  )) as { version: number; uploads: { url: string; headers: Record<string, string> }[] };
  const upload = created.uploads[0]!;
  expect((await fetch(upload.url, { method: "PUT", headers: upload.headers, body: bytes })).ok).toBe(true);
  // 200 when S3 settled every checksum, 202 while the verifier hashes (s3rver keeps no checksums).
  const sealed = await api.request({
    method: "POST",
    path: `/models/${model}/versions/${created.version}/seal`,
  });
  expect([200, 202], sealed.rawBody).toContain(sealed.status);
  expect((await waitForStatus(api, model, created.version)).status).toBe("READY");
  return created.version;
}

async function waitFor(
  api: RegistryClient,
  model: string,
  id: string,
  statuses: string[],
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = (await expectStatus(
      api.request({ method: "GET", path: `/models/${model}/transitions/${id}` }),
      200,
    )) as {
      status: string;
    };
    if (statuses.includes(body.status)) return body as Record<string, unknown> & { status: string };
    if (Date.now() > deadline) throw new Error(`transition ${id} is still ${body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const request = async (api: RegistryClient, model: string, version: number, to: string) =>
  (await expectStatus(
    api.request({ method: "POST", path: `/models/${model}/versions/${version}/transitions`, body: { to } }),
    202,
  )) as { id: string };

async function eventually(check: () => boolean, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const ENDED = ["APPLIED", "REJECTED", "FAILED", "CANCELLED", "TIMED_OUT"];

describe("the lifecycle across restarts", () => {
  it("a request awaiting approval when local mode stops is approved after the restart and applied once", {
    timeout: 180_000,
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "registry-lifecycle-"));
    dataDirs.push(dataDir);
    const target = await listener();
    const model = "restart";
    let transitionId = "";

    const first = await startLocalRegistry(options(dataDir, target.url));
    try {
      const publisher = as(first, "publisher");
      await expectStatus(
        publisher.request({
          method: "POST",
          path: "/models",
          body: { name: model, policy: { approvals: { production: { required: 1 } } } },
        }),
        201,
      );
      const version = await readyVersion(publisher, model);
      const staging = await request(publisher, model, version, "staging");
      expect((await waitFor(publisher, model, staging.id, ENDED)).status).toBe("APPLIED");
      transitionId = (await request(publisher, model, version, "production")).id;
      await waitFor(publisher, model, transitionId, ["AWAITING_APPROVAL"]);
      expect(first.workflows.running()).toBe(1);
    } finally {
      await first.stop();
    }

    const second = await startLocalRegistry(options(dataDir, target.url));
    try {
      const approver = as(second, "approver");
      // The recovered execution waits for the decision again: approving resumes it.
      await eventually(() => second.workflows.running() === 1, "the recovered execution");
      const waiting = await waitFor(approver, model, transitionId, ["AWAITING_APPROVAL", ...ENDED]);
      expect(waiting.status).toBe("AWAITING_APPROVAL");
      await expectStatus(
        approver.request({
          method: "POST",
          path: `/models/${model}/transitions/${transitionId}/approve`,
          body: {},
        }),
        200,
      );
      expect((await waitFor(approver, model, transitionId, ENDED)).status).toBe("APPLIED");
      const modelBody = await expectStatus(
        approver.request({ method: "GET", path: `/models/${model}` }),
        200,
      );
      expect(modelBody.stages).toEqual({ production: 1 });

      const deploy = compileEventPattern(DEPLOY_PIPELINE_RULE);
      await eventually(() => target.received.some((e) => deploy(e)), "the production event");
      await second.events.bus.settled();
      const production = target.received.filter((e) => deploy(e));
      expect(production).toHaveLength(1);
      expect(production[0]!.detail).toMatchObject({
        transitionId,
        approvedBy: [second.principals.find((p) => p.name === "approver")!.arn],
      });
      // Nothing was lost or doubled across the restart: every committed history entry arrived,
      // and nothing else; an entry delivered more than once (at least once allows it) came each
      // time as the same event, with the same eventId and detail. Duplicates are counted, not
      // folded away first.
      const committed: number[] = [];
      let nextToken: string | undefined;
      do {
        const page = (await expectStatus(
          approver.request({ method: "GET", path: `/models/${model}/history`, query: { nextToken } }),
          200,
        )) as { items: { seq: number }[]; nextToken?: string };
        committed.push(...page.items.map((entry) => entry.seq));
        nextToken = page.nextToken;
      } while (nextToken);
      const delivered = target.received.filter((e) => e.detail.model === model);
      const bySeq = new Map<number, EventEnvelope[]>();
      for (const event of delivered) {
        const seq = Number(event.detail.seq);
        bySeq.set(seq, [...(bySeq.get(seq) ?? []), event]);
      }
      const duplicates = delivered.length - bySeq.size;
      expect(
        [...bySeq.keys()].sort((a, b) => a - b),
        `delivered seqs (${delivered.length} deliveries, ${duplicates} duplicate(s))`,
      ).toEqual(committed.sort((a, b) => a - b));
      expect(committed).toEqual(Array.from({ length: committed.length }, (_, i) => i + 1));
      for (const [seq, events] of bySeq) {
        for (const event of events.slice(1)) {
          expect(event.detail.eventId, `seq ${seq} delivered under two eventIds`).toBe(
            events[0]!.detail.eventId,
          );
          expect(event.detail, `seq ${seq} delivered with two details`).toEqual(events[0]!.detail);
        }
      }
    } finally {
      await second.stop();
    }
  });

  it("a request nobody decides ends TIMED_OUT after the approval timeout, with its event", {
    timeout: 120_000,
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "registry-lifecycle-"));
    dataDirs.push(dataDir);
    const target = await listener();
    const registry = await startLocalRegistry(options(dataDir, target.url, { approvalTimeoutSeconds: 3 }));
    try {
      const publisher = as(registry, "publisher");
      const model = "timeout";
      await expectStatus(
        publisher.request({
          method: "POST",
          path: "/models",
          body: { name: model, policy: { approvals: { staging: { required: 1 } } } },
        }),
        201,
      );
      const version = await readyVersion(publisher, model);
      const { id } = await request(publisher, model, version, "staging");
      const waiting = await waitFor(publisher, model, id, ["AWAITING_APPROVAL", ...ENDED]);
      expect(waiting.status).toBe("AWAITING_APPROVAL");
      expect(
        Date.parse(String(waiting.approvalDeadline)) - Date.parse(String(waiting.requestedAt)),
      ).toBeLessThan(10_000);
      const ended = await waitFor(publisher, model, id, ENDED, 30_000);
      expect(ended).toMatchObject({ status: "TIMED_OUT" });
      await eventually(
        () =>
          target.received.some(
            (e) => e["detail-type"] === "Stage Transition Rejected" && e.detail.transitionId === id,
          ),
        "the Rejected event",
      );
      const rejected = target.received.find((e) => e["detail-type"] === "Stage Transition Rejected")!;
      expect(rejected.detail).toMatchObject({ reason: "TIMED_OUT", by: null });
    } finally {
      await registry.stop();
    }
  });
});

describe("a policy's custom validation function in local mode", () => {
  it("runs the deployment's own function (option functions, or REGISTRY_LOCAL_FUNCTIONS) named by ARN: its checks land in the report, and its verdict decides", {
    timeout: 120_000,
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "registry-lifecycle-"));
    dataDirs.push(dataDir);
    // A validation function as a team would write it: it gets the version and answers its checks.
    const module = join(dataDir, "fairness.mjs");
    writeFileSync(
      module,
      `export const handler = async (request) => {
  const gap = request.modelVersion.metrics.demographic_parity_gap;
  const passed = typeof gap === "number" && gap < 0.1;
  return { passed, checks: [{ check: "parity", expected: "< 0.1", actual: String(gap), passed }] };
};
`,
    );
    const target = await listener();
    const registry = await startLocalRegistry(
      options(dataDir, target.url, { functions: { "fairness-check": module } }),
    );
    try {
      const publisher = as(registry, "publisher");
      const model = "custom";
      const functionArn = "arn:aws:lambda:us-east-1:000000000000:function:fairness-check";
      await expectStatus(
        publisher.request({
          method: "POST",
          path: "/models",
          body: { name: model, policy: { requirements: { staging: { customValidation: { functionArn } } } } },
        }),
        201,
      );
      const fair = await readyVersion(publisher, model, { demographic_parity_gap: 0.04 });
      const unfair = await readyVersion(publisher, model, { demographic_parity_gap: 0.3 });
      const passed = await waitFor(
        publisher,
        model,
        (await request(publisher, model, fair, "staging")).id,
        ENDED,
      );
      const failed = await waitFor(
        publisher,
        model,
        (await request(publisher, model, unfair, "staging")).id,
        ENDED,
      );
      expect(passed.status).toBe("APPLIED");
      expect(failed.status).toBe("FAILED");
      expect((failed.validation as { checks: unknown[] }).checks).toContainEqual({
        check: `custom:${functionArn}:parity`,
        expected: "< 0.1",
        actual: "0.3",
        passed: false,
      });
    } finally {
      await registry.stop();
    }
  });
});
