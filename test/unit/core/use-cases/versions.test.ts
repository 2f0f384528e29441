import { describe, expect, it } from "vitest";
import { ValidationError, VersionFrozenError, VersionNotFoundError } from "#core/errors.ts";
import * as models from "#core/use-cases/models.ts";
import * as versions from "#core/use-cases/versions.ts";
import { artifact, publisher, type TestCore, testCore } from "./fixture.ts";

async function withModel(): Promise<TestCore> {
  const core = testCore();
  await models.createModel(core, { name: "fraud" }, publisher);
  return core;
}

/** Creates a version of fraud as the publisher. */
function createFraudVersion(core: TestCore, body: Parameters<typeof versions.createVersion>[2]) {
  return versions.createVersion(core, "fraud", body, publisher);
}

async function markReady(core: TestCore, number: number) {
  const version = await core.store.getVersion("fraud", number);
  if (!version) throw new Error("version missing");
  await core.store.commit([
    { kind: "putVersion", record: { ...version, status: "READY" }, expectRev: version.rev },
  ]);
}

describe("versions", () => {
  it("numbers versions 1, 2, 3 and returns an upload instruction per artifact", async () => {
    const core = await withModel();
    const numbers = [];
    for (let i = 0; i < 3; i++) {
      const { value } = await createFraudVersion(core, { artifacts: [artifact(), artifact("b.bin")] });
      numbers.push(value.version);
      expect(value.uploads.map((u) => u.path)).toEqual(["model.onnx", "b.bin"]);
      expect(value).toMatchObject({ status: "PENDING_UPLOAD", stage: "development", etag: '"1"' });
    }
    expect(numbers).toEqual([1, 2, 3]);
    expect((await models.getModel(core, "fraud")).latestVersion).toBe(3);
  });

  it("a parent version that does not exist is refused, naming the input field", async () => {
    const core = await withModel();
    const refused = createFraudVersion(core, { artifacts: [artifact()], lineage: { parentVersion: 4 } });
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toMatchObject({
      scope: "input",
      issues: [
        {
          field: "lineage.parentVersion",
          message: expect.stringContaining("latest version of 'fraud' is 0"),
        },
      ],
    });
  });

  it("a READY version keeps metrics, params, lineage and signature but its description and card stay editable", async () => {
    const core = await withModel();
    await createFraudVersion(core, { artifacts: [artifact()], metrics: { auc: 0.9 } });
    await markReady(core, 1);
    await expect(
      versions.updateVersion(core, "fraud", 1, { metrics: { auc: 0.99 }, params: { a: "b" } }, publisher),
    ).rejects.toEqual(new VersionFrozenError("fraud", 1, ["metrics", "params"]));
    const edited = await versions.updateVersion(
      core,
      "fraud",
      1,
      { description: "d", modelCard: "# c" },
      publisher,
    );
    expect(edited).toMatchObject({ status: "READY", description: "d", metrics: { auc: 0.9 }, etag: '"2"' });
  });

  it("a version edit is recorded in the model's history without touching the model's ETag", async () => {
    const core = await withModel();
    await createFraudVersion(core, { artifacts: [artifact()] });
    await versions.updateVersion(core, "fraud", 1, { tags: { a: "b" } }, publisher);
    const model = await models.getModel(core, "fraud");
    expect(model.etag).toBe('"1"');
    const [entry] = (await models.listHistory(core, "fraud", { limit: 1 })).items;
    expect(entry).toMatchObject({ seq: 3, action: "VERSION_UPDATED", version: 1, to: { tags: { a: "b" } } });
  });

  it("a model card as large as the item allows can be replaced by another one (history keeps digests, not copies)", async () => {
    const core = await withModel();
    await createFraudVersion(core, { artifacts: [artifact()] });
    const card = (c: string) => c.repeat(100_000);
    await versions.updateVersion(core, "fraud", 1, { modelCard: card("a") }, publisher);
    await versions.updateVersion(core, "fraud", 1, { modelCard: card("b") }, publisher);
    expect((await versions.getVersion(core, "fraud", 1)).modelCard).toBe(card("b"));
    const [entry] = (await models.listHistory(core, "fraud", { limit: 1 })).items;
    expect(entry?.from).toEqual({
      modelCard: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/), length: 100_000 },
    });
    expect(entry?.to).toEqual({
      modelCard: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/), length: 100_000 },
    });
  });

  it("lists versions newest first, filtered by stage or status", async () => {
    const core = await withModel();
    for (let i = 0; i < 3; i++) await createFraudVersion(core, { artifacts: [artifact()] });
    await markReady(core, 2);
    const all = await versions.listVersions(core, "fraud", { limit: 2 });
    expect(all.items.map((v) => v.version)).toEqual([3, 2]);
    const rest = await versions.listVersions(core, "fraud", { limit: 2, nextToken: all.nextToken as string });
    expect(rest.items.map((v) => v.version)).toEqual([1]);
    const ready = await versions.listVersions(core, "fraud", { status: "READY", limit: 10 });
    expect(ready.items.map((v) => v.version)).toEqual([2]);
    await expect(versions.listVersions(core, "ghost", { limit: 10 })).rejects.toThrow(
      "model 'ghost' does not exist",
    );
  });

  it("compares two versions, and names the missing one", async () => {
    const core = await withModel();
    await createFraudVersion(core, { artifacts: [artifact()], metrics: { auc: 0.5 } });
    await createFraudVersion(core, { artifacts: [artifact()], metrics: { auc: 0.75, constructor: 1 } });
    const comparison = await versions.compareVersions(core, "fraud", 1, 2);
    expect(comparison.metrics).toEqual({
      auc: { base: 0.5, other: 0.75, delta: 0.25 },
      constructor: { base: null, other: 1, delta: null },
    });
    await expect(versions.compareVersions(core, "fraud", 1, 9)).rejects.toEqual(
      new VersionNotFoundError("fraud", 9),
    );
  });
});
