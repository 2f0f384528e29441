/**
 * The lifecycle's rules on the in-memory store: requests, the workflow's steps (driven here in
 * the order the state machine runs them), approvals, endings and rollback. The state machine
 * itself runs in `test/unit/local/workflow-runner.test.ts` and end to end in
 * `test/integration/lifecycle.test.ts`.
 */
import { describe, expect, it } from "vitest";
import type * as z from "zod/mini";
import {
  ApprovalRefusedError,
  NothingToRollBackError,
  NotTheRequesterError,
  TransitionAlreadyOpenError,
  TransitionNotAllowedError,
  TransitionStateError,
  VersionNotReadyError,
} from "#core/errors.ts";
import { toRegistryEvent } from "#core/events/from-history.ts";
import type { RequestContext } from "#core/kernel/context.ts";
import { runWorkflowStep } from "#core/lifecycle/workflow-steps.ts";
import type { WorkflowControl, WorkflowStopReason } from "#core/ports.ts";
import { Policy } from "#core/schemas.ts";
import * as models from "#core/use-cases/models.ts";
import * as transitions from "#core/use-cases/transitions.ts";
import * as versions from "#core/use-cases/versions.ts";
import {
  artifact,
  FakeArtifactStorage,
  makeReady,
  publisher,
  runWorkflow as runWorkflowIn,
  type TestCore,
  testCore,
} from "./fixture.ts";

const approver: RequestContext = { actor: "arn:aws:iam::000000000000:user/approver", requestId: "req-2" };
const second: RequestContext = { actor: "arn:aws:iam::000000000000:user/second", requestId: "req-3" };
const admin: RequestContext = { actor: "arn:aws:iam::000000000000:user/admin", requestId: "req-4" };
const governor: RequestContext = { actor: "arn:aws:iam::000000000000:user/governor", requestId: "req-5" };

class FakeWorkflow implements WorkflowControl {
  readonly resumed: string[] = [];
  readonly stopped: { token: string; error: WorkflowStopReason }[] = [];
  readonly restarted: {
    transition: { model: string; transitionId: string };
    execution: string;
    name: string;
  }[] = [];
  /** Whether a token still has an execution waiting on it (false: the execution is gone). */
  waiting = true;
  /** What `restart` throws, if anything (StartExecution refused). */
  restartFails: Error | undefined;
  async resume(token: string) {
    this.resumed.push(token);
    return this.waiting;
  }
  async fail(token: string, error: WorkflowStopReason) {
    this.stopped.push({ token, error });
    return this.waiting;
  }
  async restart(transition: { model: string; transitionId: string }, execution: string, name: string) {
    if (this.restartFails) throw this.restartFails;
    this.restarted.push({ transition, execution, name });
  }
}

type LifecycleCore = TestCore & { workflow: FakeWorkflow };

async function setUp(policy?: z.input<typeof Policy>, count = 1, metrics: Record<string, number> = {}) {
  const core = { ...testCore(), workflow: new FakeWorkflow() } as LifecycleCore;
  await models.createModel(
    core,
    { name: "fraud", ...(policy && { policy: Policy.parse(policy) }) },
    publisher,
  );
  for (let i = 0; i < count; i++) await addVersion(core, metrics);
  return core;
}

async function addVersion(core: LifecycleCore, metrics: Record<string, number> = {}, extra = {}) {
  const { value } = await versions.createVersion(
    core,
    "fraud",
    { artifacts: [artifact()], metrics, ...extra },
    publisher,
  );
  await makeReady(core, "fraud", value.version);
  return value.version;
}

const runWorkflow = (core: LifecycleCore, id: string, options: { resume?: boolean } = {}) =>
  runWorkflowIn(core, "fraud", id, options);

async function promote(core: LifecycleCore, version: number, to: "staging" | "production" | "archived") {
  const { value } = await transitions.requestTransition(core, "fraud", version, { to }, publisher);
  return { transition: value, run: await runWorkflow(core, value.id) };
}

const get = (core: LifecycleCore, id: string) => transitions.getTransition(core, "fraud", id);

async function historyActions(core: LifecycleCore) {
  const page = await models.listHistory(core, "fraud", { limit: 100 });
  return page.items.map((e) => e.action).reverse();
}

describe("transition requests", () => {
  it("development → staging without a policy is validated and applied, every step in history and as a valid event", async () => {
    const core = await setUp();
    const { transition, run } = await promote(core, 1, "staging");
    expect(transition).toMatchObject({
      status: "REQUESTED",
      from: "development",
      to: "staging",
      kind: "promotion",
    });
    expect(run.validated.next).toBe("apply");
    const applied = await get(core, transition.id);
    expect(applied).toMatchObject({ status: "APPLIED", validation: { passed: true } });
    expect((await versions.getVersion(core, "fraud", 1)).stage).toBe("staging");
    expect(await historyActions(core)).toEqual([
      "MODEL_REGISTERED",
      "VERSION_CREATED",
      "VERSION_READY",
      "TRANSITION_REQUESTED",
      "TRANSITION_VALIDATION_STARTED",
      "TRANSITION_VALIDATED",
      "STAGE_CHANGED",
    ]);
    const page = await models.listHistory(core, "fraud", { limit: 100 });
    for (const entry of page.items) {
      expect(() => toRegistryEvent({ ...entry, model: "fraud" }, { source: "model-registry" })).not.toThrow();
    }
    const changed = toRegistryEvent({ ...page.items[0]!, model: "fraud" }, { source: "model-registry" });
    expect(changed).toMatchObject({
      detailType: "Model Version Stage Changed",
      detail: {
        from: "development",
        to: "staging",
        previous: null,
        approvedBy: [],
        transitionId: transition.id,
      },
    });
  });

  it("refuses moves the table does not allow, naming the allowed ones", async () => {
    const core = await setUp();
    const request = transitions.requestTransition(core, "fraud", 1, { to: "production" }, publisher);
    await expect(request).rejects.toBeInstanceOf(TransitionNotAllowedError);
    await expect(request).rejects.toThrow(/moves only to staging or archived/);
    await expect(
      transitions.requestTransition(core, "fraud", 1, { to: "development" }, publisher),
    ).rejects.toThrow(/already in development/);
  });

  it("refuses staging for a version that is not sealed", async () => {
    const core = await setUp();
    await versions.createVersion(core, "fraud", { artifacts: [artifact()] }, publisher);
    await expect(
      transitions.requestTransition(core, "fraud", 2, { to: "staging" }, publisher),
    ).rejects.toBeInstanceOf(VersionNotReadyError);
  });

  it("refuses a second open request for the same version and target, and accepts one after the first ended", async () => {
    const core = await setUp();
    const { value: first } = await transitions.requestTransition(
      core,
      "fraud",
      1,
      { to: "staging" },
      publisher,
    );
    await expect(
      transitions.requestTransition(core, "fraud", 1, { to: "staging" }, publisher),
    ).rejects.toBeInstanceOf(TransitionAlreadyOpenError);
    // Another target for the same version is a different request.
    await transitions.requestTransition(core, "fraud", 1, { to: "archived" }, publisher);
    await transitions.cancelTransition(core, "fraud", first.id, {}, publisher);
    await expect(
      transitions.requestTransition(core, "fraud", 1, { to: "staging" }, publisher),
    ).resolves.toMatchObject({ value: { status: "REQUESTED" } });
  });

  it("a model with open requests cannot be deleted", async () => {
    const core = await setUp();
    await transitions.requestTransition(core, "fraud", 1, { to: "staging" }, publisher);
    await expect(models.deleteModel(core, "fraud", admin)).rejects.toThrow(/open transition requests/);
  });
});

describe("validation", () => {
  it("a metric below its threshold ends FAILED with the report; the events say Validated (failed) then Rejected (VALIDATION_FAILED)", async () => {
    const core = await setUp({ requirements: { staging: { metrics: { auc: { min: 0.9 } } } } }, 1, {
      auc: 0.85,
    });
    const { transition, run } = await promote(core, 1, "staging");
    expect(run.validated.next).toBe("end");
    const failed = await get(core, transition.id);
    expect(failed.status).toBe("FAILED");
    expect(failed.reason).toMatch(/metrics\.auc expected >= 0\.9, found 0\.85/);
    expect(failed.validation?.checks).toContainEqual({
      check: "metrics.auc",
      expected: ">= 0.9",
      actual: "0.85",
      passed: false,
    });
    expect((await versions.getVersion(core, "fraud", 1)).stage).toBe("development");
    const [rejected, validated] = (await models.listHistory(core, "fraud", { limit: 2 })).items;
    expect(toRegistryEvent({ ...validated!, model: "fraud" }, { source: "s" })).toMatchObject({
      detailType: "Stage Transition Validated",
      detail: { passed: false },
    });
    expect(toRegistryEvent({ ...rejected!, model: "fraud" }, { source: "s" })).toMatchObject({
      detailType: "Stage Transition Rejected",
      detail: { reason: "VALIDATION_FAILED", by: null },
    });
    // The request is closed: the version may be requested again.
    expect((await models.getModel(core, "fraud")).name).toBe("fraud");
    await expect(
      transitions.requestTransition(core, "fraud", 1, { to: "staging" }, publisher),
    ).resolves.toBeDefined();
  });

  it("checks the signature, model card, lineage and tags the stage requires", async () => {
    const core = await setUp({
      requirements: {
        staging: { signature: true, modelCard: true, lineage: ["gitCommit"], tags: ["owner-team"] },
      },
    });
    const { transition } = await promote(core, 1, "staging");
    const failed = await get(core, transition.id);
    expect(failed.validation?.checks.filter((c) => !c.passed).map((c) => c.check)).toEqual([
      "signature",
      "modelCard",
      "lineage.gitCommit",
      "tags.owner-team",
    ]);
  });

  it("refuses a breaking signature change against the production version when the policy says so", async () => {
    const signature = (type: string) => ({
      inputs: [{ name: "amount", type }],
      outputs: [{ name: "score", type: "float32" }],
    });
    const core = await setUp({ requirements: { production: { compatibleSignature: true } } }, 0);
    const v1 = await addVersion(core, {}, { signature: signature("float32") });
    const v2 = await addVersion(core, {}, { signature: signature("string") });
    for (const v of [v1, v2]) await promote(core, v, "staging");
    await promote(core, v1, "production");
    const { transition } = await promote(core, v2, "production");
    const failed = await get(core, transition.id);
    expect(failed.status).toBe("FAILED");
    expect(failed.validation?.checks).toContainEqual({
      check: "compatibleSignature",
      expected: `no breaking signature change against version ${v1}`,
      actual: "breaking: inputs.amount typeChanged",
      passed: false,
    });
    expect((await models.getModel(core, "fraud")).stages).toEqual({ production: v1 });
  });

  it("runs the policy's custom validation function and records its checks; one that cannot run fails the check", async () => {
    const arn = "arn:aws:lambda:us-east-1:123456789012:function:fairness";
    const core = await setUp({ requirements: { staging: { customValidation: { functionArn: arn } } } }, 2);
    const calls: unknown[] = [];
    core.customValidator = {
      validate: async (functionArn, request) => {
        calls.push({ functionArn, version: request.version });
        if (request.version === 2) throw new Error("function timed out");
        return { passed: true, checks: [{ check: "bias", expected: "< 0.1", actual: "0.04", passed: true }] };
      },
    };
    const ok = await promote(core, 1, "staging");
    expect((await get(core, ok.transition.id)).validation?.checks).toContainEqual({
      check: `custom:${arn}:bias`,
      expected: "< 0.1",
      actual: "0.04",
      passed: true,
    });
    const broken = await promote(core, 2, "staging");
    const failed = await get(core, broken.transition.id);
    expect(failed.status).toBe("FAILED");
    expect(failed.reason).toContain("could not run: function timed out");
    expect(calls).toEqual([
      { functionArn: arn, version: 1 },
      { functionArn: arn, version: 2 },
    ]);
  });

  it("uses the policy as it was when the request was made", async () => {
    const core = await setUp({ requirements: { staging: { metrics: { auc: { min: 0.9 } } } } }, 1, {
      auc: 0.5,
    });
    const { value } = await transitions.requestTransition(core, "fraud", 1, { to: "staging" }, publisher);
    await models.setModelPolicy(core, "fraud", Policy.parse({}), governor);
    await runWorkflow(core, value.id);
    expect((await get(core, value.id)).status).toBe("FAILED");
  });
});

describe("approvals", () => {
  const policy = { approvals: { production: { required: 1 } } };

  async function awaitingProduction(core: LifecycleCore, version = 1) {
    await promote(core, version, "staging");
    return promote(core, version, "production");
  }

  it("production waits for an approval by someone else, then applies with approvedBy", async () => {
    const core = await setUp(policy);
    const { transition, run } = await awaitingProduction(core);
    expect(run.validated).toMatchObject({ next: "approval" });
    expect(run.validated.approvalTimeoutSeconds).toBeGreaterThan(7 * 24 * 3600 - 10);
    const waiting = await get(core, transition.id);
    expect(waiting).toMatchObject({ status: "AWAITING_APPROVAL", approvalsRequired: 1 });
    expect(waiting).not.toHaveProperty("taskToken");
    expect((await transitions.listApprovals(core, { limit: 10 })).items.map((t) => t.id)).toEqual([
      transition.id,
    ]);

    await expect(
      transitions.approveTransition(core, "fraud", transition.id, {}, publisher),
    ).rejects.toBeInstanceOf(ApprovalRefusedError);
    const { value } = await transitions.approveTransition(
      core,
      "fraud",
      transition.id,
      { comment: "ok" },
      approver,
    );
    expect(value.approvals).toMatchObject([{ by: approver.actor, decision: "APPROVED", comment: "ok" }]);
    expect(core.workflow.resumed).toEqual([run.token]);

    await runWorkflowStep(core, { step: "apply", ...run.step });
    expect(await get(core, transition.id)).toMatchObject({ status: "APPLIED" });
    expect((await models.getModel(core, "fraud")).stages).toEqual({ production: 1 });
    expect((await transitions.listApprovals(core, { limit: 10 })).items).toEqual([]);
    const [changed] = (await models.listHistory(core, "fraud", { limit: 1 })).items;
    expect(toRegistryEvent({ ...changed!, model: "fraud" }, { source: "s" }).detail).toMatchObject({
      to: "production",
      previous: null,
      approvedBy: [approver.actor],
      artifacts: [{ path: "model.onnx", uri: "s3://bucket/models/fraud/versions/1/model.onnx" }],
    });
  });

  it("self-approval is allowed only where the policy says so", async () => {
    const core = await setUp({ approvals: { production: { required: 1, allowSelfApproval: true } } });
    const { transition } = await awaitingProduction(core);
    await expect(
      transitions.approveTransition(core, "fraud", transition.id, {}, publisher),
    ).resolves.toBeDefined();
  });

  it("two approvals need two distinct principals; the second resumes the workflow", async () => {
    const core = await setUp({ approvals: { production: { required: 2 } } });
    const { transition, run } = await awaitingProduction(core);
    await transitions.approveTransition(core, "fraud", transition.id, {}, approver);
    expect(core.workflow.resumed).toEqual([]);
    await expect(transitions.approveTransition(core, "fraud", transition.id, {}, approver)).rejects.toThrow(
      /already approved/,
    );
    await transitions.approveTransition(core, "fraud", transition.id, {}, second);
    expect(core.workflow.resumed).toEqual([run.token]);
    // Approving again after the count is complete resends the resume (in case it was lost).
    await transitions.approveTransition(core, "fraud", transition.id, {}, second);
    expect(core.workflow.resumed).toEqual([run.token, run.token]);
  });

  it("a rejection ends the request and stops the execution; approving it afterwards is refused", async () => {
    const core = await setUp(policy);
    const { transition, run } = await awaitingProduction(core);
    const { value } = await transitions.rejectTransition(
      core,
      "fraud",
      transition.id,
      { comment: "drift" },
      approver,
    );
    expect(value).toMatchObject({
      status: "REJECTED",
      endedBy: approver.actor,
      reason: expect.stringContaining("drift"),
    });
    expect(core.workflow.stopped).toEqual([{ token: run.token, error: "Rejected" }]);
    await expect(
      transitions.approveTransition(core, "fraud", transition.id, {}, second),
    ).rejects.toBeInstanceOf(TransitionStateError);
    const [entry] = (await models.listHistory(core, "fraud", { limit: 1 })).items;
    expect(toRegistryEvent({ ...entry!, model: "fraud" }, { source: "s" }).detail).toMatchObject({
      reason: "REJECTED",
      by: approver.actor,
      comment: "drift",
    });
    // The step after the stopped wait finds the request ended and does nothing.
    await runWorkflowStep(core, { step: "apply", ...run.step });
    expect((await versions.getVersion(core, "fraud", 1)).stage).toBe("staging");
  });

  it("only the requester cancels with POST; an admin cancels anyone's with DELETE", async () => {
    const core = await setUp(policy, 2);
    const { transition } = await awaitingProduction(core, 1);
    await expect(
      transitions.cancelTransition(core, "fraud", transition.id, {}, second),
    ).rejects.toBeInstanceOf(NotTheRequesterError);
    const { value } = await transitions.cancelTransition(
      core,
      "fraud",
      transition.id,
      { comment: "wrong one" },
      publisher,
    );
    expect(value.status).toBe("CANCELLED");
    await expect(
      transitions.cancelTransition(core, "fraud", transition.id, {}, publisher),
    ).rejects.toBeInstanceOf(TransitionStateError);
    const other = await awaitingProduction(core, 2);
    expect((await transitions.forceCancelTransition(core, "fraud", other.transition.id, admin)).status).toBe(
      "CANCELLED",
    );
    expect(core.workflow.stopped.map((s) => s.error)).toEqual(["Cancelled", "Cancelled"]);
  });

  it("a wait that times out ends TIMED_OUT", async () => {
    const core = await setUp(policy);
    const { transition, run } = await awaitingProduction(core);
    await runWorkflowStep(core, { step: "expire", ...run.step });
    expect(await get(core, transition.id)).toMatchObject({ status: "TIMED_OUT" });
    const [entry] = (await models.listHistory(core, "fraud", { limit: 1 })).items;
    expect(toRegistryEvent({ ...entry!, model: "fraud" }, { source: "s" }).detail).toMatchObject({
      reason: "TIMED_OUT",
    });
  });

  it("a request cancelled while it was validated stops its wait at once", async () => {
    const core = await setUp(policy);
    await promote(core, 1, "staging");
    const { value } = await transitions.requestTransition(core, "fraud", 1, { to: "production" }, publisher);
    const execution = "execution-cancelled";
    await runWorkflowStep(core, {
      step: "validate",
      event: { detail: { model: "fraud", transitionId: value.id } },
      execution,
    });
    await transitions.cancelTransition(core, "fraud", value.id, {}, publisher);
    await runWorkflowStep(core, {
      step: "awaitApproval",
      model: "fraud",
      transitionId: value.id,
      execution,
      token: "t",
    });
    expect(core.workflow.stopped).toEqual([{ token: "t", error: "Cancelled" }]);
  });
});

describe("production holds one version", () => {
  it("promoting a new production version archives the previous one in the same change, with both events", async () => {
    const core = await setUp(undefined, 2);
    for (const v of [1, 2]) await promote(core, v, "staging");
    await promote(core, 1, "production");
    const { transition } = await promote(core, 2, "production");
    expect(await get(core, transition.id)).toMatchObject({ status: "APPLIED", previous: 1 });
    expect((await versions.getVersion(core, "fraud", 1)).stage).toBe("archived");
    expect((await versions.getVersion(core, "fraud", 2)).stage).toBe("production");
    expect((await models.getModel(core, "fraud")).stages).toEqual({ production: 2 });
    // Newest first: the version leaving production is written before the one entering it.
    const [entered, left] = (await models.listHistory(core, "fraud", { limit: 2 })).items;
    expect(left!.seq).toBe(entered!.seq - 1);
    expect(entered).toMatchObject({
      action: "STAGE_CHANGED",
      version: 2,
      to: "production",
      details: { previous: 1 },
    });
    expect(left).toMatchObject({ action: "STAGE_CHANGED", version: 1, from: "production", to: "archived" });
  });

  it("the policy can demote the previous production version to staging instead", async () => {
    const core = await setUp({ demoteProductionTo: "staging" }, 2);
    for (const v of [1, 2]) await promote(core, v, "staging");
    await promote(core, 1, "production");
    await promote(core, 2, "production");
    expect((await versions.getVersion(core, "fraud", 1)).stage).toBe("staging");
  });

  it("stage history says who held production, from when to when", async () => {
    const core = await setUp(undefined, 2);
    for (const v of [1, 2]) await promote(core, v, "staging");
    const first = await promote(core, 1, "production");
    const then = await promote(core, 2, "production");
    const { items } = await transitions.getStageHistory(core, "fraud", "production", { limit: 10 });
    expect(items).toMatchObject([
      { version: 2, enteredWith: then.transition.id, enteredBy: publisher.actor },
      { version: 1, enteredWith: first.transition.id, leftWith: then.transition.id },
    ]);
    expect(items[0]).not.toHaveProperty("until");
    expect(items[1]!.until).toBe(items[0]!.from);
  });

  it("a version that moved since the request fails to apply, with the reason", async () => {
    const core = await setUp();
    const { value } = await transitions.requestTransition(core, "fraud", 1, { to: "staging" }, publisher);
    await promote(core, 1, "archived");
    await runWorkflow(core, value.id);
    expect((await get(core, value.id)).reason).toMatch(/still in development|moved from development/);
  });
});

describe("the workflow's ownership of a request", () => {
  it("a second execution for the same request (a redelivered event) ends without acting", async () => {
    const core = await setUp();
    const { value } = await transitions.requestTransition(core, "fraud", 1, { to: "staging" }, publisher);
    const first = await runWorkflow(core, value.id);
    const duplicate = await runWorkflowStep(core, {
      step: "validate",
      event: { detail: { model: "fraud", transitionId: value.id } },
      execution: "duplicate",
    });
    expect(first.validated.next).toBe("apply");
    expect(duplicate).toMatchObject({ next: "end" });
    expect((await historyActions(core)).filter((a) => a === "STAGE_CHANGED")).toHaveLength(1);
  });

  it("a recovery execution takes over a request awaiting approval and the approval resumes it", async () => {
    const core = await setUp({ approvals: { production: { required: 1 } } });
    await promote(core, 1, "staging");
    const { value } = await transitions.requestTransition(core, "fraud", 1, { to: "production" }, publisher);
    const lost = await runWorkflow(core, value.id);
    const recovered = await runWorkflow(core, value.id, { resume: true });
    expect(recovered.validated.next).toBe("approval");
    await transitions.approveTransition(core, "fraud", value.id, {}, approver);
    expect(core.workflow.resumed).toEqual([recovered.token]);
    // The lost execution's steps no longer act.
    await runWorkflowStep(core, { step: "apply", ...lost.step });
    expect((await get(core, value.id)).status).toBe("AWAITING_APPROVAL");
    await runWorkflowStep(core, { step: "apply", ...recovered.step });
    expect((await get(core, value.id)).status).toBe("APPLIED");
  });
});

describe("rollback", () => {
  it("requests the previous production version back through the workflow, skipping requirements but not approvals", async () => {
    const core = await setUp(
      {
        approvals: { production: { required: 1 } },
        requirements: { production: { metrics: { auc: { min: 0.99 } } } },
      },
      2,
      { auc: 0.995 },
    );
    for (const v of [1, 2]) await promote(core, v, "staging");
    for (const v of [1, 2]) {
      const { transition, run } = await promote(core, v, "production");
      await transitions.approveTransition(core, "fraud", transition.id, {}, approver);
      await runWorkflowStep(core, { step: "apply", ...run.step });
    }
    expect((await models.getModel(core, "fraud")).stages).toEqual({ production: 2 });
    // The requirement tightened since version 1 served: a rollback does not re-litigate it.
    await models.setModelPolicy(
      core,
      "fraud",
      Policy.parse({
        approvals: { production: { required: 1 } },
        requirements: { production: { metrics: { auc: { min: 0.999 } } } },
      }),
      governor,
    );
    const { value } = await transitions.rollback(
      core,
      "fraud",
      { stage: "production", comment: "v2 regressed" },
      publisher,
    );
    expect(value).toMatchObject({
      version: 1,
      from: "archived",
      to: "production",
      kind: "rollback",
      approvalsRequired: 1,
    });
    const run = await runWorkflow(core, value.id);
    expect(run.validated.next).toBe("approval");
    await transitions.approveTransition(core, "fraud", value.id, {}, approver);
    await runWorkflowStep(core, { step: "apply", ...run.step });
    expect((await models.getModel(core, "fraud")).stages).toEqual({ production: 1 });
    expect((await versions.getVersion(core, "fraud", 2)).stage).toBe("archived");
  });

  it("has nothing to roll back to before a second version held the stage", async () => {
    const core = await setUp();
    await promote(core, 1, "staging");
    await promote(core, 1, "production");
    await expect(
      transitions.rollback(core, "fraud", { stage: "production" }, publisher),
    ).rejects.toBeInstanceOf(NothingToRollBackError);
  });
});

/**
 * Whoever holds an approval wait's task token can answer it with SendTaskSuccess or
 * SendTaskFailure, and an execution can be stopped outside the registry (issue 18, item 7): the
 * request must end, in history, instead of staying open with approvals silently unapplied.
 */
describe("a workflow stopped or resumed outside the registry", () => {
  const policy = { approvals: { production: { required: 1 } } };

  async function waiting(core: LifecycleCore) {
    await promote(core, 1, "staging");
    const { value } = await transitions.requestTransition(core, "fraud", 1, { to: "production" }, publisher);
    return { id: value.id, run: await runWorkflow(core, value.id) };
  }

  it("a wait stopped with Rejected by the token's holder, with no rejection recorded, ends the request FAILED saying so", async () => {
    const core = await setUp(policy);
    const { id, run } = await waiting(core);
    // The state machine catches `Rejected` and runs Stopped: nobody rejected through the API.
    await runWorkflowStep(core, {
      step: "stopped",
      ...run.step,
      error: { Error: "Rejected", Cause: "sent with a token read from the logs" },
    });
    const ended = await get(core, id);
    expect(ended.status).toBe("FAILED");
    expect(ended.reason).toBe(
      "the approval wait was stopped outside the registry (Rejected: sent with a token read from the logs) with no decision recorded: request the transition again",
    );
    expect((await historyActions(core)).at(-1)).toBe("TRANSITION_FAILED");
    await expect(transitions.approveTransition(core, "fraud", id, {}, approver)).rejects.toBeInstanceOf(
      TransitionStateError,
    );
  });

  it("a rejection through the API stops the wait too, and Stopped then leaves the REJECTED request alone", async () => {
    const core = await setUp(policy);
    const { id, run } = await waiting(core);
    await transitions.rejectTransition(core, "fraud", id, { comment: "no" }, approver);
    await runWorkflowStep(core, { step: "stopped", ...run.step, error: { Error: "Rejected", Cause: "no" } });
    expect(await get(core, id)).toMatchObject({
      status: "REJECTED",
      reason: `rejected by ${approver.actor}: no`,
    });
    expect(
      (await historyActions(core))
        .filter((a) => a.startsWith("TRANSITION_") && a !== "TRANSITION_REQUESTED")
        .slice(-1),
    ).toEqual(["TRANSITION_REJECTED"]);
  });

  it("a wait resumed by the token's holder before the approvals are in ends FAILED instead of applying or failing the execution", async () => {
    const core = await setUp(policy);
    const { id, run } = await waiting(core);
    const result = await runWorkflowStep(core, { step: "apply", ...run.step });
    expect(result).toEqual({ next: "end", status: "FAILED" });
    expect((await get(core, id)).reason).toBe(
      "could not apply: the approval wait was resumed with 0 of 1 approvals, not by the registry: request the transition again",
    );
    expect((await models.getModel(core, "fraud")).stages).toEqual({});
  });

  it("the final approval whose execution is gone starts a new one, which applies the request", async () => {
    const core = await setUp(policy);
    const { id, run } = await waiting(core);
    core.workflow.waiting = false; // the execution was stopped (StopExecution) or lost its wait
    const { value } = await transitions.approveTransition(core, "fraud", id, {}, approver);
    expect(value.status).toBe("AWAITING_APPROVAL");
    const record = (await core.store.getTransition("fraud", id))!;
    expect(core.workflow.restarted).toEqual([
      {
        transition: { model: "fraud", transitionId: id },
        execution: run.execution,
        name: `recover-${id}-${record.rev}`,
      },
    ]);
    expect(core.errors.map((e) => e.message)).toEqual([
      "approval could not resume its execution: a new one took the request over",
    ]);
    // What the new execution (its input is `resume: true`) does.
    core.workflow.waiting = true;
    const recovered = await runWorkflow(core, id, { resume: true });
    expect(core.workflow.resumed.at(-1)).toBe(recovered.token);
    await runWorkflowStep(core, { step: "apply", ...recovered.step });
    expect(await get(core, id)).toMatchObject({ status: "APPLIED" });
    expect((await models.getModel(core, "fraud")).stages).toEqual({ production: 1 });
  });

  it("when no new execution can start either, the approval is kept, the request ends FAILED in history, and the caller gets a 409", async () => {
    const core = await setUp(policy);
    const { id } = await waiting(core);
    core.workflow.waiting = false;
    core.workflow.restartFails = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    const approving = transitions.approveTransition(core, "fraud", id, { comment: "ship it" }, approver);
    await expect(approving).rejects.toBeInstanceOf(TransitionStateError);
    await expect(approving).rejects.toThrow(
      `transition ${id}: your approval was recorded, but the workflow execution waiting for the approvals was gone (stopped outside the registry) and a new one could not be started (ThrottlingException), so the request ended FAILED: request the transition again`,
    );
    const ended = await get(core, id);
    expect(ended.status).toBe("FAILED");
    expect(ended.approvals).toMatchObject([{ by: approver.actor, decision: "APPROVED", comment: "ship it" }]);
    expect((await historyActions(core)).slice(-2)).toEqual(["TRANSITION_APPROVED", "TRANSITION_FAILED"]);
    // Closed: the version may be requested again.
    await expect(
      transitions.requestTransition(core, "fraud", 1, { to: "production" }, publisher),
    ).resolves.toBeDefined();
  });
});

describe("pinned bytes (issue 18, item 6)", () => {
  const key = (version: number) => ({ model: "fraud", version, path: artifact().path });

  it("the seal pins each artifact's S3 version; the stage change event names it beside the URI", async () => {
    const core = await setUp();
    const sealed = await versions.getVersion(core, "fraud", 1);
    const pin = `v-fraud-1-${artifact().path}`;
    expect(sealed.verification?.artifacts?.[0]?.actual).toMatchObject({ versionId: pin });
    await promote(core, 1, "staging");
    const page = await models.listHistory(core, "fraud", { limit: 100 });
    const changed = page.items.find((e) => e.action === "STAGE_CHANGED");
    // The event schema (validated by toRegistryEvent) carries the version id.
    const event = toRegistryEvent({ ...changed!, model: "fraud" } as never, { source: "model-registry" });
    expect(JSON.stringify(event.detail)).toContain(`"versionId":"${pin}"`);
    expect(changed?.details).toMatchObject({ artifacts: [{ path: artifact().path, versionId: pin }] });
  });

  it("bytes written at the key after the seal do not move the pin, and Apply still promotes the sealed bytes", async () => {
    const core = await setUp();
    const { model, version, path } = key(1);
    core.artifacts.overwrite(model, version, path, {
      size: 3,
      sha256: "0".repeat(64),
      checksummed: true,
      versionId: "attacker",
    });
    const { transition } = await promote(core, 1, "staging");
    expect((await get(core, transition.id)).status).toBe("APPLIED");
    expect(core.artifacts.calls).toContain(`head ${path} @v-fraud-1-${path}`);
  });

  it("Apply refuses a version whose pinned bytes are gone from the bucket, and says which artifact", async () => {
    const core = await setUp();
    const { model, version, path } = key(1);
    // The pinned version no longer exists (a lifecycle rule expired it, say); other bytes are current.
    core.artifacts.objects.set(FakeArtifactStorage.key(model, version, path), {
      size: 3,
      sha256: "0".repeat(64),
      checksummed: true,
      versionId: "attacker",
    });
    const { transition } = await promote(core, 1, "staging");
    const ended = await get(core, transition.id);
    expect(ended.status).toBe("FAILED");
    expect(ended.reason).toMatch(
      new RegExp(`'${path}' \\(S3 version v-fraud-1-${path}\\) is no longer in the bucket`),
    );
    expect((await versions.getVersion(core, "fraud", 1)).stage).toBe("development");
  });
});
