import { describe, expect, it } from "vitest";
import { AliasNotFoundError, VersionNotFoundError, VersionNotReadyError } from "#core/errors.ts";
import * as aliases from "#core/use-cases/aliases.ts";
import * as models from "#core/use-cases/models.ts";
import * as versions from "#core/use-cases/versions.ts";
import { artifact, makeReady, publisher, testCore } from "./fixture.ts";

async function withVersions(count: number) {
  const core = testCore();
  await models.createModel(core, { name: "fraud" }, publisher);
  for (let i = 0; i < count; i++) {
    const { value } = await versions.createVersion(core, "fraud", { artifacts: [artifact()] }, publisher);
    await makeReady(core, "fraud", value.version);
  }
  return core;
}

describe("aliases", () => {
  it("moving an alias takes it off the old version and puts it on the new one in one change", async () => {
    const core = await withVersions(2);
    await aliases.setAlias(core, "fraud", "champion", 1, publisher);
    await aliases.setAlias(core, "fraud", "champion", 2, publisher);
    expect((await versions.getVersion(core, "fraud", 1)).aliases).toEqual([]);
    expect((await versions.getVersion(core, "fraud", 2)).aliases).toEqual(["champion"]);
    expect((await models.getModel(core, "fraud")).aliases).toEqual({ champion: 2 });
    const [moved] = (await models.listHistory(core, "fraud", { limit: 1 })).items;
    expect(moved).toMatchObject({ action: "ALIAS_SET", from: 1, to: 2, details: { alias: "champion" } });
  });

  it("pointing an alias where it already points changes nothing and writes no history", async () => {
    const core = await withVersions(1);
    await aliases.setAlias(core, "fraud", "champion", 1, publisher);
    await aliases.setAlias(core, "fraud", "champion", 1, publisher);
    // registered, created, ready, alias set: the second set writes nothing
    expect((await models.listHistory(core, "fraud", { limit: 10 })).items).toHaveLength(4);
  });

  it("an alias cannot point at a version that does not exist", async () => {
    const core = await withVersions(1);
    await expect(aliases.setAlias(core, "fraud", "champion", 7, publisher)).rejects.toEqual(
      new VersionNotFoundError("fraud", 7),
    );
  });

  it("an alias points only at a READY version: a version still waiting for its upload is refused", async () => {
    const core = testCore();
    await models.createModel(core, { name: "fraud" }, publisher);
    await versions.createVersion(core, "fraud", { artifacts: [artifact()] }, publisher);
    await expect(aliases.setAlias(core, "fraud", "champion", 1, publisher)).rejects.toBeInstanceOf(
      VersionNotReadyError,
    );
    await expect(aliases.setAlias(core, "fraud", "champion", 1, publisher)).rejects.toThrow(
      "version 1 of 'fraud' is PENDING_UPLOAD, not READY: only READY versions can carry an alias",
    );
    expect((await models.getModel(core, "fraud")).aliases).toEqual({});
  });

  it("aliases named after Object members are ordinary names: set, resolved and deleted", async () => {
    const core = await withVersions(1);
    for (const name of ["toString", "valueOf", "constructor", "hasOwnProperty"]) {
      await expect(aliases.getAlias(core, "fraud", name)).rejects.toEqual(
        new AliasNotFoundError("fraud", name),
      );
      await expect(aliases.deleteAlias(core, "fraud", name, publisher)).rejects.toBeInstanceOf(
        AliasNotFoundError,
      );
      await aliases.setAlias(core, "fraud", name, 1, publisher);
      expect(await aliases.getAlias(core, "fraud", name)).toMatchObject({ alias: name, version: 1 });
      await aliases.deleteAlias(core, "fraud", name, publisher);
    }
    expect((await models.getModel(core, "fraud")).aliases).toEqual({});
  });
});
