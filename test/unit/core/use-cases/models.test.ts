import { describe, expect, it } from "vitest";
import {
  ConcurrentModificationError,
  ModelAlreadyExistsError,
  ModelNotFoundError,
  ModelProtectedError,
  PreconditionFailedError,
} from "#core/errors.ts";
import * as models from "#core/use-cases/models.ts";
import * as versions from "#core/use-cases/versions.ts";
import { artifact, failing, publisher, racing, testCore } from "./fixture.ts";

const listAll = async (core: ReturnType<typeof testCore>, name: string) =>
  (await models.listHistory(core, name, { limit: 100 })).items;

describe("models", () => {
  it("registering a model records who and when, and writes history entry 1", async () => {
    const core = testCore();
    const { value, replayed } = await models.createModel(
      core,
      { name: "fraud", tags: { team: "risk" } },
      publisher,
    );
    expect(replayed).toBe(false);
    expect(value).toMatchObject({ name: "fraud", latestVersion: 0, createdBy: publisher.actor, etag: '"1"' });
    const history = await listAll(core, "fraud");
    expect(history).toEqual([
      expect.objectContaining({
        seq: 1,
        action: "MODEL_REGISTERED",
        actor: publisher.actor,
        requestId: "req-1",
      }),
    ]);
  });

  it("a taken name is refused with ModelAlreadyExists", async () => {
    const core = testCore();
    await models.createModel(core, { name: "fraud" }, publisher);
    await expect(models.createModel(core, { name: "fraud" }, publisher)).rejects.toBeInstanceOf(
      ModelAlreadyExistsError,
    );
  });

  it("a re-created name continues the old version numbering and history", async () => {
    const core = testCore();
    await models.createModel(core, { name: "fraud" }, publisher);
    await versions.createVersion(core, "fraud", { artifacts: [artifact()] }, publisher);
    await models.deleteModel(core, "fraud", publisher);
    await expect(models.getModel(core, "fraud")).rejects.toBeInstanceOf(ModelNotFoundError);
    await models.createModel(core, { name: "fraud" }, publisher);
    const created = await versions.createVersion(core, "fraud", { artifacts: [artifact()] }, publisher);
    expect(created.value.version).toBe(2);
    // The old versions were purged with the delete.
    await expect(versions.getVersion(core, "fraud", 1)).rejects.toThrow("has no version 1");
    expect((await listAll(core, "fraud")).map((h) => h.seq)).toEqual([5, 4, 3, 2, 1]);
  });

  it("an edit bumps the ETag and records old and new values of the changed fields only", async () => {
    const core = testCore();
    await models.createModel(core, { name: "fraud", description: "old", owner: "risk" }, publisher);
    const updated = await models.updateModel(core, "fraud", { description: "new", owner: "risk" }, publisher);
    expect(updated).toMatchObject({ description: "new", etag: '"2"' });
    const [entry] = await listAll(core, "fraud");
    expect(entry).toMatchObject({
      action: "MODEL_UPDATED",
      from: { description: "old" },
      to: { description: "new" },
      details: { fields: ["description"] },
    });
  });

  it("an edit with a stale If-Match is refused with PreconditionFailed and changes nothing", async () => {
    const core = testCore();
    await models.createModel(core, { name: "fraud" }, publisher);
    await models.updateModel(core, "fraud", { description: "one" }, publisher);
    await expect(
      models.updateModel(core, "fraud", { description: "two" }, { ...publisher, ifMatch: '"1"' }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await models.getModel(core, "fraud")).description).toBe("one");
  });

  it("an edit whose model changed under it (another edit won the race) is a 409, never a blind overwrite", async () => {
    const core = testCore();
    await models.createModel(core, { name: "fraud" }, publisher);
    // The first commit loses to an edit that lands between this edit's read and its write.
    const raced = racing(core, async () => {
      await models.updateModel(core, "fraud", { description: "theirs" }, publisher);
    });
    await expect(
      models.updateModel(raced, "fraud", { description: "mine" }, publisher),
    ).rejects.toBeInstanceOf(ConcurrentModificationError);
    expect((await models.getModel(core, "fraud")).description).toBe("theirs");
  });

  it("a model with a version in production or with aliases cannot be deleted", async () => {
    const core = testCore();
    await models.createModel(core, { name: "fraud" }, publisher);
    const model = await core.store.getModel("fraud");
    if (!model) throw new Error("model missing");
    await core.store.commit([
      {
        kind: "putModel",
        record: { ...model, stages: { production: 1 }, seq: model.seq },
        expectSeq: model.seq,
      },
    ]);
    await expect(models.deleteModel(core, "fraud", publisher)).rejects.toThrow(
      /version 1 in production: archive it \(or promote another version to production\) before deleting/,
    );
    await core.store.commit([
      { kind: "putModel", record: { ...model, aliases: { champion: 1 } }, expectSeq: model.seq },
    ]);
    const refused = models.deleteModel(core, "fraud", publisher);
    await expect(refused).rejects.toBeInstanceOf(ModelProtectedError);
    await expect(refused).rejects.toThrow("champion → 1");
  });

  it("a failed purge after a delete is logged, not turned into an error: the delete stands", async () => {
    const core = testCore();
    await models.createModel(core, { name: "fraud" }, publisher);
    const throttled = failing(core, "purgeVersions", new Error("throttled"));
    await models.deleteModel(throttled, "fraud", publisher);
    await expect(models.getModel(core, "fraud")).rejects.toBeInstanceOf(ModelNotFoundError);
    expect(core.errors).toEqual([
      expect.objectContaining({ extra: expect.objectContaining({ model: "fraud", error: "throttled" }) }),
    ]);
  });

  it("history outlives a deleted model, and only a never-used name has none", async () => {
    const core = testCore();
    await models.createModel(core, { name: "fraud" }, publisher);
    await models.deleteModel(core, "fraud", publisher);
    expect((await listAll(core, "fraud")).map((h) => h.action)).toEqual([
      "MODEL_DELETED",
      "MODEL_REGISTERED",
    ]);
    await expect(models.listHistory(core, "never", { limit: 10 })).rejects.toBeInstanceOf(ModelNotFoundError);
  });

  it("lists models by prefix, owner and tag, a page at a time", async () => {
    const core = testCore();
    for (const name of ["a1", "a2", "a3", "b1"]) {
      await models.createModel(
        core,
        { name, owner: name.startsWith("a") ? "x" : "y", tags: { n: name } },
        publisher,
      );
    }
    const first = await models.listModels(core, { prefix: "a", limit: 2 });
    expect(first.items.map((m) => m.name)).toEqual(["a1", "a2"]);
    const second = await models.listModels(core, {
      prefix: "a",
      limit: 2,
      nextToken: first.nextToken as string,
    });
    expect(second).toEqual({ items: [expect.objectContaining({ name: "a3" })] });
    expect((await models.listModels(core, { owner: "y", limit: 10 })).items.map((m) => m.name)).toEqual([
      "b1",
    ]);
    expect((await models.listModels(core, { tag: "n=a2", limit: 10 })).items.map((m) => m.name)).toEqual([
      "a2",
    ]);
  });
});
