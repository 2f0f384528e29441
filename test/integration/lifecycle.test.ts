/**
 * The stage lifecycle end to end in local mode, as a deploy pipeline and two colleagues see it:
 * signed requests to the local gateway, the table stream publishing history to the local bus,
 * the bus's rule starting the CDK-synthesized state machine in the local workflow runner, whose
 * Task states run the real task handler; approvals resume it through the Step Functions API.
 * Events are read from the local bus's SSE stream and matched with the documented rule.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEPLOY_PIPELINE_RULE } from "#core/events/catalog.ts";
import type { RegistryClient } from "../../clients/typescript/registry-client.ts";
import type { EventEnvelope } from "../../local/event-bus.ts";
import { compileEventPattern } from "../../local/event-pattern.ts";
import {
  client,
  createModel,
  createReadyVersion,
  expectError,
  expectIssue,
  principal,
  registry,
  uniqueName,
} from "./support.ts";

const publisher = client("publisher");
const approver = client("approver");
const reader = client("reader");
const admin = client("admin");

interface TransitionBody {
  id: string;
  status: string;
  version: number;
  from: string;
  to: string;
  kind: string;
  reason?: string;
  previous?: number;
  validation?: {
    passed: boolean;
    checks: { check: string; expected: string; actual: string; passed: boolean }[];
  };
  approvals: { by: string; decision: string }[];
}

/** Every event the local bus accepts while the tests run (the gateway's SSE stream). */
const events: EventEnvelope[] = [];
let closeStream: () => void = () => undefined;
beforeAll(async () => {
  const controller = new AbortController();
  const response = await fetch(`${registry().endpoint}/_local/events`, { signal: controller.signal });
  const reader = response.body!.getReader();
  let buffered = "";
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += Buffer.from(value).toString("utf8");
      let end = buffered.indexOf("\n\n");
      while (end >= 0) {
        const data = buffered
          .slice(0, end)
          .split("\n")
          .find((line) => line.startsWith("data: "));
        if (data) events.push(JSON.parse(data.slice(6)) as EventEnvelope);
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf("\n\n");
      }
    }
  })().catch(() => undefined);
  closeStream = () => controller.abort();
});
afterAll(() => closeStream());

const eventsOf = (model: string) =>
  events.filter((e) => e.detail.model === model).sort((a, b) => Number(a.detail.seq) - Number(b.detail.seq));

async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function request(api: RegistryClient, model: string, version: number, to: string, comment?: string) {
  const response = await api.request({
    method: "POST",
    path: `/models/${model}/versions/${version}/transitions`,
    body: { to, ...(comment && { comment }) },
  });
  expect(response.status, response.rawBody).toBe(202);
  return response.body as TransitionBody;
}

const getTransition = async (model: string, id: string) =>
  (await reader.request({ method: "GET", path: `/models/${model}/transitions/${id}` }))
    .body as TransitionBody;

/** Polls the transition until its status is one of `statuses`. */
const waitFor = (model: string, id: string, statuses: string[], timeoutMs?: number) =>
  eventually(
    async () => {
      const t = await getTransition(model, id);
      return statuses.includes(t.status) ? t : undefined;
    },
    `transition ${id} of ${model} to be ${statuses.join(" or ")}`,
    timeoutMs,
  );

const ENDED = ["APPLIED", "REJECTED", "FAILED", "CANCELLED", "TIMED_OUT"];

async function promoteAndWait(model: string, version: number, to: string) {
  const requested = await request(publisher, model, version, to);
  return waitFor(model, requested.id, ENDED);
}

const decide = (api: RegistryClient, model: string, id: string, decision: string, body: unknown = {}) =>
  api.request({ method: "POST", path: `/models/${model}/transitions/${id}/${decision}`, body });

async function modelWith(
  prefix: string,
  policy: unknown,
  versions: { metrics?: Record<string, number>; signature?: unknown }[],
) {
  const name = uniqueName(prefix);
  await createModel(publisher, name, policy ? { policy } : {});
  for (const body of versions) await createReadyVersion(publisher, name, body);
  return name;
}

const needsApproval = { approvals: { production: { required: 1 } } };

describe("promotion through staging to approved production", () => {
  it("is validated, approved by a second principal, applied, and every step is an event in order; the deploy rule matches the production change alone", {
    timeout: 90_000,
  }, async () => {
    const model = await modelWith("lifecycle", needsApproval, [{ metrics: { auc: 0.95 } }]);
    const staging = await promoteAndWait(model, 1, "staging");
    expect(staging).toMatchObject({ status: "APPLIED", from: "development", to: "staging" });

    const production = await request(publisher, model, 1, "production", "AUC 0.95 on holdout");
    const waiting = await waitFor(model, production.id, ["AWAITING_APPROVAL", ...ENDED]);
    expect(waiting.status).toBe("AWAITING_APPROVAL");
    expect(waiting).not.toHaveProperty("taskToken");
    const queue = await reader.request({ method: "GET", path: "/approvals", query: { limit: "100" } });
    expect((queue.body as { items: TransitionBody[] }).items.map((t) => t.id)).toContain(production.id);

    // Four eyes: the requester may not approve; reader and publisher have no approve route.
    expectError(await decide(publisher, model, production.id, "approve"), 403, "AccessDenied");
    expectError(await decide(reader, model, production.id, "approve"), 403, "AccessDenied");
    expectError(await decide(reader, model, production.id, "reject", { comment: "no" }), 403, "AccessDenied");
    const approved = await decide(approver, model, production.id, "approve", { comment: "ship it" });
    expect(approved.status, approved.rawBody).toBe(200);
    const applied = await waitFor(model, production.id, ENDED);
    expect(applied).toMatchObject({ status: "APPLIED", to: "production" });

    const modelBody = (await reader.request({ method: "GET", path: `/models/${model}` })).body as {
      stages: Record<string, number>;
    };
    expect(modelBody.stages).toEqual({ production: 1 });

    const published = await eventually(() => {
      const all = eventsOf(model);
      return all.some(
        (e) => e["detail-type"] === "Model Version Stage Changed" && e.detail.to === "production",
      )
        ? all
        : undefined;
    }, "the production Stage Changed event");
    expect(published.map((e) => e["detail-type"])).toEqual([
      "Model Registered",
      "Model Version Created",
      // s3rver keeps no checksums, so the seal hands the version to the verifier (202 VERIFYING).
      "Model Version Verification Started",
      "Model Version Ready",
      "Stage Transition Requested",
      "Stage Transition Validation Started",
      "Stage Transition Validated",
      "Model Version Stage Changed",
      "Stage Transition Requested",
      "Stage Transition Validation Started",
      "Stage Transition Validated",
      "Approval Requested",
      "Stage Transition Approved",
      "Model Version Stage Changed",
    ]);
    const deployRule = compileEventPattern(DEPLOY_PIPELINE_RULE);
    const matched = published.filter((e) => deployRule(e));
    expect(matched).toHaveLength(1);
    const approverArn = principal("approver").arn;
    expect(matched[0]!.detail).toMatchObject({
      version: 1,
      transitionId: production.id,
      from: "staging",
      to: "production",
      previous: null,
      approvedBy: [approverArn],
      artifacts: [
        {
          path: "model.onnx",
          uri: expect.stringMatching(/^s3:\/\/[^/]+\/models\/.+\/versions\/1\/model\.onnx$/),
        },
      ],
    });
    expect(published.find((e) => e["detail-type"] === "Approval Requested")!.detail).toMatchObject({
      to: "production",
      required: 1,
      link: `/models/${model}/transitions/${production.id}`,
    });
  });

  it("self-approval is refused with 422 when the requester is also an approver", async () => {
    const model = await modelWith("self", needsApproval, [{}]);
    await promoteAndWait(model, 1, "staging");
    const requested = await request(admin, model, 1, "production");
    await waitFor(model, requested.id, ["AWAITING_APPROVAL"]);
    const refused = expectError(await decide(admin, model, requested.id, "approve"), 422, "ApprovalRefused");
    expect(refused.message).toMatch(/four eyes/);
    expectError(await request400(model), 409, "TransitionAlreadyOpen");

    async function request400(name: string) {
      return admin.request({
        method: "POST",
        path: `/models/${name}/versions/1/transitions`,
        body: { to: "production" },
      });
    }
  });
});

describe("requests that end without a change", () => {
  it("a rejection, a cancellation and an admin's cancellation each end the request with the right event", {
    timeout: 90_000,
  }, async () => {
    const model = await modelWith("endings", needsApproval, [{}]);
    await promoteAndWait(model, 1, "staging");

    const rejected = await request(publisher, model, 1, "production");
    await waitFor(model, rejected.id, ["AWAITING_APPROVAL"]);
    expectIssue(await decide(approver, model, rejected.id, "reject", {}), "body.comment");
    expect((await decide(approver, model, rejected.id, "reject", { comment: "recall dropped" })).status).toBe(
      200,
    );
    expect(await getTransition(model, rejected.id)).toMatchObject({ status: "REJECTED" });

    const cancelled = await request(publisher, model, 1, "production");
    await waitFor(model, cancelled.id, ["AWAITING_APPROVAL"]);
    expectError(await decide(approver, model, cancelled.id, "cancel"), 403, "AccessDenied");
    expect(
      (await decide(publisher, model, cancelled.id, "cancel", { comment: "wrong version" })).status,
    ).toBe(200);

    const forced = await request(publisher, model, 1, "production");
    await waitFor(model, forced.id, ["AWAITING_APPROVAL"]);
    expectError(
      await publisher.request({ method: "DELETE", path: `/models/${model}/transitions/${forced.id}` }),
      403,
      "AccessDenied",
    );
    const deleted = await admin.request({
      method: "DELETE",
      path: `/models/${model}/transitions/${forced.id}`,
    });
    expect(deleted.status, deleted.rawBody).toBe(200);

    const reasons = await eventually(() => {
      const ended = eventsOf(model).filter((e) => e["detail-type"] === "Stage Transition Rejected");
      return ended.length === 3
        ? ended.map((e) => [e.detail.transitionId, e.detail.reason, e.detail.by])
        : undefined;
    }, "three Rejected events");
    expect(reasons).toEqual([
      [rejected.id, "REJECTED", principal("approver").arn],
      [cancelled.id, "CANCELLED", principal("publisher").arn],
      [forced.id, "CANCELLED", principal("admin").arn],
    ]);
    // The stopped executions never apply anything.
    const version = (await reader.request({ method: "GET", path: `/models/${model}/versions/1` })).body as {
      stage: string;
    };
    expect(version.stage).toBe("staging");
  });

  it("a metric below its threshold ends FAILED with the report", { timeout: 60_000 }, async () => {
    const model = await modelWith(
      "threshold",
      { requirements: { staging: { metrics: { auc: { min: 0.9 } } } } },
      [{ metrics: { auc: 0.85 } }],
    );
    const failed = await promoteAndWait(model, 1, "staging");
    expect(failed.status).toBe("FAILED");
    expect(failed.validation?.checks).toContainEqual({
      check: "metrics.auc",
      expected: ">= 0.9",
      actual: "0.85",
      passed: false,
    });
    const rejected = await eventually(
      () => eventsOf(model).find((e) => e["detail-type"] === "Stage Transition Rejected"),
      "the Rejected event",
    );
    expect(rejected.detail).toMatchObject({ reason: "VALIDATION_FAILED", transitionId: failed.id });
  });

  it("a breaking signature change is refused for production when the policy says so", {
    timeout: 90_000,
  }, async () => {
    const signature = (type: string) => ({
      inputs: [{ name: "amount", type }],
      outputs: [{ name: "score", type: "float32" }],
    });
    const model = await modelWith(
      "signature",
      { requirements: { production: { compatibleSignature: true } } },
      [{ signature: signature("float32") }, { signature: signature("string") }],
    );
    for (const v of [1, 2]) await promoteAndWait(model, v, "staging");
    expect((await promoteAndWait(model, 1, "production")).status).toBe("APPLIED");
    const refused = await promoteAndWait(model, 2, "production");
    expect(refused.status).toBe("FAILED");
    expect(refused.reason).toMatch(/compatibleSignature .* breaking: inputs\.amount typeChanged/);
  });
});

describe("one production version at a time", () => {
  it("20 concurrent production requests for different versions all end, and production never has two holders", {
    timeout: 240_000,
  }, async () => {
    const count = 20;
    const model = await modelWith(
      "race",
      undefined,
      Array.from({ length: count }, () => ({})),
    );
    const versions = Array.from({ length: count }, (_, i) => i + 1);
    await Promise.all(versions.map((v) => promoteAndWait(model, v, "staging")));
    const requests = await Promise.all(versions.map((v) => request(publisher, model, v, "production")));
    const ended = await Promise.all(requests.map((t) => waitFor(model, t.id, ENDED, 180_000)));
    expect(ended.every((t) => ENDED.includes(t.status))).toBe(true);
    expect(ended.filter((t) => t.status === "APPLIED").length).toBeGreaterThan(0);

    const listed = await reader.request({
      method: "GET",
      path: `/models/${model}/versions`,
      query: { stage: "production", limit: "100" },
    });
    const inProduction = (listed.body as { items: { version: number }[] }).items.map((v) => v.version);
    expect(inProduction).toHaveLength(1);

    // Replaying the history in seq order: after every entry, at most one version is in production.
    const history = await reader.request({
      method: "GET",
      path: `/models/${model}/history`,
      query: { limit: "100" },
    });
    const entries = [
      ...(
        history.body as {
          items: { seq: number; action: string; version: number; from: string; to: string }[];
        }
      ).items,
    ].sort((a, b) => a.seq - b.seq);
    const holders = new Set<number>();
    for (const entry of entries.filter((e) => e.action === "STAGE_CHANGED")) {
      if (entry.from === "production") holders.delete(entry.version);
      if (entry.to === "production") holders.add(entry.version);
      expect(holders.size).toBeLessThanOrEqual(1);
    }
    expect([...holders]).toEqual(inProduction);

    // The stage history agrees: tenures follow one another without overlap.
    const tenures = (
      (
        await reader.request({
          method: "GET",
          path: `/models/${model}/stages/production/history`,
          query: { limit: "100" },
        })
      ).body as { items: { version: number; from: string; until?: string }[] }
    ).items;
    expect(tenures.filter((t) => t.until === undefined)).toHaveLength(1);
    for (let i = 1; i < tenures.length; i++) expect(tenures[i]!.until).toBe(tenures[i - 1]!.from);
  });
});

describe("rollback", () => {
  it("restores the previous production version through the workflow; stage history says who served when", {
    timeout: 90_000,
  }, async () => {
    const model = await modelWith("rollback", undefined, [{}, {}]);
    for (const v of [1, 2]) await promoteAndWait(model, v, "staging");
    for (const v of [1, 2]) expect((await promoteAndWait(model, v, "production")).status).toBe("APPLIED");

    const response = await publisher.request({
      method: "POST",
      path: `/models/${model}/rollback`,
      body: { stage: "production", comment: "v2 regressed" },
    });
    expect(response.status, response.rawBody).toBe(202);
    const rollback = response.body as TransitionBody;
    expect(rollback).toMatchObject({ version: 1, from: "archived", to: "production", kind: "rollback" });
    expect(await waitFor(model, rollback.id, ENDED)).toMatchObject({ status: "APPLIED", previous: 2 });

    const history = await reader.request({
      method: "GET",
      path: `/models/${model}/stages/production/history`,
    });
    const tenures = (history.body as { items: { version: number; enteredWith: string; until?: string }[] })
      .items;
    expect(tenures.map((t) => t.version)).toEqual([1, 2, 1]);
    expect(tenures[0]).toMatchObject({ enteredWith: rollback.id });
    expect(tenures[0]!.until).toBeUndefined();
  });

  it("answers 409 when no earlier version held the stage", async () => {
    const model = await modelWith("norollback", undefined, [{}]);
    const response = await publisher.request({
      method: "POST",
      path: `/models/${model}/rollback`,
      body: { stage: "production" },
    });
    expectError(response, 409, "NothingToRollBack");
  });
});

describe("bad requests name what to fix", () => {
  it("an unknown stage, a disallowed move, an unknown transition and a malformed id", async () => {
    const model = await modelWith("badtransitions", undefined, [{}]);
    expectIssue(
      await publisher.request({
        method: "POST",
        path: `/models/${model}/versions/1/transitions`,
        body: { to: "prod" },
      }),
      "body.to",
    );
    const disallowed = expectError(
      await publisher.request({
        method: "POST",
        path: `/models/${model}/versions/1/transitions`,
        body: { to: "production" },
      }),
      409,
      "TransitionNotAllowed",
    );
    expect(disallowed.message).toMatch(/moves only to staging or archived/);
    expectError(
      await reader.request({
        method: "GET",
        path: `/models/${model}/transitions/01JDQ5Z8Y7T3V4W5X6Y7Z8A9BC`,
      }),
      404,
      "TransitionNotFound",
    );
    expectIssue(
      await reader.request({ method: "GET", path: `/models/${model}/transitions/nope` }),
      "path.transition",
    );
    expectIssue(
      await reader.request({ method: "GET", path: `/models/${model}/stages/prod/history` }),
      "path.stage",
    );
  });
});
