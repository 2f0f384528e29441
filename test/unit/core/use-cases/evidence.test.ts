/**
 * Evidence cannot change after validation (issue 18, item 4): what a transition's validation
 * checked is frozen while the request is open and while the version holds production, the
 * report keeps a digest of it, and Apply re-runs the checks against the version and the holder
 * as they are when it moves them.
 */
import { describe, expect, it } from "vitest";
import type * as z from "zod/mini";
import { VersionFrozenError } from "#core/errors.ts";
import type { RequestContext } from "#core/kernel/context.ts";
import { evidenceDigest } from "#core/lifecycle/evidence.ts";
import { runWorkflowStep } from "#core/lifecycle/workflow-steps.ts";
import type { WorkflowControl } from "#core/ports.ts";
import { Policy } from "#core/schemas.ts";
import * as models from "#core/use-cases/models.ts";
import * as transitions from "#core/use-cases/transitions.ts";
import * as versions from "#core/use-cases/versions.ts";
import { artifact, makeReady, publisher, runWorkflow, type TestCore, testCore } from "./fixture.ts";

const approver: RequestContext = { actor: "arn:aws:iam::000000000000:user/approver", requestId: "req-2" };

const workflow: WorkflowControl = {
  resume: async () => true,
  fail: async () => true,
  restart: async () => {},
};

async function setUp(policy: z.input<typeof Policy>): Promise<TestCore> {
  const core = { ...testCore(), workflow } as TestCore;
  await models.createModel(core, { name: "fraud", policy: Policy.parse(policy) }, publisher);
  return core;
}

async function addVersion(core: TestCore, extra: Record<string, unknown> = {}) {
  const { value } = await versions.createVersion(
    core,
    "fraud",
    { artifacts: [artifact()], ...extra },
    publisher,
  );
  await makeReady(core, "fraud", value.version);
  return value.version;
}

/** Requests `to` and runs the workflow up to the approval wait (or the end). */
async function request(core: TestCore, version: number, to: "staging" | "production") {
  const { value } = await transitions.requestTransition(core, "fraud", version, { to }, publisher);
  return { id: value.id, run: await runWorkflow(core, "fraud", value.id) };
}

async function approveAndApply(core: TestCore, pending: Awaited<ReturnType<typeof request>>) {
  await transitions.approveTransition(core, "fraud", pending.id, {}, approver);
  await runWorkflowStep(core, { step: "apply", ...pending.run.step });
  return transitions.getTransition(core, "fraud", pending.id);
}

const CARD_AND_APPROVAL = {
  requirements: { production: { modelCard: true, tags: ["owner-team"] } },
  approvals: { production: { required: 1 } },
};

describe("evidence is frozen while it matters", () => {
  it("the model card and tags cannot change while a request for the version waits; the description can", async () => {
    const core = await setUp(CARD_AND_APPROVAL);
    const v = await addVersion(core, { tags: { "owner-team": "risk" } });
    await versions.updateVersion(
      core,
      "fraud",
      v,
      { modelCard: "# Fraud model\nEvaluated on Q3." },
      publisher,
    );
    await request(core, v, "staging");
    const waiting = await request(core, v, "production");
    expect((await transitions.getTransition(core, "fraud", waiting.id)).status).toBe("AWAITING_APPROVAL");

    const edit = versions.updateVersion(core, "fraud", v, { modelCard: "" }, publisher);
    await expect(edit).rejects.toBeInstanceOf(VersionFrozenError);
    await expect(edit).rejects.toThrow(
      new RegExp(
        `modelCard of version ${v} of 'fraud' cannot change now: it has an open transition request, ${waiting.id} \\(to production\\)`,
      ),
    );
    await expect(versions.updateVersion(core, "fraud", v, { tags: {} }, publisher)).rejects.toBeInstanceOf(
      VersionFrozenError,
    );
    await expect(
      versions.updateVersion(core, "fraud", v, { description: "still editable" }, publisher),
    ).resolves.toMatchObject({ description: "still editable" });
  });

  it("the production holder's model card and tags are frozen until another version takes production", async () => {
    const core = await setUp(CARD_AND_APPROVAL);
    const v1 = await addVersion(core, { tags: { "owner-team": "risk" } });
    const v2 = await addVersion(core, { tags: { "owner-team": "risk" } });
    for (const v of [v1, v2])
      await versions.updateVersion(core, "fraud", v, { modelCard: "# card" }, publisher);
    await request(core, v1, "staging");
    expect((await approveAndApply(core, await request(core, v1, "production"))).status).toBe("APPLIED");

    await expect(
      versions.updateVersion(core, "fraud", v1, { tags: { "owner-team": "nobody" } }, publisher),
    ).rejects.toThrow(/cannot change now: it holds production/);
    await expect(versions.updateVersion(core, "fraud", v1, { modelCard: "" }, publisher)).rejects.toThrow(
      /cannot change now: it holds production/,
    );

    await request(core, v2, "staging");
    expect((await approveAndApply(core, await request(core, v2, "production"))).status).toBe("APPLIED");
    // v1 was archived by v2's promotion: its tags are its own business again.
    await expect(
      versions.updateVersion(core, "fraud", v1, { tags: { retired: "yes" } }, publisher),
    ).resolves.toMatchObject({ tags: { retired: "yes" } });
  });
});

describe("the validation report keeps what was checked", () => {
  it("records the version's and the holder's revision and evidence digest", async () => {
    const core = await setUp({ approvals: { production: { required: 1 } } });
    const v1 = await addVersion(core);
    const v2 = await addVersion(core, { metrics: { auc: 0.93 } });
    for (const v of [v1, v2]) await request(core, v, "staging");
    await approveAndApply(core, await request(core, v1, "production"));
    const waiting = await request(core, v2, "production");
    const report = (await transitions.getTransition(core, "fraud", waiting.id)).validation;
    const [r1, r2] = await core.store.getVersions("fraud", [v1, v2]);
    expect(report?.evidence).toEqual({
      version: { version: v2, rev: r2!.rev, digest: evidenceDigest(r2!) },
      holder: { version: v1, rev: r1!.rev, digest: evidenceDigest(r1!) },
    });
    expect(report?.evidence?.version.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(report?.evidence?.version.digest).not.toBe(report?.evidence?.holder?.digest);
  });
});

describe("Apply checks the evidence again", () => {
  it("refuses a version whose evidence changed after validation, even past the API (a direct table write)", async () => {
    const core = await setUp(CARD_AND_APPROVAL);
    const v = await addVersion(core, { tags: { "owner-team": "risk" } });
    await versions.updateVersion(core, "fraud", v, { modelCard: "# card" }, publisher);
    await request(core, v, "staging");
    const waiting = await request(core, v, "production");
    // Whoever can write the table (or a request validated before the freeze existed) swaps the card.
    const record = (await core.store.getVersion("fraud", v))!;
    await core.store.commit([
      {
        kind: "putVersion",
        record: { ...record, modelCard: "# another model's card", rev: record.rev + 1 },
        expectRev: record.rev,
      },
    ]);
    const ended = await approveAndApply(core, waiting);
    expect(ended.status).toBe("FAILED");
    expect(ended.reason).toMatch(/could not apply: the version's evidence changed since it was validated/);
    expect((await models.getModel(core, "fraud")).stages).toEqual({});
  });

  it("re-runs compatibleSignature against the version holding production when Apply runs, not the one validation saw", async () => {
    const sig = (outputs: string[]) => ({
      signature: {
        inputs: [{ name: "amount", type: "float32" }],
        outputs: outputs.map((name) => ({ name, type: "float32" })),
      },
    });
    const core = await setUp({
      requirements: { production: { compatibleSignature: true } },
      approvals: { production: { required: 1 } },
    });
    const v1 = await addVersion(core, sig(["score"]));
    const v2 = await addVersion(core, sig(["score"]));
    const v3 = await addVersion(core, sig(["score", "reason"]));
    for (const v of [v1, v2, v3]) await request(core, v, "staging");
    await approveAndApply(core, await request(core, v1, "production"));

    // v2 is validated against v1 (compatible) and waits for its approval...
    const slow = await request(core, v2, "production");
    expect((await transitions.getTransition(core, "fraud", slow.id)).validation?.passed).toBe(true);
    // ...while v3 (adds an output: compatible with v1) takes production first.
    expect((await approveAndApply(core, await request(core, v3, "production"))).status).toBe("APPLIED");

    // v2 would remove v3's output `reason`: a breaking change against the holder it would replace.
    const ended = await approveAndApply(core, slow);
    expect(ended.status).toBe("FAILED");
    expect(ended.reason).toBe(
      `could not apply: the checks no longer pass: compatibleSignature expected no breaking signature change against version ${v3}, found breaking: outputs.reason removed`,
    );
    expect((await models.getModel(core, "fraud")).stages).toEqual({ production: v3 });
  });
});
