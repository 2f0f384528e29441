/**
 * The reads most use cases start with, and the checks that follow them.
 */
import { ModelNotFoundError, PreconditionFailedError, VersionNotFoundError } from "../errors.ts";
import { etagOf, ifMatchSatisfied, type ModelRecord, type VersionRecord } from "../records.ts";
import type { CoreDeps } from "./deps.ts";

/** The live model, or ModelNotFound (a tombstone is a model that does not exist). */
export async function requireModel(deps: CoreDeps, name: string): Promise<ModelRecord> {
  const model = await deps.store.getModel(name);
  if (!model || model.deletedAt) throw new ModelNotFoundError(name);
  return model;
}

/** The version, or VersionNotFound; ModelNotFound when the model itself is missing. */
export async function requireVersion(deps: CoreDeps, name: string, number: number): Promise<VersionRecord> {
  const version = await deps.store.getVersion(name, number);
  if (version) return version;
  await requireModel(deps, name);
  throw new VersionNotFoundError(name, number);
}

/** Throws PreconditionFailed when the caller's `If-Match` no longer matches `rev`. */
export function checkIfMatch(what: string, ifMatch: string | undefined, rev: number): void {
  if (ifMatch !== undefined && !ifMatchSatisfied(ifMatch, rev)) {
    throw new PreconditionFailedError(what, ifMatch, etagOf(rev));
  }
}

/**
 * A map lookup that sees only keys the user set: `aliases["toString"]` must not find
 * `Object.prototype.toString`.
 */
export function ownValue<V>(map: Record<string, V>, key: string): V | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

export const nowIso = (deps: CoreDeps): string => deps.clock.now().toISOString();
