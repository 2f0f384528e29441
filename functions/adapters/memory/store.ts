/**
 * The RegistryStore port held in memory, with DynamoDB's conditional semantics: a stale
 * `seq`/`rev`, an existing key, a missing version or an already closed stage tenure fails the
 * whole commit with the same `WriteConflict` the DynamoDB adapter raises, and nothing of a failed
 * commit is applied. Lists come in the DynamoDB adapter's orders (the open-transitions list as
 * its sparse index orders it), with page tokens signed and bound to the list the same way.
 * Fast use-case tests run on it; the store contract suite (test/contract) runs against it and
 * against DynamoDB Local, so the two cannot drift.
 */
import { PayloadTooLargeError } from "#core/errors.ts";
import {
  type IdempotencyRecord,
  type ListModelsFilter,
  type ListOpenTransitionsFilter,
  type ListTransitionsFilter,
  type ListVersionsFilter,
  type Page,
  type RegistryStore,
  WriteConflict,
  type WriteOp,
} from "#core/ports.ts";
import type {
  HistoryRecord,
  ModelRecord,
  StageTenureRecord,
  TransitionRecord,
  VersionRecord,
} from "#core/records.ts";
import { OPEN_TRANSITION_STATUSES } from "#core/schemas.ts";
import { PageTokens } from "../dynamodb/page-token.ts";

/** DynamoDB's limits, enforced here too so a use case cannot pass on one store and fail on the other. */
const MAX_ITEM_BYTES = 400 * 1024;
const MAX_TRANSACTION_ACTIONS = 100;

export interface MemoryStoreOptions {
  /** Signs page tokens; a fixed test key by default. */
  pageTokens?: PageTokens;
}

export class MemoryRegistryStore implements RegistryStore {
  private readonly models = new Map<string, ModelRecord>();
  /** Versions by model, then by number. */
  private readonly versions = new Map<string, Map<number, VersionRecord>>();
  /** History by model, then by seq. */
  private readonly history = new Map<string, Map<number, HistoryRecord>>();
  /** Transition requests by model, then by id. */
  private readonly transitions = new Map<string, Map<string, TransitionRecord>>();
  /** Stage tenures by model, then by `<stage>#<seq>` (see `tenureKey`). */
  private readonly tenures = new Map<string, Map<string, StageTenureRecord>>();
  private readonly idempotency = new Map<string, IdempotencyRecord>();
  private readonly tokens: PageTokens;

  constructor(options: MemoryStoreOptions = {}) {
    this.tokens = options.pageTokens ?? new PageTokens("memory-store-page-token-key");
  }

  async getModel(name: string): Promise<ModelRecord | undefined> {
    return copy(this.models.get(name));
  }

  async listModels(filter: ListModelsFilter): Promise<Page<ModelRecord>> {
    const { tag, owner, prefix } = filter;
    const matching = [...this.models.values()]
      .filter((m) => !m.deletedAt)
      .filter((m) => prefix === undefined || m.name.startsWith(prefix))
      .filter((m) => owner === undefined || m.owner === owner)
      .filter((m) => !tag || (Object.hasOwn(m.tags, tag.key) && m.tags[tag.key] === tag.value))
      // DynamoDB orders string keys by UTF-8 bytes; for the names the API allows, that is this order.
      .sort((a, b) => ascending(a.name, b.name));
    const scope = `models|${prefix ?? ""}|${owner ?? ""}|${tag ? `${tag.key}=${tag.value}` : ""}`;
    return this.page(matching, (m) => m.name, ascending, filter, scope);
  }

  async getVersion(model: string, version: number): Promise<VersionRecord | undefined> {
    return copy(this.versions.get(model)?.get(version));
  }

  async getVersions(model: string, versions: number[]): Promise<VersionRecord[]> {
    const found = this.versions.get(model);
    return versions.flatMap((v) => {
      const record = found?.get(v);
      return record ? [copy(record)] : [];
    });
  }

  async listVersions(model: string, filter: ListVersionsFilter): Promise<Page<VersionRecord>> {
    const matching = [...(this.versions.get(model)?.values() ?? [])]
      .filter((v) => filter.stage === undefined || v.stage === filter.stage)
      .filter((v) => filter.status === undefined || v.status === filter.status)
      .sort((a, b) => b.version - a.version);
    const scope = `versions|${model}|${filter.stage ?? ""}|${filter.status ?? ""}`;
    return this.page(matching, (v) => v.version, descending, filter, scope);
  }

  async listHistory(
    model: string,
    page: { limit: number; nextToken?: string },
  ): Promise<Page<HistoryRecord>> {
    const entries = [...(this.history.get(model)?.values() ?? [])].sort((a, b) => b.seq - a.seq);
    return this.page(entries, (h) => h.seq, descending, page, `history|${model}`);
  }

  async getIdempotencyRecord(scope: string, now: number): Promise<IdempotencyRecord | undefined> {
    const record = this.idempotency.get(scope);
    // As with DynamoDB's lazy TTL, an expired record is treated as absent.
    if (!record || record.expiresAt < now) return undefined;
    return copy(record);
  }

  async getTransition(model: string, id: string): Promise<TransitionRecord | undefined> {
    return copy(this.transitions.get(model)?.get(id));
  }

  async listTransitions(model: string, filter: ListTransitionsFilter): Promise<Page<TransitionRecord>> {
    // Ids are ULIDs: their order is request order.
    const matching = [...(this.transitions.get(model)?.values() ?? [])]
      .filter((t) => filter.version === undefined || t.version === filter.version)
      .filter((t) => filter.status === undefined || t.status === filter.status)
      .sort((a, b) => descending(a.id, b.id));
    const scope = `transitions|${model}|${filter.version ?? ""}|${filter.status ?? ""}`;
    return this.page(matching, (t) => t.id, descending, filter, scope);
  }

  /** As the DynamoDB index orders them: by status (its name's order), then oldest first. */
  async listOpenTransitions(filter: ListOpenTransitionsFilter): Promise<Page<TransitionRecord>> {
    const matching = [...this.transitions.values()]
      .flatMap((byId) => [...byId.values()])
      .filter((t) => isOpen(t.status))
      .filter((t) => filter.status === undefined || t.status === filter.status)
      .sort((a, b) => ascending(openKey(a), openKey(b)));
    return this.page(matching, openKey, ascending, filter, `open-transitions|${filter.status ?? ""}`);
  }

  async listStageTenures(
    model: string,
    stage: string,
    page: { limit: number; nextToken?: string },
  ): Promise<Page<StageTenureRecord>> {
    const tenures = [...(this.tenures.get(model)?.values() ?? [])]
      .filter((t) => t.stage === stage)
      .sort((a, b) => b.seq - a.seq);
    return this.page(tenures, (t) => t.seq, descending, page, `stage-tenures|${model}|${stage}`);
  }

  async commit(ops: WriteOp[]): Promise<void> {
    if (ops.length > MAX_TRANSACTION_ACTIONS) {
      throw new Error(`a transaction holds at most ${MAX_TRANSACTION_ACTIONS} actions, not ${ops.length}`);
    }
    const items = ops.map(itemOf);
    if (new Set(items).size !== items.length) {
      // DynamoDB refuses this too (ValidationException): it is a bug in the caller, not a conflict.
      throw new Error("a transaction cannot include more than one operation on one item");
    }
    const failed = ops.filter((op) => !this.conditionHolds(op)).map((op) => op.kind);
    if (failed.length > 0) throw new WriteConflict(failed, false);
    for (const op of ops) {
      if (
        (op.kind === "putModel" ||
          op.kind === "putVersion" ||
          op.kind === "putHistory" ||
          op.kind === "putTransition" ||
          op.kind === "putStageTenure") &&
        tooLarge(op.record)
      ) {
        throw new PayloadTooLargeError(
          "the item would exceed DynamoDB's 400 KB limit: shorten the model card, description, params or metrics",
        );
      }
    }
    // Every condition held: apply all of it (nothing runs in between, so this is atomic).
    for (const op of ops) this.apply(op);
  }

  async purgeVersions(model: string): Promise<number> {
    const count = this.versions.get(model)?.size ?? 0;
    this.versions.delete(model);
    return count;
  }

  // -------------------------------------------------------------------------------------------

  private conditionHolds(op: WriteOp): boolean {
    switch (op.kind) {
      case "putModel": {
        const current = this.models.get(op.record.name);
        return op.expectSeq === null ? current === undefined : current?.seq === op.expectSeq;
      }
      case "putVersion": {
        const current = this.versions.get(op.record.model)?.get(op.record.version);
        return op.expectRev === null ? current === undefined : current?.rev === op.expectRev;
      }
      case "tagVersionAlias":
        return this.versions.get(op.model)?.has(op.version) === true;
      case "putHistory":
        return !this.history.get(op.record.model)?.has(op.record.seq);
      case "putTransition": {
        const current = this.transitions.get(op.record.model)?.get(op.record.id);
        return op.expectRev === null ? current === undefined : current?.rev === op.expectRev;
      }
      case "putStageTenure": {
        const current = this.tenures.get(op.record.model)?.get(tenureKey(op.record));
        // A tenure begins once, and ends once: `until` is set only on an open tenure.
        return op.expect === "new"
          ? current === undefined
          : current !== undefined && current.until === undefined;
      }
      case "claimIdempotency": {
        const current = this.idempotency.get(op.record.scope);
        return current === undefined || current.expiresAt < op.now;
      }
    }
  }

  private apply(op: WriteOp): void {
    switch (op.kind) {
      case "putModel":
        this.models.set(op.record.name, copy(op.record));
        return;
      case "putVersion":
        child(this.versions, op.record.model).set(op.record.version, copy(op.record));
        return;
      case "tagVersionAlias": {
        const version = this.versions.get(op.model)?.get(op.version) as VersionRecord;
        const aliases = new Set(version.aliases);
        if (op.action === "add") aliases.add(op.alias);
        else aliases.delete(op.alias);
        version.aliases = [...aliases].sort();
        return;
      }
      case "putHistory":
        child(this.history, op.record.model).set(op.record.seq, copy(op.record));
        return;
      case "putTransition":
        child(this.transitions, op.record.model).set(op.record.id, copy(op.record));
        return;
      case "putStageTenure":
        child(this.tenures, op.record.model).set(tenureKey(op.record), copy(op.record));
        return;
      case "claimIdempotency":
        this.idempotency.set(op.record.scope, copy(op.record));
        return;
    }
  }

  /** One page of `items` (sorted by `order`) after the token's key; a token only when more follow. */
  private page<T, K extends string | number>(
    items: T[],
    keyOf: (item: T) => K,
    order: (a: K, b: K) => number,
    request: { limit: number; nextToken?: string | undefined },
    scope: string,
  ): Page<T> {
    let start = 0;
    if (request.nextToken !== undefined) {
      const { after } = this.tokens.decode(request.nextToken, scope) as { after: K };
      // The first item past the token's key, whether or not that item still exists.
      start = items.findIndex((item) => order(keyOf(item), after) > 0);
      if (start < 0) start = items.length;
    }
    const pageItems = items.slice(start, start + request.limit).map((item) => copy(item));
    const last = pageItems[pageItems.length - 1];
    return start + request.limit < items.length && last !== undefined
      ? { items: pageItems, nextToken: this.tokens.encode({ after: keyOf(last) }, scope) }
      : { items: pageItems };
  }
}

const ascending = <K extends string | number>(a: K, b: K) => (a < b ? -1 : a > b ? 1 : 0);
const descending = <K extends string | number>(a: K, b: K) => ascending(b, a);

function itemOf(op: WriteOp): string {
  switch (op.kind) {
    case "putModel":
      return `model ${op.record.name}`;
    case "putVersion":
      return `version ${op.record.model} ${op.record.version}`;
    case "tagVersionAlias":
      return `version ${op.model} ${op.version}`;
    case "putHistory":
      return `history ${op.record.model} ${op.record.seq}`;
    case "putTransition":
      return `transition ${op.record.model} ${op.record.id}`;
    case "putStageTenure":
      return `tenure ${op.record.model} ${tenureKey(op.record)}`;
    case "claimIdempotency":
      return `idempotency ${op.record.scope}`;
  }
}

const OPEN: ReadonlySet<string> = new Set(OPEN_TRANSITION_STATUSES);
const isOpen = (status: string) => OPEN.has(status);

/** The open-transitions index's sort key: `<status>#<id>`. */
const openKey = (t: TransitionRecord) => `${t.status}#${t.id}`;

/** A tenure's key within its model: one per stage and the seq that began it. */
const tenureKey = (t: StageTenureRecord) => `${t.stage}#${t.seq}`;

function child<K, V>(map: Map<string, Map<K, V>>, key: string): Map<K, V> {
  let found = map.get(key);
  if (!found) {
    found = new Map();
    map.set(key, found);
  }
  return found;
}

const tooLarge = (record: object) => Buffer.byteLength(JSON.stringify(record)) > MAX_ITEM_BYTES;

/** Records leave and enter the store as copies, so no caller can change what is stored. */
function copy<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}
