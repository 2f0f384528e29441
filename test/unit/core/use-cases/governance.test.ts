/**
 * Issue 18, items 1–3, replayed against the core with forged request contexts: the publisher
 * cannot reach the policy that governs its promotions, the organisation's floor holds for every
 * model and every move (rollback included), one person never counts as two approvers nor
 * approves their own request under another role, and leaving production is governed like
 * entering it.
 */
import { describe, expect, it } from "vitest";
import type * as z from "zod/mini";
import { ApprovalRefusedError } from "#core/errors.ts";
import { toRegistryEvent } from "#core/events/from-history.ts";
import { parseGovernance } from "#core/governance-config.ts";
import { identify, type PersonBoundRole } from "#core/identity.ts";
import type { RequestContext } from "#core/kernel/context.ts";
import { policyDigest, stricterPolicy, weakenings } from "#core/lifecycle/policy.ts";
import { runWorkflowStep } from "#core/lifecycle/workflow-steps.ts";
import type { WorkflowControl } from "#core/ports.ts";
import { Policy, UpdateModelInput } from "#core/schemas.ts";
import * as models from "#core/use-cases/models.ts";
import * as transitions from "#core/use-cases/transitions.ts";
import * as versions from "#core/use-cases/versions.ts";
import { artifact, makeReady, publisher, runWorkflow, type TestCore, testCore } from "./fixture.ts";

const ACCOUNT = "111122223333";
const ctx = (actor: string, requestId = actor): RequestContext => ({ actor, requestId });
const iamUser = (name: string) => ctx(`arn:aws:iam::${ACCOUNT}:user/${name}`);
const session = (role: string, name: string, account = ACCOUNT) =>
  ctx(`arn:aws:sts::${account}:assumed-role/${role}/${name}`);

const governor = iamUser("governor");
const admin = iamUser("admin");

/** The README's grant example made person-bound, and Identity Center's permission set roles. */
const personBoundRoles: PersonBoundRole[] = [
  { role: "ApproverRole", account: ACCOUNT, source: "iam-user-session" },
  { role: "AWSReservedSSO_*", account: "*", source: "identity-center" },
];

class FakeWorkflow implements WorkflowControl {
  readonly resumed: string[] = [];
  async resume(token: string) {
    this.resumed.push(token);
    return true;
  }
  async fail() {
    return true;
  }
  async restart() {}
}

type Core = TestCore & { workflow: FakeWorkflow };
type PolicyInput = z.input<typeof Policy>;

const strict: PolicyInput = {
  approvals: { production: { required: 2 } },
  requirements: { production: { metrics: { auc: { min: 0.92 } } } },
};

async function setUp(options: {
  policy?: PolicyInput;
  floor?: PolicyInput;
  metrics?: Record<string, number>[];
  roles?: PersonBoundRole[];
}): Promise<Core> {
  const core = { ...testCore(), workflow: new FakeWorkflow() } as Core;
  core.governance = parseGovernance({
    policyFloor: options.floor ?? {},
    personBoundRoles: options.roles ?? personBoundRoles,
  });
  await models.createModel(core, { name: "fraud" }, publisher);
  if (options.policy) await models.setModelPolicy(core, "fraud", Policy.parse(options.policy), governor);
  for (const metrics of options.metrics ?? [{ auc: 0.95 }]) {
    const { value } = await versions.createVersion(
      core,
      "fraud",
      { artifacts: [artifact()], metrics },
      publisher,
    );
    await makeReady(core, "fraud", value.version);
  }
  return core;
}

async function request(
  core: Core,
  version: number,
  to: "staging" | "production" | "archived",
  as = publisher,
) {
  const { value } = await transitions.requestTransition(core, "fraud", version, { to }, as);
  return { transition: value, run: await runWorkflow(core, "fraud", value.id) };
}

const get = (core: Core, id: string) => transitions.getTransition(core, "fraud", id);
const approve = (core: Core, id: string, as: RequestContext) =>
  transitions.approveTransition(core, "fraud", id, {}, as);

/** Version `n` in production, approved by two distinct people. */
async function inProduction(core: Core, n = 1) {
  await request(core, n, "staging");
  const { transition, run } = await request(core, n, "production");
  if (run.validated.next === "approval") {
    await approve(core, transition.id, iamUser("carol"));
    if (transition.approvalsRequired > 1) await approve(core, transition.id, iamUser("dave"));
    await runWorkflowStep(core, { step: "apply", ...run.step });
  }
  return transition;
}

async function history(core: Core) {
  return [...(await models.listHistory(core, "fraud", { limit: 100 })).items].reverse();
}

describe("item 1: the publisher does not own the policy that governs its promotions", () => {
  it("PATCH /models/{model} takes no policy, under any spelling: the body schema refuses it", () => {
    for (const body of [
      { policy: {} },
      { Policy: {} },
      { description: "x", policy: {} },
      JSON.parse('{"description":"x","__proto__":{"policy":{}}}'),
    ]) {
      expect(UpdateModelInput.safeParse(body).success, JSON.stringify(body)).toBe(false);
    }
  });

  it("the attack: lower the policy, request production for AUC 0.80, restore it — the edit no longer reaches the policy", async () => {
    const core = await setUp({ policy: strict, metrics: [{ auc: 0.8 }] });
    // A forged input that slipped past the schema still cannot set the policy.
    await models.updateModel(core, "fraud", { policy: {} } as never, publisher);
    expect((await models.getModel(core, "fraud")).policy).toEqual(Policy.parse(strict));
    await request(core, 1, "staging");
    const { transition } = await request(core, 1, "production");
    const ended = await get(core, transition.id);
    expect(ended).toMatchObject({ status: "FAILED", approvalsRequired: 2 });
    expect(ended.reason).toContain("metrics.auc expected >= 0.92, found 0.8");
    expect((await models.getModel(core, "fraud")).stages).toEqual({});
  });

  it("a model created without a policy is held to the floor; a weaker model policy is too; a stricter one wins", async () => {
    const floor: PolicyInput = {
      approvals: { production: { required: 1 } },
      requirements: { production: { metrics: { auc: { min: 0.9 } } } },
    };
    const core = await setUp({ floor, metrics: [{ auc: 0.8 }] });
    await request(core, 1, "staging");
    const { transition } = await request(core, 1, "production");
    expect(await get(core, transition.id)).toMatchObject({ status: "FAILED", approvalsRequired: 1 });

    const weaker = await setUp({
      floor,
      policy: { approvals: { production: { required: 0, allowSelfApproval: true } } },
    });
    await request(weaker, 1, "staging");
    const held = await request(weaker, 1, "production");
    expect(held.run.validated.next).toBe("approval");
    expect(await get(weaker, held.transition.id)).toMatchObject({
      approvalsRequired: 1,
      allowSelfApproval: false,
    });
    await expect(approve(weaker, held.transition.id, publisher)).rejects.toBeInstanceOf(ApprovalRefusedError);

    const policy = await models.getModelPolicy(weaker, "fraud");
    expect(policy.effective.approvals?.production).toEqual({ required: 1, allowSelfApproval: false });
    expect(policy.digest).toBe(policyDigest(policy.effective));
    expect(stricterPolicy(Policy.parse(floor), Policy.parse(strict)).approvals?.production?.required).toBe(2);
  });

  it("re-creating a deleted name keeps the rules its governors set (the publisher can only tighten them)", async () => {
    const core = await setUp({ policy: strict });
    await models.deleteModel(core, "fraud", admin);
    await models.createModel(core, { name: "fraud", policy: Policy.parse({}) }, publisher);
    expect((await models.getModel(core, "fraud")).policy).toEqual(Policy.parse(strict));
  });

  it("a rollback skips the model's requirements but not the floor's", async () => {
    const core = await setUp({ metrics: [{ auc: 0.8 }, { auc: 0.95 }] });
    for (const v of [1, 2]) await inProduction(core, v);
    // The organisation raises its floor; version 1 served before and is below it.
    core.governance = parseGovernance({
      policyFloor: { requirements: { production: { metrics: { auc: { min: 0.9 } } } } },
      personBoundRoles,
    });
    const { value } = await transitions.rollback(core, "fraud", { stage: "production" }, publisher);
    await runWorkflow(core, "fraud", value.id);
    const ended = await get(core, value.id);
    expect(ended.status).toBe("FAILED");
    expect(ended.reason).toContain("floor.metrics.auc expected >= 0.9, found 0.8");
    expect((await models.getModel(core, "fraud")).stages).toEqual({ production: 2 });
  });

  it("every transition, tenure and stage-change event carries the digest of the policy in force; a weakening is recorded", async () => {
    const core = await setUp({ policy: { approvals: { production: { required: 1 } } } });
    const before = (await models.getModelPolicy(core, "fraud")).digest;
    const entered = await inProduction(core);
    expect((await get(core, entered.id)).policyDigest).toBe(before);
    const [tenure] = (await transitions.getStageHistory(core, "fraud", "production", { limit: 1 })).items;
    expect(tenure).toMatchObject({ version: 1, policyDigest: before });
    const changed = (await history(core)).filter((e) => e.action === "STAGE_CHANGED").at(-1)!;
    expect(toRegistryEvent({ ...changed, model: "fraud" }, { source: "s" }).detail).toMatchObject({
      to: "production",
      policyDigest: before,
    });

    const weakened = await models.setModelPolicy(core, "fraud", Policy.parse({}), governor);
    expect(weakened.digest).not.toBe(before);
    const entry = (await history(core)).at(-1)!;
    expect(entry).toMatchObject({ action: "MODEL_UPDATED", actor: governor.actor });
    const event = toRegistryEvent({ ...entry, model: "fraud" }, { source: "s" });
    expect(event.detail).toMatchObject({
      fields: ["policy"],
      policy: { from: before, to: weakened.digest, weakened: ["approvals.production.required 1 → 0"] },
    });
  });

  it("tightening the policy while a request waits holds the move to the new count", async () => {
    const core = await setUp({ policy: { approvals: { production: { required: 1 } } } });
    await request(core, 1, "staging");
    const { transition, run } = await request(core, 1, "production");
    await approve(core, transition.id, iamUser("carol"));
    await models.setModelPolicy(core, "fraud", Policy.parse(strict), governor);
    await runWorkflowStep(core, { step: "apply", ...run.step });
    const ended = await get(core, transition.id);
    expect(ended.status).toBe("FAILED");
    expect(ended.reason).toContain("the policy in force now needs 2 approvals");
  });

  it("weakenings names every loosened rule, and none for a tightening", () => {
    const a = Policy.parse({
      approvals: { production: { required: 2 } },
      requirements: { production: { metrics: { auc: { min: 0.9 } }, signature: true, tags: ["team"] } },
    });
    const b = Policy.parse({ approvals: { production: { required: 2, allowSelfApproval: true } } });
    expect(weakenings(a, b)).toEqual([
      "approvals.production.allowSelfApproval false → true",
      "requirements.production.metrics.auc.min 0.9 → none",
      "requirements.production.signature true → false",
      "requirements.production.tags no longer requires team",
    ]);
    expect(weakenings(b, a)).toEqual([]);
  });

  it("the floor setting refuses what is not a minimum", () => {
    expect(() => parseGovernance({ policyFloor: { demoteProductionTo: "staging" } })).toThrow(/policyFloor/);
    expect(() =>
      parseGovernance({
        policyFloor: {
          requirements: {
            production: {
              customValidation: { functionArn: "arn:aws:lambda:us-east-1:111122223333:function:f" },
            },
          },
        },
      }),
    ).toThrow(/customValidation/);
    expect(() => parseGovernance({ personBoundRoles: [{ role: "R", account: "1", source: "x" }] })).toThrow(
      /personBoundRoles/,
    );
  });
});

describe("item 2: approvals are counted and compared per person", () => {
  it("identifies each shape of caller, and vouches only for what the caller cannot choose", () => {
    const of = (arn: string) => identify(arn, personBoundRoles);
    expect(of(`arn:aws:iam::${ACCOUNT}:user/team/alice`)).toMatchObject({
      person: `iam-user:${ACCOUNT}:alice`,
      source: "iam-user",
    });
    expect(of(`arn:aws:sts::${ACCOUNT}:assumed-role/ApproverRole/alice`)).toMatchObject({
      person: `iam-user:${ACCOUNT}:alice`,
      source: "iam-user-session",
    });
    expect(
      of("arn:aws:sts::444455556666:assumed-role/AWSReservedSSO_Approver_0123abcd/alice@example.com"),
    ).toMatchObject({ person: "identity-center:alice@example.com", source: "identity-center" });
    // The same role name in another account is not the one the deployment vouches for.
    expect(of("arn:aws:sts::999999999999:assumed-role/ApproverRole/alice").source).toBe("unvouched");
    expect(of(`arn:aws:sts::${ACCOUNT}:assumed-role/PublisherRole/alice`)).toMatchObject({
      source: "unvouched",
      name: "alice",
    });
    expect(of(`arn:aws:sts::${ACCOUNT}:federated-user/alice`).source).toBe("unvouched");
  });

  it("the attack: one person assumes an unvouched approver role as alice and as bob — refused, with how to set one up", async () => {
    const core = await setUp({ policy: strict, roles: [] });
    await request(core, 1, "staging");
    const { transition } = await request(core, 1, "production");
    const refusal = approve(core, transition.id, session("ApproverRole", "alice"));
    await expect(refusal).rejects.toBeInstanceOf(ApprovalRefusedError);
    await expect(refusal).rejects.toThrow(/nothing vouches for who .*personBoundRoles/);
    await expect(approve(core, transition.id, session("ApproverRole", "bob"))).rejects.toBeInstanceOf(
      ApprovalRefusedError,
    );
    expect((await get(core, transition.id)).approvals).toEqual([]);
  });

  it("through a person-bound role, alice's session and alice the IAM user are one person: the second approval is refused", async () => {
    const core = await setUp({ policy: strict });
    await request(core, 1, "staging");
    const { transition } = await request(core, 1, "production");
    const { value } = await approve(core, transition.id, session("ApproverRole", "alice"));
    expect(value.approvals[0]).toMatchObject({
      by: session("ApproverRole", "alice").actor,
      person: `iam-user:${ACCOUNT}:alice`,
      identitySource: "iam-user-session",
    });
    await expect(approve(core, transition.id, iamUser("alice"))).rejects.toThrow(/already approved/);
    // The same person under two Identity Center permission sets is one person too.
    await approve(
      core,
      transition.id,
      session("AWSReservedSSO_Leads_aa11", "erin@example.com", "444455556666"),
    );
    expect(core.workflow.resumed).toHaveLength(1);
    const event = (await history(core)).filter((e) => e.action === "TRANSITION_APPROVED").at(-1)!;
    expect(toRegistryEvent({ ...event, model: "fraud" }, { source: "s" }).detail).toMatchObject({
      person: "identity-center:erin@example.com",
      identitySource: "identity-center",
      approvals: 2,
    });

    const other = await setUp({ policy: strict });
    await request(other, 1, "staging");
    const second = await request(other, 1, "production");
    await approve(
      other,
      second.transition.id,
      session("AWSReservedSSO_Leads_aa11", "erin@example.com", "444455556666"),
    );
    await expect(
      approve(
        other,
        second.transition.id,
        session("AWSReservedSSO_Admins_bb22", "erin@example.com", "777788889999"),
      ),
    ).rejects.toThrow(/already approved/);
  });

  it("requesting as PublisherRole/alice and approving as ApproverRole/alice is self-approval", async () => {
    const core = await setUp({ policy: { approvals: { production: { required: 1 } } } });
    const alice = session("PublisherRole", "alice");
    await request(core, 1, "staging", alice);
    const { transition } = await request(core, 1, "production", alice);
    await expect(approve(core, transition.id, session("ApproverRole", "alice"))).rejects.toThrow(
      /may be you .*four eyes/,
    );
    await expect(approve(core, transition.id, iamUser("alice"))).rejects.toBeInstanceOf(ApprovalRefusedError);
    await expect(approve(core, transition.id, session("ApproverRole", "bob"))).resolves.toBeDefined();
  });

  it("one approval where self-approval is allowed needs no vouching, and records that nothing vouched", async () => {
    const core = await setUp({
      policy: { approvals: { production: { required: 1, allowSelfApproval: true } } },
      roles: [],
    });
    await request(core, 1, "staging");
    const { transition } = await request(core, 1, "production");
    const { value } = await approve(core, transition.id, session("ApproverRole", "alice"));
    expect(value.approvals[0]).toMatchObject({ identitySource: "unvouched" });
  });
});

describe("item 3: leaving production is governed like entering it", () => {
  it.each([
    ["archived", "archives"],
    ["staging", "demotes"],
  ] as const)(
    "the attack: a publisher alone moves the production version to %s (%s it) — it waits for production's approvals",
    async (to, _verb) => {
      const core = await setUp({ policy: strict });
      const entered = await inProduction(core);
      expect((await get(core, entered.id)).status).toBe("APPLIED");
      const { transition, run } = await request(core, 1, to);
      expect(run.validated.next).toBe("approval");
      expect(await get(core, transition.id)).toMatchObject({
        status: "AWAITING_APPROVAL",
        approvalsRequired: 2,
        allowSelfApproval: false,
      });
      expect((await models.getModel(core, "fraud")).stages).toEqual({ production: 1 });
      await expect(approve(core, transition.id, publisher)).rejects.toBeInstanceOf(ApprovalRefusedError);
      await approve(core, transition.id, iamUser("carol"));
      await approve(core, transition.id, iamUser("dave"));
      await runWorkflowStep(core, { step: "apply", ...run.step });
      expect((await models.getModel(core, "fraud")).stages).toEqual({});
    },
  );

  it("the floor governs leaving too", async () => {
    const core = await setUp({ floor: { approvals: { production: { required: 1 } } } });
    await inProduction(core);
    const { transition } = await request(core, 1, "archived");
    expect(await get(core, transition.id)).toMatchObject({
      status: "AWAITING_APPROVAL",
      approvalsRequired: 1,
    });
  });
});
