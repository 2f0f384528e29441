import { beforeAll, describe, expect, it } from "vitest";
import { verifyVersion } from "#core/artifacts/verification.ts";
import { DETAIL_SCHEMAS, DETAIL_TYPES, type DetailType } from "#core/events/catalog.ts";
import {
  DETAIL_TYPE_OF_ACTION,
  eventIdOf,
  InvalidEventError,
  toRegistryEvent,
  uuidV5,
} from "#core/events/from-history.ts";
import { detailJsonSchema } from "#core/events/json-schemas.ts";
import { runWorkflowStep } from "#core/lifecycle/workflow-steps.ts";
import type { HistoryRecord } from "#core/records.ts";
import { HISTORY_ACTIONS, Policy } from "#core/schemas.ts";
import * as aliases from "#core/use-cases/aliases.ts";
import * as artifacts from "#core/use-cases/artifacts.ts";
import * as models from "#core/use-cases/models.ts";
import * as transitions from "#core/use-cases/transitions.ts";
import * as versions from "#core/use-cases/versions.ts";
import { artifact, FakeArtifactStorage, publisher, runWorkflow, testCore } from "../use-cases/fixture.ts";

const source = "model-registry";

/** The history a real session of use cases writes: every action at least once. */
async function sessionHistory(): Promise<HistoryRecord[]> {
  const core = testCore();
  await models.createModel(core, { name: "fraud", owner: "risk-ml", tags: { team: "risk" } }, publisher);
  await models.updateModel(
    core,
    "fraud",
    { description: "Scores card transactions", owner: "risk" },
    publisher,
  );
  await versions.createVersion(core, "fraud", { artifacts: [artifact(), artifact("vocab.json")] }, publisher);
  await versions.createVersion(core, "fraud", { artifacts: [artifact()] }, publisher);
  await versions.updateVersion(core, "fraud", 1, { modelCard: "# Fraud v1", tags: { qa: "ok" } }, publisher);
  // v1: S3 holds no checksum, so the seal starts the verifier, which finds the bytes right.
  for (const path of ["model.onnx", "vocab.json"]) {
    core.artifacts.objects.set(FakeArtifactStorage.key("fraud", 1, path), {
      size: 10,
      sha256: "a".repeat(64),
      checksummed: false,
    });
  }
  await artifacts.sealVersion(core, "fraud", 1, publisher);
  await verifyVersion(core, core.verification.started[0]!, "verifier-1");
  // v2: the verifier finds other bytes (FAILED); uploaded again, S3 vouches for them (READY).
  const v2 = FakeArtifactStorage.key("fraud", 2, "model.onnx");
  core.artifacts.objects.set(v2, { size: 10, sha256: "b".repeat(64), checksummed: false });
  await artifacts.sealVersion(core, "fraud", 2, publisher);
  await verifyVersion(core, core.verification.started[1]!, "verifier-2");
  core.artifacts.objects.set(v2, { size: 10, sha256: "a".repeat(64), checksummed: true });
  await artifacts.sealVersion(core, "fraud", 2, publisher);
  await aliases.setAlias(core, "fraud", "champion", 1, publisher);
  await aliases.setAlias(core, "fraud", "champion", 2, publisher);
  await aliases.deleteAlias(core, "fraud", "champion", publisher);
  await lifecycle(core);
  // v3: an upload given up on.
  await versions.createVersion(core, "fraud", { artifacts: [artifact()] }, publisher);
  await artifacts.abandonVersion(core, "fraud", 3, publisher);
  await models.deleteModel(core, "fraud", publisher);
  await models.createModel(core, { name: "fraud" }, publisher);
  const page = await core.store.listHistory("fraud", { limit: 100 });
  return [...page.items].sort((a, b) => a.seq - b.seq);
}

/** Every transition step: applied, approved, failed, rejected, cancelled, timed out, demoted. */
async function lifecycle(core: ReturnType<typeof testCore>) {
  const approver = { actor: "arn:aws:iam::000000000000:user/approver", requestId: "req-9" };
  const governor = { actor: "arn:aws:iam::000000000000:user/governor", requestId: "req-8" };
  core.workflow = { resume: async () => true, fail: async () => true, restart: async () => {} };
  await models.setModelPolicy(
    core,
    "fraud",
    Policy.parse({
      approvals: { production: { required: 1 } },
      requirements: { archived: { signature: true } },
    }),
    governor,
  );
  const request = async (version: number, to: "staging" | "production" | "archived") => {
    const { value } = await transitions.requestTransition(core, "fraud", version, { to }, publisher);
    return { id: value.id, ...(await runWorkflow(core, "fraud", value.id)) };
  };
  await request(2, "archived"); // no signature: FAILED
  for (const v of [1, 2]) await request(v, "staging");
  const first = await request(1, "production");
  await transitions.approveTransition(core, "fraud", first.id, { comment: "ok" }, approver);
  await runWorkflowStep(core, { step: "apply", ...first.step });
  const rejected = await request(2, "production");
  await transitions.rejectTransition(core, "fraud", rejected.id, { comment: "not yet" }, approver);
  const cancelled = await request(2, "production");
  await transitions.cancelTransition(core, "fraud", cancelled.id, {}, publisher);
  const expired = await request(2, "production");
  await runWorkflowStep(core, { step: "expire", ...expired.step });
  const replacing = await request(2, "production");
  await transitions.approveTransition(core, "fraud", replacing.id, {}, approver);
  await runWorkflowStep(core, { step: "apply", ...replacing.step }); // v1 leaves production
  // Leaving production needs production's approvals too; then it is empty and the model can go.
  const leaving = await request(2, "staging");
  await transitions.approveTransition(core, "fraud", leaving.id, {}, approver);
  await runWorkflowStep(core, { step: "apply", ...leaving.step });
}

describe("history entries become events", () => {
  let history: HistoryRecord[];
  beforeAll(async () => {
    history = await sessionHistory();
  });

  const eventOf = (action: string, nth = 0) => {
    const entry = history.filter((h) => h.action === action)[nth];
    if (!entry) throw new Error(`the session wrote no ${action} #${nth}`);
    return toRegistryEvent(entry, { source });
  };

  it.each(HISTORY_ACTIONS)(
    "%s maps to exactly one detail-type, whose schema validates every detail it makes",
    (action) => {
      const detailType = DETAIL_TYPE_OF_ACTION[action];
      expect(DETAIL_TYPES).toContain(detailType);
      const entries = history.filter((h) => h.action === action);
      expect(entries.length, `the session should write ${action}`).toBeGreaterThan(0);
      for (const entry of entries) {
        const event = toRegistryEvent(entry, { source });
        expect(event.detailType).toBe(detailType);
        expect(DETAIL_SCHEMAS[detailType].safeParse(event.detail).success).toBe(true);
      }
    },
  );

  it("every detail carries only fields its schema declares, so the catalog documents all of them", () => {
    for (const entry of history) {
      const event = toRegistryEvent(entry, { source });
      const declared = Object.keys(detailJsonSchema(event.detailType).properties as object);
      expect(
        Object.keys(event.detail).filter((k) => !declared.includes(k)),
        entry.action,
      ).toEqual([]);
    }
  });

  it("every detail carries the common fields of the entry it comes from", () => {
    const entry = history[0]!;
    expect(toRegistryEvent(entry, { source })).toEqual({
      source,
      detailType: "Model Registered",
      time: entry.at,
      detail: {
        eventVersion: "1",
        eventId: eventIdOf(source, "fraud", 1),
        model: "fraud",
        seq: 1,
        actor: publisher.actor,
        at: entry.at,
        requestId: publisher.requestId,
        owner: "risk-ml",
        tags: { team: "risk" },
        recreated: false,
      },
    });
  });

  it("registering a deleted name again says so", () => {
    expect(eventOf("MODEL_REGISTERED", 1).detail).toMatchObject({ owner: null, tags: {}, recreated: true });
  });

  it("a model edit lists the changed fields with their values before and after", () => {
    expect(eventOf("MODEL_UPDATED").detail).toMatchObject({
      fields: ["description", "owner"],
      changes: {
        description: { from: null, to: "Scores card transactions" },
        owner: { from: "risk-ml", to: "risk" },
      },
    });
  });

  it("a version edit shows a model card as its digest, never its text", () => {
    const { detail } = eventOf("VERSION_UPDATED");
    expect(detail).toMatchObject({ version: 1, fields: ["modelCard", "tags"] });
    expect(detail.changes).toMatchObject({
      modelCard: { from: null, to: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/), length: 10 } },
      tags: { from: {}, to: { qa: "ok" } },
    });
  });

  it("a new version says it awaits its uploads and how many artifacts were declared", () => {
    expect(eventOf("VERSION_CREATED").detail).toMatchObject({
      version: 1,
      status: "PENDING_UPLOAD",
      artifactCount: 2,
    });
  });

  it("setting, moving and deleting an alias are all 'Model Alias Changed', with to null on delete", () => {
    const changes = history
      .filter((h) => h.action.startsWith("ALIAS_"))
      .map((h) => toRegistryEvent(h, { source }))
      .map(({ detailType, detail }) => ({ detailType, detail }));
    expect(changes).toMatchObject([
      { detailType: "Model Alias Changed", detail: { alias: "champion", version: 1, from: null, to: 1 } },
      { detailType: "Model Alias Changed", detail: { alias: "champion", version: 2, from: 1, to: 2 } },
      { detailType: "Model Alias Changed", detail: { alias: "champion", version: 2, from: 2, to: null } },
    ]);
  });

  it("a deleted model says the highest version it handed out", () => {
    expect(eventOf("MODEL_DELETED").detail).toMatchObject({ latestVersion: 3 });
  });

  it("a model-level fact carries no version; a version-level one always does", () => {
    const modelLevel: DetailType[] = ["Model Registered", "Model Updated", "Model Deleted"];
    for (const entry of history) {
      const { detailType, detail } = toRegistryEvent(entry, { source });
      expect("version" in detail, detailType).toBe(!modelLevel.includes(detailType));
    }
  });

  it("the same entry delivered twice makes the same event, with the same eventId", () => {
    for (const entry of history) {
      expect(toRegistryEvent(structuredClone(entry), { source })).toEqual(toRegistryEvent(entry, { source }));
    }
  });

  it("every entry gets its own eventId, and so does the same entry published by another deployment", () => {
    const ids = history.map((h) => toRegistryEvent(h, { source }).detail.eventId);
    expect(new Set(ids).size).toBe(history.length);
    const entry = history[0]!;
    expect(toRegistryEvent(entry, { source: "model-registry-dev" }).detail.eventId).not.toBe(ids[0]);
  });

  it("an entry that cannot make a valid detail is refused, naming the entry and the field", () => {
    const entry = history.find((h) => h.action === "ALIAS_SET")!;
    const broken = { ...entry, details: {} };
    expect(() => toRegistryEvent(broken, { source })).toThrow(InvalidEventError);
    expect(() => toRegistryEvent(broken, { source })).toThrow(/fraud#\d+ \(ALIAS_SET\)[\s\S]*alias/);
  });
});

describe("event ids", () => {
  it("are RFC 9562 version-5 UUIDs (the python.org example of Python's uuid module)", () => {
    expect(uuidV5("python.org", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe(
      "886313e1-3b8a-5372-9b90-0c9aee199e5d",
    );
  });

  it("depend on source, model and seq only", () => {
    expect(eventIdOf("model-registry", "fraud", 7)).toBe(eventIdOf("model-registry", "fraud", 7));
    expect(eventIdOf("model-registry", "fraud", 7)).not.toBe(eventIdOf("model-registry", "fraud", 8));
    expect(eventIdOf("model-registry", "fraud", 7)).not.toBe(eventIdOf("model-registry", "fraud-v2", 7));
    expect(eventIdOf("model-registry", "fraud", 7)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
