/**
 * Issue 18, items 1–3, replayed through the local gateway with signed requests: the policy is a
 * resource IAM (the local role matrix) keeps from the publisher; one person is one approver
 * whatever session they sign with; leaving production waits for production's approvals.
 * The sessions are local principals with assumed-role ARNs (./governance-principals.ts).
 */
import { describe, expect, it } from "vitest";
import type { RegistryClient } from "../../clients/typescript/registry-client.ts";
import { client, createModel, createReadyVersion, expectError, patchModel, uniqueName } from "./support.ts";

interface TransitionBody {
  id: string;
  status: string;
  approvalsRequired: number;
  policyDigest?: string;
  reason?: string;
  approvals: { by: string; person?: string; identitySource?: string }[];
}

const publisher = client("publisher");
const approver = client("approver");
const governor = client("governor");
const reader = client("reader");

const strict = {
  approvals: { production: { required: 2 } },
  requirements: { production: { metrics: { auc: { min: 0.92 } } } },
};

async function transition(model: string, id: string): Promise<TransitionBody> {
  return (await reader.request({ method: "GET", path: `/models/${model}/transitions/${id}` }))
    .body as TransitionBody;
}

async function waitFor(model: string, id: string, statuses: string[]): Promise<TransitionBody> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const t = await transition(model, id);
    if (statuses.includes(t.status)) return t;
    if (Date.now() > deadline) throw new Error(`transition ${id} stayed ${t.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const ENDED = ["APPLIED", "REJECTED", "FAILED", "CANCELLED", "TIMED_OUT"];

async function request(api: RegistryClient, model: string, version: number, to: string) {
  const response = await api.request({
    method: "POST",
    path: `/models/${model}/versions/${version}/transitions`,
    body: { to },
  });
  expect(response.status, response.rawBody).toBe(202);
  return (response.body as { id: string }).id;
}

const approve = (api: RegistryClient, model: string, id: string) =>
  api.request({ method: "POST", path: `/models/${model}/transitions/${id}/approve`, body: {} });

const setPolicy = (api: RegistryClient, model: string, policy: unknown) =>
  api.request({ method: "PUT", path: `/models/${model}/policy`, body: policy });

/** A model whose governor set `policy`, with one READY version of `auc`, promoted to staging. */
async function inStaging(prefix: string, policy: unknown, auc: number, by: RegistryClient = publisher) {
  const model = uniqueName(prefix);
  await createModel(publisher, model);
  expect((await setPolicy(governor, model, policy)).status).toBe(200);
  await createReadyVersion(publisher, model, { metrics: { auc } });
  const staging = await request(by, model, 1, "staging");
  expect((await waitFor(model, staging, ENDED)).status).toBe("APPLIED");
  return model;
}

describe("item 1: the policy is not the publisher's", () => {
  it("the attack: lower the policy, request production for AUC 0.80, restore it — every way to the policy is closed", {
    timeout: 90_000,
  }, async () => {
    const model = await inStaging("gov-policy", strict, 0.8);
    // PATCH takes no policy (under its name or another), and PUT …/policy is not the publisher's.
    expectError(await patchModel(publisher, model, { policy: {} }), 400);
    expectError(await patchModel(publisher, model, { description: "x", Policy: {} }), 400);
    expectError(await setPolicy(publisher, model, {}), 403, "AccessDenied");
    expectError(await setPolicy(approver, model, {}), 403, "AccessDenied");
    // Nor the publisher's to reset by deleting and registering the name again.
    expectError(await publisher.request({ method: "DELETE", path: `/models/${model}` }), 403, "AccessDenied");

    const id = await request(publisher, model, 1, "production");
    const ended = await waitFor(model, id, ENDED);
    expect(ended).toMatchObject({ status: "FAILED", approvalsRequired: 2 });
    expect(ended.reason).toContain("metrics.auc expected >= 0.92, found 0.8");

    const policy = (await reader.request({ method: "GET", path: `/models/${model}/policy` })).body as {
      digest: string;
      effective: unknown;
    };
    expect(policy.effective).toEqual({
      approvals: { production: { required: 2, allowSelfApproval: false } },
      requirements: { production: { metrics: { auc: { min: 0.92 } } } },
    });
    expect(ended.policyDigest).toBe(policy.digest);
  });

  it("the governor's PUT records the digests and what it weakened in the model's history", async () => {
    const model = uniqueName("gov-put");
    await createModel(publisher, model);
    const before = await setPolicy(governor, model, strict);
    const after = await setPolicy(governor, model, {});
    expect(after.status, after.rawBody).toBe(200);
    const history = await reader.request({
      method: "GET",
      path: `/models/${model}/history`,
      query: { limit: 1 },
    });
    const [entry] = (history.body as { items: { actor: string; details: Record<string, unknown> }[] }).items;
    expect(entry).toMatchObject({
      actor: expect.stringContaining(":user/governor"),
      details: {
        fields: ["policy"],
        policy: {
          from: (before.body as { digest: string }).digest,
          to: (after.body as { digest: string }).digest,
          weakened: [
            "approvals.production.required 2 → 0",
            "requirements.production.metrics.auc.min 0.92 → none",
          ],
        },
      },
    });
  });
});

describe("item 2: one person is one approver", () => {
  it("the attack: one person approves as SharedApproverRole/alice and /bob — refused, saying how to vouch; person-bound sessions count per person", {
    timeout: 90_000,
  }, async () => {
    const model = await inStaging("gov-people", { approvals: { production: { required: 2 } } }, 0.95);
    const id = await request(publisher, model, 1, "production");
    expect((await waitFor(model, id, ["AWAITING_APPROVAL", ...ENDED])).status).toBe("AWAITING_APPROVAL");

    const refused = expectError(await approve(client("shared-alice"), model, id), 422, "ApprovalRefused");
    expect(refused.message).toMatch(/nothing vouches for who .*personBoundRoles/);
    expectError(await approve(client("shared-bob"), model, id), 422, "ApprovalRefused");

    expect((await approve(client("bound-alice"), model, id)).status).toBe(200);
    // alice the IAM user is the person behind PersonApproverRole/alice: not a second approver.
    const twice = expectError(await approve(client("iam-alice"), model, id), 422, "ApprovalRefused");
    expect(twice.message).toContain("already approved");
    expect((await approve(client("bound-carol"), model, id)).status).toBe(200);

    const applied = await waitFor(model, id, ENDED);
    expect(applied.status).toBe("APPLIED");
    expect(applied.approvals.map((a) => [a.person, a.identitySource])).toEqual([
      ["iam-user:000000000000:alice", "iam-user-session"],
      ["iam-user:000000000000:carol", "iam-user-session"],
    ]);
  });

  it("requesting as PublisherRole/alice and approving as PersonApproverRole/alice is self-approval", {
    timeout: 90_000,
  }, async () => {
    const alice = client("publisher-alice");
    const model = await inStaging("gov-self", { approvals: { production: { required: 1 } } }, 0.95, alice);
    const id = await request(alice, model, 1, "production");
    expect((await waitFor(model, id, ["AWAITING_APPROVAL", ...ENDED])).status).toBe("AWAITING_APPROVAL");
    const refused = expectError(await approve(client("bound-alice"), model, id), 422, "ApprovalRefused");
    expect(refused.message).toContain("four eyes");
    expect((await approve(client("bound-carol"), model, id)).status).toBe(200);
    expect((await waitFor(model, id, ENDED)).status).toBe("APPLIED");
  });
});

describe("item 3: leaving production is governed", () => {
  it("the attack: the publisher alone archives the production version — it waits for production's approval, production is not emptied", {
    timeout: 90_000,
  }, async () => {
    const model = await inStaging("gov-exit", { approvals: { production: { required: 1 } } }, 0.95);
    const entered = await request(publisher, model, 1, "production");
    await waitFor(model, entered, ["AWAITING_APPROVAL"]);
    expect((await approve(approver, model, entered)).status).toBe(200);
    expect((await waitFor(model, entered, ENDED)).status).toBe("APPLIED");

    const leaving = await request(publisher, model, 1, "archived");
    const waiting = await waitFor(model, leaving, ["AWAITING_APPROVAL", ...ENDED]);
    expect(waiting).toMatchObject({ status: "AWAITING_APPROVAL", approvalsRequired: 1 });
    const stages = (await reader.request({ method: "GET", path: `/models/${model}` })).body as {
      stages: Record<string, number>;
    };
    expect(stages.stages).toEqual({ production: 1 });
    expectError(await approve(publisher, model, leaving), 403, "AccessDenied");
  });
});
