/**
 * Use cases of the version aggregate: one exported function per operationId of the route
 * table's `versions` group.
 */
import type * as z from "zod/mini";
import { planUploads } from "../artifacts/uploads.ts";
import { compareVersions as compare } from "../compare.ts";
import {
  ConcurrentModificationError,
  ValidationError,
  VersionAbandonedError,
  VersionFrozenError,
  VersionNotFoundError,
} from "../errors.ts";
import type { Outcome, RequestContext } from "../kernel/context.ts";
import type { CoreDeps } from "../kernel/deps.ts";
import { changeModel, changeVersion, diff } from "../kernel/model-change.ts";
import { checkIfMatch, nowIso, requireModel, requireVersion } from "../kernel/reads.ts";
import { mutate, mutateIdempotently } from "../kernel/unit-of-work.ts";
import { frozenEvidence } from "../lifecycle/evidence.ts";
import type { Page } from "../ports.ts";
import { toVersionView, type VersionRecord } from "../records.ts";
import type {
  CreatedVersion,
  CreateVersionInput,
  ListVersionsQuery,
  ModelVersion,
  UpdateVersionInput,
  VersionComparison,
} from "../schemas.ts";

/** What a READY (sealed) version can no longer change: it describes the bytes that were sealed. */
const FROZEN_WHEN_READY = ["metrics", "params", "lineage", "signature", "framework", "format"] as const;

export async function createVersion(
  deps: CoreDeps,
  name: string,
  input: CreateVersionInput,
  ctx: RequestContext,
): Promise<Outcome<z.infer<typeof CreatedVersion>>> {
  return mutateIdempotently(deps, ctx, `model '${name}'`, async () => {
    const model = await requireModel(deps, name);
    const parent = input.lineage?.parentVersion;
    if (parent !== undefined && parent > model.latestVersion) {
      throw ValidationError.inInput(
        "lineage.parentVersion",
        `version ${parent} does not exist (the latest version of '${name}' is ${model.latestVersion})`,
      );
    }
    const number = model.latestVersion + 1;
    const now = nowIso(deps);
    const version: VersionRecord = {
      model: name,
      version: number,
      ...(input.semver !== undefined && { semver: input.semver }),
      status: "PENDING_UPLOAD",
      stage: "development",
      ...(input.description !== undefined && { description: input.description }),
      metrics: input.metrics ?? {},
      params: input.params ?? {},
      tags: input.tags ?? {},
      ...(input.lineage !== undefined && { lineage: input.lineage }),
      ...(input.signature !== undefined && { signature: input.signature }),
      ...(input.framework !== undefined && { framework: input.framework }),
      ...(input.format !== undefined && { format: input.format }),
      artifacts: input.artifacts,
      aliases: [],
      createdAt: now,
      createdBy: ctx.actor,
      updatedAt: now,
      updatedBy: ctx.actor,
      rev: 1,
    };
    const change = changeModel(
      model,
      ctx,
      now,
      {
        action: "VERSION_CREATED",
        version: number,
        details: { status: version.status, artifacts: version.artifacts.length },
      },
      { set: { latestVersion: number } },
    );
    // Multipart uploads are started here, before the commit: after a lost race this attempt's
    // uploads are never used, and the bucket's lifecycle rule (`lib/artifact-bucket.ts`, abort
    // incomplete multipart uploads after 7 days) removes them.
    const planned = await planUploads(deps, name, number, version.artifacts);
    const record: VersionRecord = { ...version, artifacts: planned.artifacts };
    return {
      writes: [...change.writes, { kind: "putVersion", record, expectRev: null }],
      result: { ...toVersionView(record), uploads: planned.uploads },
    };
  });
}

export async function getVersion(deps: CoreDeps, name: string, number: number): Promise<ModelVersion> {
  return toVersionView(await requireVersion(deps, name, number));
}

export async function listVersions(
  deps: CoreDeps,
  name: string,
  query: ListVersionsQuery,
): Promise<Page<ModelVersion>> {
  const page = await deps.store.listVersions(name, {
    ...(query.stage !== undefined && { stage: query.stage }),
    ...(query.status !== undefined && { status: query.status }),
    limit: query.limit,
    ...(query.nextToken !== undefined && { nextToken: query.nextToken }),
  });
  // An empty first page is the only case that needs a second read: "no versions" or "no model"?
  if (page.items.length === 0 && query.nextToken === undefined) await requireModel(deps, name);
  return { ...page, items: page.items.map(toVersionView) };
}

export async function updateVersion(
  deps: CoreDeps,
  name: string,
  number: number,
  input: UpdateVersionInput,
  ctx: RequestContext,
): Promise<ModelVersion> {
  const what = `version ${number} of '${name}'`;
  let firstRev: number | undefined;
  return mutate(deps, what, async () => {
    const [model, version] = await Promise.all([
      requireModel(deps, name),
      deps.store.getVersion(name, number),
    ]);
    if (!version) throw new VersionNotFoundError(name, number);
    checkIfMatch(what, ctx.ifMatch, version.rev);
    firstRev ??= version.rev;
    if (version.rev !== firstRev) throw new ConcurrentModificationError(what);
    if (version.status === "ABANDONED") throw new VersionAbandonedError(name, number);
    if (version.status === "READY") {
      const frozen = FROZEN_WHEN_READY.filter((field) => input[field] !== undefined);
      if (frozen.length > 0) throw new VersionFrozenError(name, number, frozen);
    }
    const evidence = frozenEvidence(model, version, input);
    if (evidence) throw new VersionFrozenError(name, number, evidence.fields, evidence.why);
    const now = nowIso(deps);
    const changes = diff(version, input);
    const edit = changeVersion(version, ctx, now, input);
    // The version's edit is recorded in the model's history; the model itself is not edited.
    const change = changeModel(
      model,
      ctx,
      now,
      {
        action: "VERSION_UPDATED",
        version: number,
        from: changes.from,
        to: changes.to,
        details: { fields: Object.keys(changes.to) },
      },
      { stamp: false },
    );
    return {
      writes: [...change.writes, edit.write],
      result: toVersionView(edit.version),
    };
  });
}

export async function compareVersions(
  deps: CoreDeps,
  name: string,
  base: number,
  other: number,
): Promise<VersionComparison> {
  const found = await deps.store.getVersions(name, [...new Set([base, other])]);
  const a = found.find((v) => v.version === base);
  const b = found.find((v) => v.version === other);
  if (!a || !b) {
    await requireModel(deps, name);
    throw new VersionNotFoundError(name, a ? other : base);
  }
  return compare(a, b);
}
