/**
 * Use cases of aliases (named, movable pointers to versions): one exported function per
 * operationId of the route table's `aliases` group.
 */
import { AliasNotFoundError, VersionNotFoundError, VersionNotReadyError } from "../errors.ts";
import type { RequestContext } from "../kernel/context.ts";
import type { CoreDeps } from "../kernel/deps.ts";
import { changeModel } from "../kernel/model-change.ts";
import { nowIso, ownValue, requireModel, requireVersion } from "../kernel/reads.ts";
import { mutate } from "../kernel/unit-of-work.ts";
import type { WriteOp } from "../ports.ts";
import { toVersionView } from "../records.ts";
import type { Alias, ModelVersion } from "../schemas.ts";

export async function setAlias(
  deps: CoreDeps,
  name: string,
  alias: string,
  number: number,
  ctx: RequestContext,
): Promise<Alias> {
  return mutate(deps, `model '${name}'`, async () => {
    const [model, version] = await Promise.all([
      requireModel(deps, name),
      deps.store.getVersion(name, number),
    ]);
    if (!version) throw new VersionNotFoundError(name, number);
    // Deploy tooling resolves an alias and downloads: only sealed bytes may be behind one.
    if (version.status !== "READY") {
      throw new VersionNotReadyError(name, number, version.status, "only READY versions can carry an alias");
    }
    const previous = ownValue(model.aliases, alias);
    const result = { model: name, alias, version: number };
    if (previous === number) return { writes: [], result };
    const change = changeModel(
      model,
      ctx,
      nowIso(deps),
      { action: "ALIAS_SET", version: number, from: previous ?? null, to: number, details: { alias } },
      { set: { aliases: { ...model.aliases, [alias]: number } } },
    );
    const writes: WriteOp[] = [
      ...change.writes,
      { kind: "tagVersionAlias", model: name, version: number, alias, action: "add" },
    ];
    if (previous !== undefined) {
      writes.push({ kind: "tagVersionAlias", model: name, version: previous, alias, action: "remove" });
    }
    return { writes, result };
  });
}

export async function getAlias(
  deps: CoreDeps,
  name: string,
  alias: string,
): Promise<Alias & { modelVersion: ModelVersion }> {
  const model = await requireModel(deps, name);
  const number = ownValue(model.aliases, alias);
  if (number === undefined) throw new AliasNotFoundError(name, alias);
  const version = await requireVersion(deps, name, number);
  return { model: name, alias, version: number, modelVersion: toVersionView(version) };
}

export async function deleteAlias(
  deps: CoreDeps,
  name: string,
  alias: string,
  ctx: RequestContext,
): Promise<void> {
  await mutate(deps, `model '${name}'`, async () => {
    const model = await requireModel(deps, name);
    const number = ownValue(model.aliases, alias);
    if (number === undefined) throw new AliasNotFoundError(name, alias);
    const { [alias]: _removed, ...aliases } = model.aliases;
    const change = changeModel(
      model,
      ctx,
      nowIso(deps),
      { action: "ALIAS_DELETED", version: number, from: number, to: null, details: { alias } },
      { set: { aliases } },
    );
    return {
      writes: [
        ...change.writes,
        { kind: "tagVersionAlias", model: name, version: number, alias, action: "remove" },
      ],
      result: undefined,
    };
  });
}
