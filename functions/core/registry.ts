/**
 * The registry's use cases. Every mutation reads what it needs, decides, and commits one
 * all-or-nothing list of writes that includes its history entry (the outbox) and, when the
 * caller sent an Idempotency-Key, the stored response. Lost races are retried from a fresh
 * read, so version numbers stay consecutive and history sequence numbers gapless.
 */
import { createHash } from "node:crypto";
import type { z } from "zod";
import { compareVersions } from "./compare.ts";
import {
  AliasNotFoundError,
  ConcurrentModificationError,
  IdempotencyKeyReusedError,
  ModelAlreadyExistsError,
  ModelNotFoundError,
  ModelProtectedError,
  PreconditionFailedError,
  ValidationError,
  VersionFrozenError,
  VersionNotFoundError,
} from "./errors.ts";
import type { Outcome, RequestContext } from "./kernel/context.ts";
import {
  type ArtifactUploads,
  type Clock,
  type IdempotencyRecord,
  type Page,
  type RegistryStore,
  WriteConflict,
  type WriteOp,
} from "./ports.ts";
import {
  etagOf,
  type HistoryRecord,
  ifMatchSatisfied,
  type ModelRecord,
  toHistoryView,
  toModelView,
  toVersionView,
  type VersionRecord,
} from "./records.ts";
import type {
  CreatedVersion,
  CreateModelInput,
  CreateVersionInput,
  HistoryEntry,
  ListModelsQuery,
  ListVersionsQuery,
  Model,
  ModelVersion,
  PageQuery,
  UpdateModelInput,
  UpdateVersionInput,
  VersionComparison,
} from "./schemas.ts";

export type { Outcome, RequestContext };

export interface RetryPolicy {
  attempts: number;
  /** Upper bound of the random back-off before attempt `n` (1-based), in milliseconds. */
  backoffMs(attempt: number): number;
}

export interface RegistryDeps {
  store: RegistryStore;
  uploads: ArtifactUploads;
  clock?: Clock;
  retry?: RetryPolicy;
}

/** How long a stored response answers retries with the same Idempotency-Key. */
const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

const defaultRetry: RetryPolicy = {
  attempts: 80,
  backoffMs: (attempt) => Math.min(100, 4 * 1.5 ** Math.min(attempt, 12)),
};

const FROZEN_WHEN_READY = ["metrics", "params", "lineage", "signature", "framework", "format"] as const;

type AliasView = { model: string; alias: string; version: number };

/** Signals that another request with the same Idempotency-Key committed first. */
class IdempotencyRace extends Error {}

export class Registry {
  private readonly store: RegistryStore;
  private readonly uploads: ArtifactUploads;
  private readonly clock: Clock;
  private readonly retry: RetryPolicy;

  constructor(deps: RegistryDeps) {
    this.store = deps.store;
    this.uploads = deps.uploads;
    this.clock = deps.clock ?? { now: () => new Date() };
    this.retry = deps.retry ?? defaultRetry;
  }

  // -------------------------------------------------------------------------------------------
  // Models

  async createModel(input: CreateModelInput, ctx: RequestContext): Promise<Outcome<Model>> {
    return this.idempotent(ctx, 201, (claim) =>
      this.mutate(`model '${input.name}'`, async (attempt) => {
        // First attempt assumes the name is free (one round trip); a lost race re-reads.
        const existing = attempt === 1 ? undefined : await this.store.getModel(input.name);
        if (existing && !existing.deletedAt) throw new ModelAlreadyExistsError(input.name);
        if (existing) await this.store.purgeVersions(input.name);
        const now = this.now();
        const record: ModelRecord = {
          name: input.name,
          ...(input.description !== undefined && { description: input.description }),
          ...(input.owner !== undefined && { owner: input.owner }),
          tags: input.tags ?? {},
          policy: input.policy ?? {},
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
        const view = toModelView(record);
        return {
          ops: [
            { kind: "putModel", record, expectSeq: existing ? existing.seq : null },
            this.history(record, ctx, now, "MODEL_REGISTERED", {
              details: {
                owner: record.owner ?? null,
                tags: record.tags,
                ...(existing && { recreated: true }),
              },
            }),
            ...claim(view),
          ],
          result: view,
        };
      }),
    );
  }

  async getModel(name: string): Promise<Model> {
    return toModelView(await this.requireModel(name));
  }

  async listModels(query: ListModelsQuery): Promise<Page<Model>> {
    const tag = query.tag ? splitTag(query.tag) : undefined;
    const page = await this.store.listModels({
      ...(query.prefix !== undefined && { prefix: query.prefix }),
      ...(tag && { tag }),
      ...(query.owner !== undefined && { owner: query.owner }),
      limit: query.limit,
      ...(query.nextToken !== undefined && { nextToken: query.nextToken }),
    });
    return { ...page, items: page.items.map(toModelView) };
  }

  async updateModel(name: string, input: UpdateModelInput, ctx: RequestContext): Promise<Model> {
    let baseRev: number | undefined;
    return this.mutate(`model '${name}'`, async () => {
      const model = await this.requireModel(name);
      this.checkIfMatch(`model '${name}'`, ctx.ifMatch, model.rev);
      baseRev ??= model.rev;
      if (model.rev !== baseRev) throw new ConcurrentModificationError(`model '${name}'`);
      const now = this.now();
      const changes = diff(model, input);
      const record: ModelRecord = {
        ...model,
        ...input,
        updatedAt: now,
        updatedBy: ctx.actor,
        rev: model.rev + 1,
        seq: model.seq + 1,
      };
      return {
        ops: [
          { kind: "putModel", record, expectSeq: model.seq },
          this.history(record, ctx, now, "MODEL_UPDATED", {
            from: changes.from,
            to: changes.to,
            details: { fields: Object.keys(changes.to) },
          }),
        ],
        result: toModelView(record),
      };
    });
  }

  async deleteModel(name: string, ctx: RequestContext): Promise<void> {
    await this.mutate(`model '${name}'`, async () => {
      const model = await this.store.getModel(name);
      if (model?.deletedAt) {
        // Deleting again finishes a purge that an earlier delete could not complete.
        await this.store.purgeVersions(name);
      }
      if (!model || model.deletedAt) throw new ModelNotFoundError(name);
      this.checkIfMatch(`model '${name}'`, ctx.ifMatch, model.rev);
      const inProduction = model.stages.production;
      if (inProduction !== undefined) {
        throw new ModelProtectedError(
          `model '${name}' has version ${inProduction} in production: archive it (or promote another model) before deleting`,
        );
      }
      const aliases = Object.entries(model.aliases);
      if (aliases.length > 0) {
        const list = aliases.map(([alias, v]) => `${alias} → ${v}`).join(", ");
        throw new ModelProtectedError(
          `model '${name}' still has aliases (${list}): delete them before deleting the model`,
        );
      }
      const now = this.now();
      const tombstone: ModelRecord = {
        ...model,
        stages: {},
        aliases: {},
        updatedAt: now,
        updatedBy: ctx.actor,
        rev: model.rev + 1,
        seq: model.seq + 1,
        deletedAt: now,
        deletedBy: ctx.actor,
      };
      return {
        ops: [
          { kind: "putModel", record: tombstone, expectSeq: model.seq },
          this.history(tombstone, ctx, now, "MODEL_DELETED", {
            details: { latestVersion: model.latestVersion },
          }),
        ],
        result: undefined,
      };
    });
    // The model is gone the moment the tombstone commits; its version items are garbage from
    // then on. A purge that fails does not undo the delete: repeating DELETE, or re-creating the
    // name, finishes it.
    try {
      await this.store.purgeVersions(name);
    } catch (error) {
      console.error(
        JSON.stringify({
          level: "ERROR",
          message: "model deleted, but purging its versions failed: repeat DELETE to finish",
          model: name,
          requestId: ctx.requestId,
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    }
  }

  async listHistory(name: string, query: PageQuery): Promise<Page<HistoryEntry>> {
    const page = await this.store.listHistory(name, {
      limit: query.limit,
      ...(query.nextToken !== undefined && { nextToken: query.nextToken }),
    });
    // History outlives a deleted model (it is the audit trail); only a name never used is unknown.
    if (page.items.length === 0 && query.nextToken === undefined) throw new ModelNotFoundError(name);
    return { ...page, items: page.items.map(toHistoryView) };
  }

  // -------------------------------------------------------------------------------------------
  // Versions

  async createVersion(
    name: string,
    input: CreateVersionInput,
    ctx: RequestContext,
  ): Promise<Outcome<z.infer<typeof CreatedVersion>>> {
    return this.idempotent(ctx, 201, (claim) =>
      this.mutate(`model '${name}'`, async () => {
        const model = await this.requireModel(name);
        const parent = input.lineage?.parentVersion;
        if (parent !== undefined && parent > model.latestVersion) {
          throw ValidationError.field(
            "body.lineage.parentVersion",
            `version ${parent} does not exist (the latest version of '${name}' is ${model.latestVersion})`,
          );
        }
        const number = model.latestVersion + 1;
        const now = this.now();
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
        const updatedModel: ModelRecord = {
          ...model,
          latestVersion: number,
          updatedAt: now,
          updatedBy: ctx.actor,
          seq: model.seq + 1,
        };
        const uploads = await this.uploads.planUploads(name, number, version.artifacts);
        const view = { ...toVersionView(version), uploads };
        return {
          ops: [
            { kind: "putModel", record: updatedModel, expectSeq: model.seq },
            { kind: "putVersion", record: version, expectRev: null },
            this.history(updatedModel, ctx, now, "VERSION_CREATED", {
              version: number,
              details: { status: version.status, artifacts: version.artifacts.length },
            }),
            ...claim(view),
          ],
          result: view,
        };
      }),
    );
  }

  async getVersion(name: string, version: number): Promise<ModelVersion> {
    return toVersionView(await this.requireVersion(name, version));
  }

  async listVersions(name: string, query: ListVersionsQuery): Promise<Page<ModelVersion>> {
    const page = await this.store.listVersions(name, {
      ...(query.stage !== undefined && { stage: query.stage }),
      ...(query.status !== undefined && { status: query.status }),
      limit: query.limit,
      ...(query.nextToken !== undefined && { nextToken: query.nextToken }),
    });
    // An empty first page is the only case that needs a second read: "no versions" or "no model"?
    if (page.items.length === 0 && query.nextToken === undefined) await this.requireModel(name);
    return { ...page, items: page.items.map(toVersionView) };
  }

  async updateVersion(
    name: string,
    number: number,
    input: UpdateVersionInput,
    ctx: RequestContext,
  ): Promise<ModelVersion> {
    let baseRev: number | undefined;
    return this.mutate(`version ${number} of '${name}'`, async () => {
      const [model, version] = await Promise.all([
        this.requireModel(name),
        this.store.getVersion(name, number),
      ]);
      if (!version) throw new VersionNotFoundError(name, number);
      this.checkIfMatch(`version ${number} of '${name}'`, ctx.ifMatch, version.rev);
      baseRev ??= version.rev;
      if (version.rev !== baseRev) throw new ConcurrentModificationError(`version ${number} of '${name}'`);
      if (version.status === "READY") {
        const frozen = FROZEN_WHEN_READY.filter((field) => input[field] !== undefined);
        if (frozen.length > 0) throw new VersionFrozenError(name, number, frozen);
      }
      const now = this.now();
      const changes = diff(version, input);
      const record: VersionRecord = {
        ...version,
        ...input,
        updatedAt: now,
        updatedBy: ctx.actor,
        rev: version.rev + 1,
      };
      const updatedModel: ModelRecord = { ...model, seq: model.seq + 1 };
      return {
        ops: [
          { kind: "putModel", record: updatedModel, expectSeq: model.seq },
          { kind: "putVersion", record, expectRev: version.rev },
          this.history(updatedModel, ctx, now, "VERSION_UPDATED", {
            version: number,
            from: changes.from,
            to: changes.to,
            details: { fields: Object.keys(changes.to) },
          }),
        ],
        result: toVersionView(record),
      };
    });
  }

  async compareVersions(name: string, base: number, other: number): Promise<VersionComparison> {
    const found = await this.store.getVersions(name, [...new Set([base, other])]);
    const a = found.find((v) => v.version === base);
    const b = found.find((v) => v.version === other);
    if (!a || !b) {
      await this.requireModel(name);
      throw new VersionNotFoundError(name, a ? other : base);
    }
    return compareVersions(a, b);
  }

  // -------------------------------------------------------------------------------------------
  // Aliases

  async setAlias(name: string, alias: string, number: number, ctx: RequestContext): Promise<AliasView> {
    return this.mutate(`model '${name}'`, async () => {
      const [model, version] = await Promise.all([
        this.requireModel(name),
        this.store.getVersion(name, number),
      ]);
      if (!version) throw new VersionNotFoundError(name, number);
      const previous = model.aliases[alias];
      const result = { model: name, alias, version: number };
      if (previous === number) return { ops: [], result };
      const now = this.now();
      const updatedModel: ModelRecord = {
        ...model,
        aliases: { ...model.aliases, [alias]: number },
        updatedAt: now,
        updatedBy: ctx.actor,
        seq: model.seq + 1,
      };
      const ops: WriteOp[] = [
        { kind: "putModel", record: updatedModel, expectSeq: model.seq },
        { kind: "tagVersionAlias", model: name, version: number, alias, action: "add" },
      ];
      if (previous !== undefined) {
        ops.push({ kind: "tagVersionAlias", model: name, version: previous, alias, action: "remove" });
      }
      ops.push(
        this.history(updatedModel, ctx, now, "ALIAS_SET", {
          version: number,
          from: previous ?? null,
          to: number,
          details: { alias },
        }),
      );
      return { ops, result };
    });
  }

  async getAlias(name: string, alias: string): Promise<AliasView & { modelVersion: ModelVersion }> {
    const model = await this.requireModel(name);
    const number = model.aliases[alias];
    if (number === undefined) throw new AliasNotFoundError(name, alias);
    const version = await this.requireVersion(name, number);
    return { model: name, alias, version: number, modelVersion: toVersionView(version) };
  }

  async deleteAlias(name: string, alias: string, ctx: RequestContext): Promise<void> {
    await this.mutate(`model '${name}'`, async () => {
      const model = await this.requireModel(name);
      const number = model.aliases[alias];
      if (number === undefined) throw new AliasNotFoundError(name, alias);
      const now = this.now();
      const { [alias]: _removed, ...aliases } = model.aliases;
      const updatedModel: ModelRecord = {
        ...model,
        aliases,
        updatedAt: now,
        updatedBy: ctx.actor,
        seq: model.seq + 1,
      };
      return {
        ops: [
          { kind: "putModel", record: updatedModel, expectSeq: model.seq },
          { kind: "tagVersionAlias", model: name, version: number, alias, action: "remove" },
          this.history(updatedModel, ctx, now, "ALIAS_DELETED", {
            version: number,
            from: number,
            to: null,
            details: { alias },
          }),
        ],
        result: undefined,
      };
    });
  }

  // -------------------------------------------------------------------------------------------
  // Plumbing

  private async requireModel(name: string): Promise<ModelRecord> {
    const model = await this.store.getModel(name);
    if (!model || model.deletedAt) throw new ModelNotFoundError(name);
    return model;
  }

  private async requireVersion(name: string, number: number): Promise<VersionRecord> {
    const version = await this.store.getVersion(name, number);
    if (version) return version;
    await this.requireModel(name);
    throw new VersionNotFoundError(name, number);
  }

  private checkIfMatch(what: string, ifMatch: string | undefined, rev: number): void {
    if (ifMatch !== undefined && !ifMatchSatisfied(ifMatch, rev)) {
      throw new PreconditionFailedError(what, ifMatch, etagOf(rev));
    }
  }

  private history(
    model: ModelRecord,
    ctx: RequestContext,
    at: string,
    action: HistoryRecord["action"],
    fields: { version?: number; from?: unknown; to?: unknown; details: Record<string, unknown> },
  ): WriteOp {
    return {
      kind: "putHistory",
      record: {
        model: model.name,
        seq: model.seq,
        at,
        actor: ctx.actor,
        action,
        requestId: ctx.requestId,
        ...fields,
      },
    };
  }

  /**
   * Runs `attempt` and commits its writes; when a concurrent writer wins the race, reads and
   * decides again (with jittered back-off), so no change is ever based on a stale read.
   */
  private async mutate<T>(
    what: string,
    attempt: (n: number) => Promise<{ ops: WriteOp[]; result: T }>,
  ): Promise<T> {
    for (let n = 1; ; n++) {
      const { ops, result } = await attempt(n);
      if (ops.length === 0) return result;
      try {
        await this.store.commit(ops);
        return result;
      } catch (error) {
        if (!(error instanceof WriteConflict)) throw error;
        if (error.failed.includes("claimIdempotency")) throw new IdempotencyRace();
        if (n >= this.retry.attempts) throw new ConcurrentModificationError(what);
        await sleep(Math.random() * this.retry.backoffMs(n));
      }
    }
  }

  /**
   * Makes a POST safe to retry: the first response for (caller, Idempotency-Key) is stored in
   * the same transaction as the change, and later requests with that key get it back.
   */
  private async idempotent<T>(
    ctx: RequestContext,
    status: number,
    run: (claim: (body: T) => WriteOp[]) => Promise<T>,
  ): Promise<Outcome<T>> {
    const key = ctx.idempotency;
    if (!key) return { value: await run(() => []), replayed: false };
    const scope = createHash("sha256").update(`${ctx.actor}\n${key.key}`).digest("hex");
    const replay = (record: IdempotencyRecord): Outcome<T> => {
      if (record.fingerprint !== key.fingerprint) throw new IdempotencyKeyReusedError(key.key);
      return { value: record.body as T, replayed: true };
    };
    const earlier = await this.store.getIdempotencyRecord(scope);
    if (earlier) return replay(earlier);
    try {
      const value = await run((body) => [
        {
          kind: "claimIdempotency",
          record: {
            scope,
            fingerprint: key.fingerprint,
            status,
            body,
            createdAt: this.now(),
            expiresAt: Math.floor(this.clock.now().getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS,
          },
        },
      ]);
      return { value, replayed: false };
    } catch (error) {
      if (!(error instanceof IdempotencyRace)) throw error;
      const winner = await this.store.getIdempotencyRecord(scope);
      if (!winner) throw new ConcurrentModificationError("this Idempotency-Key");
      return replay(winner);
    }
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

/** `from` holds the old values of the fields `patch` changes, `to` the new ones. */
function diff<T extends object>(
  current: T,
  patch: Partial<T>,
): { from: Record<string, unknown>; to: Record<string, unknown> } {
  const from: Record<string, unknown> = {};
  const to: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch)) {
    const old = (current as Record<string, unknown>)[field];
    if (JSON.stringify(old) !== JSON.stringify(value)) {
      from[field] = old ?? null;
      to[field] = value;
    }
  }
  return { from, to };
}

function splitTag(tag: string): { key: string; value: string } {
  const at = tag.indexOf("=");
  return { key: tag.slice(0, at), value: tag.slice(at + 1) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
