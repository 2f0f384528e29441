/**
 * Use cases of the model aggregate: one exported function per operationId of the route
 * table's `models` group.
 */

import {
  ConcurrentModificationError,
  ModelAlreadyExistsError,
  ModelNotFoundError,
  ModelProtectedError,
} from "../errors.ts";
import type { Outcome, RequestContext } from "../kernel/context.ts";
import type { CoreDeps } from "../kernel/deps.ts";
import { changeModel, diff, historyWrite } from "../kernel/model-change.ts";
import { checkIfMatch, nowIso, requireModel } from "../kernel/reads.ts";
import { mutate, mutateIdempotently } from "../kernel/unit-of-work.ts";
import { type PolicyValue, policyDigest, stricterPolicy, weakenings } from "../lifecycle/policy.ts";
import type { Page } from "../ports.ts";
import { type ModelRecord, toHistoryView, toModelPolicyView, toModelView } from "../records.ts";
import type {
  CreateModelInput,
  HistoryEntry,
  ListModelsQuery,
  Model,
  ModelPolicy,
  PageQuery,
  UpdateModelInput,
} from "../schemas.ts";

export async function createModel(
  deps: CoreDeps,
  input: CreateModelInput,
  ctx: RequestContext,
): Promise<Outcome<Model>> {
  return mutateIdempotently(deps, ctx, `model '${input.name}'`, async (attempt) => {
    // The first attempt assumes the name is free (one round trip); a lost race reads.
    const existing = attempt === 1 ? undefined : await deps.store.getModel(input.name);
    if (existing && !existing.deletedAt) throw new ModelAlreadyExistsError(input.name);
    // A re-created name starts clean: versions left by an unfinished purge go first.
    if (existing) await deps.store.purgeVersions(input.name);
    const now = nowIso(deps);
    const model: ModelRecord = {
      name: input.name,
      ...(input.description !== undefined && { description: input.description }),
      ...(input.owner !== undefined && { owner: input.owner }),
      tags: input.tags ?? {},
      // A policy given at creation can only add to the floor (checks use the stricter of the two).
      // A re-created name keeps the rules its governors set: the publisher who registers it again
      // can tighten them, never loosen them (docs/governance.md).
      policy: existing ? stricterPolicy(existing.policy, input.policy ?? {}) : (input.policy ?? {}),
      // A re-created name continues the old numbering: `name:version` never means two things.
      latestVersion: existing?.latestVersion ?? 0,
      stages: {},
      aliases: {},
      createdAt: now,
      createdBy: ctx.actor,
      updatedAt: now,
      updatedBy: ctx.actor,
      rev: (existing?.rev ?? 0) + 1,
      seq: (existing?.seq ?? 0) + 1,
    };
    return {
      writes: [
        { kind: "putModel", record: model, expectSeq: existing ? existing.seq : null },
        historyWrite(model, ctx, now, {
          action: "MODEL_REGISTERED",
          details: { owner: model.owner ?? null, tags: model.tags, ...(existing && { recreated: true }) },
        }),
      ],
      result: toModelView(model),
    };
  });
}

export async function getModel(deps: CoreDeps, name: string): Promise<Model> {
  return toModelView(await requireModel(deps, name));
}

export async function listModels(deps: CoreDeps, query: ListModelsQuery): Promise<Page<Model>> {
  const tag = query.tag ? splitTag(query.tag) : undefined;
  const page = await deps.store.listModels({
    ...(query.prefix !== undefined && { prefix: query.prefix }),
    ...(tag && { tag }),
    ...(query.owner !== undefined && { owner: query.owner }),
    limit: query.limit,
    ...(query.nextToken !== undefined && { nextToken: query.nextToken }),
  });
  return { ...page, items: page.items.map(toModelView) };
}

export async function updateModel(
  deps: CoreDeps,
  name: string,
  input: UpdateModelInput,
  ctx: RequestContext,
): Promise<Model> {
  let firstRev: number | undefined;
  return mutate(deps, `model '${name}'`, async () => {
    const model = await requireModel(deps, name);
    checkIfMatch(`model '${name}'`, ctx.ifMatch, model.rev);
    // An edit decided against one revision never lands on another: a lost race to an edit is a 409.
    firstRev ??= model.rev;
    if (model.rev !== firstRev) throw new ConcurrentModificationError(`model '${name}'`);
    // Only the fields a PATCH may change, whatever else a caller managed to put in `input`: the
    // policy has its own route, which IAM keeps from the publisher.
    const edit = {
      ...(input.description !== undefined && { description: input.description }),
      ...(input.owner !== undefined && { owner: input.owner }),
      ...(input.tags !== undefined && { tags: input.tags }),
    };
    const changes = diff(model, edit);
    const change = changeModel(
      model,
      ctx,
      nowIso(deps),
      {
        action: "MODEL_UPDATED",
        from: changes.from,
        to: changes.to,
        details: { fields: Object.keys(changes.to) },
      },
      { set: edit, bumpRev: true },
    );
    return { writes: change.writes, result: toModelView(change.model) };
  });
}

/** The model's policy, the organisation's floor, and the effective policy with its digest. */
export async function getModelPolicy(deps: CoreDeps, name: string): Promise<ModelPolicy> {
  return toModelPolicyView(await requireModel(deps, name), deps.governance.policyFloor);
}

/**
 * Replaces the model's policy (`PUT /models/{model}/policy`: governors and admins; never the
 * publisher, whose promotions it governs). The history entry names the digests of the effective
 * policy before and after, and every way the new policy is weaker than the old.
 */
export async function setModelPolicy(
  deps: CoreDeps,
  name: string,
  policy: PolicyValue,
  ctx: RequestContext,
): Promise<ModelPolicy> {
  let firstRev: number | undefined;
  const floor = deps.governance.policyFloor;
  return mutate(deps, `model '${name}'`, async () => {
    const model = await requireModel(deps, name);
    checkIfMatch(`model '${name}'`, ctx.ifMatch, model.rev);
    firstRev ??= model.rev;
    if (model.rev !== firstRev) throw new ConcurrentModificationError(`model '${name}'`);
    const changes = diff(model, { policy });
    const weakened = weakenings(model.policy, policy);
    const change = changeModel(
      model,
      ctx,
      nowIso(deps),
      {
        action: "MODEL_UPDATED",
        from: changes.from,
        to: changes.to,
        details: {
          fields: Object.keys(changes.to),
          policy: {
            from: policyDigest(stricterPolicy(floor, model.policy)),
            to: policyDigest(stricterPolicy(floor, policy)),
            weakened,
          },
        },
      },
      { set: { policy }, bumpRev: true },
    );
    return { writes: change.writes, result: toModelPolicyView(change.model, floor) };
  });
}

export async function deleteModel(deps: CoreDeps, name: string, ctx: RequestContext): Promise<void> {
  await mutate(deps, `model '${name}'`, async () => {
    const model = await deps.store.getModel(name);
    // Deleting again finishes a purge that an earlier delete could not complete.
    if (model?.deletedAt) await deps.store.purgeVersions(name);
    if (!model || model.deletedAt) throw new ModelNotFoundError(name);
    checkIfMatch(`model '${name}'`, ctx.ifMatch, model.rev);
    const inProduction = model.stages.production;
    if (inProduction !== undefined) {
      throw new ModelProtectedError(
        `model '${name}' has version ${inProduction} in production: archive it (or promote another version to production) before deleting`,
      );
    }
    const open = Object.values(model.openTransitions ?? {});
    if (open.length > 0) {
      throw new ModelProtectedError(
        `model '${name}' has open transition requests (${open.join(", ")}): cancel them (or let them end) before deleting`,
      );
    }
    const aliases = Object.entries(model.aliases);
    if (aliases.length > 0) {
      const list = aliases.map(([alias, v]) => `${alias} → ${v}`).join(", ");
      throw new ModelProtectedError(
        `model '${name}' still has aliases (${list}): delete them before deleting the model`,
      );
    }
    const now = nowIso(deps);
    const change = changeModel(
      model,
      ctx,
      now,
      { action: "MODEL_DELETED", details: { latestVersion: model.latestVersion } },
      { set: { stages: {}, aliases: {}, deletedAt: now, deletedBy: ctx.actor }, bumpRev: true },
    );
    return { writes: change.writes, result: undefined };
  });
  // The model is gone the moment the tombstone commits; its version items are garbage from then
  // on. A purge that fails does not undo the delete: repeating DELETE, or re-creating the name,
  // finishes it.
  try {
    await deps.store.purgeVersions(name);
  } catch (error) {
    deps.logger.error("model deleted, but purging its versions failed: repeat DELETE to finish", {
      model: name,
      requestId: ctx.requestId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

export async function listHistory(
  deps: CoreDeps,
  name: string,
  query: PageQuery,
): Promise<Page<HistoryEntry>> {
  const page = await deps.store.listHistory(name, {
    limit: query.limit,
    ...(query.nextToken !== undefined && { nextToken: query.nextToken }),
  });
  // History outlives a deleted model (it is the audit trail); only a name never used is unknown.
  if (page.items.length === 0 && query.nextToken === undefined) throw new ModelNotFoundError(name);
  return { ...page, items: page.items.map(toHistoryView) };
}

function splitTag(tag: string): { key: string; value: string } {
  const at = tag.indexOf("=");
  return { key: tag.slice(0, at), value: tag.slice(at + 1) };
}
