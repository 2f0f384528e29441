/**
 * What every RegistryStore must do, stated through the port alone. The same suite runs against
 * the in-memory store (fast rule tests) and against DynamoDB Local, so the two cannot drift.
 *
 * Tests share one store (one table, for DynamoDB): each uses model names no other test uses.
 */
import { randomUUID } from "node:crypto";
import { monotonicFactory } from "ulid";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ValidationError } from "#core/errors.ts";
import {
  type IdempotencyRecord,
  type ListOpenTransitionsFilter,
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

const AT = "2025-01-01T00:00:00.000Z";

export function modelRecord(name: string, overrides: Partial<ModelRecord> = {}): ModelRecord {
  return {
    name,
    tags: {},
    policy: {},
    latestVersion: 0,
    stages: {},
    aliases: {},
    createdAt: AT,
    createdBy: "alice",
    updatedAt: AT,
    updatedBy: "alice",
    rev: 1,
    seq: 1,
    ...overrides,
  };
}

export function versionRecord(
  model: string,
  version: number,
  overrides: Partial<VersionRecord> = {},
): VersionRecord {
  return {
    model,
    version,
    status: "PENDING_UPLOAD",
    stage: "development",
    metrics: {},
    params: {},
    tags: {},
    artifacts: [{ path: "model.onnx", size: 1024, sha256: "0".repeat(64) }],
    aliases: [],
    createdAt: AT,
    createdBy: "alice",
    updatedAt: AT,
    updatedBy: "alice",
    rev: 1,
    ...overrides,
  };
}

export function historyRecord(model: string, seq: number): HistoryRecord {
  return {
    model,
    seq,
    at: AT,
    actor: "alice",
    action: "MODEL_UPDATED",
    requestId: `req-${seq}`,
    details: { seq },
  };
}

/** Transition ids: ULIDs, each greater than the one before (request order). */
export const transitionId = monotonicFactory();

export function transitionRecord(
  model: string,
  version: number,
  id: string,
  overrides: Partial<TransitionRecord> = {},
): TransitionRecord {
  return {
    id,
    model,
    version,
    from: "development",
    to: "staging",
    kind: "promotion",
    status: "REQUESTED",
    requestedBy: "alice",
    requestedAt: AT,
    updatedAt: AT,
    approvalsRequired: 1,
    allowSelfApproval: false,
    approvals: [],
    rev: 1,
    ...overrides,
  };
}

export function stageTenureRecord(
  model: string,
  stage: StageTenureRecord["stage"],
  seq: number,
  overrides: Partial<StageTenureRecord> = {},
): StageTenureRecord {
  return {
    model,
    seq,
    stage,
    version: 1,
    from: AT,
    enteredBy: "alice",
    approvedBy: [],
    ...overrides,
  };
}

const isOpenStatus = (status: string) => (OPEN_TRANSITION_STATUSES as readonly string[]).includes(status);

/** The time of every idempotency read and claim here (epoch seconds): the store reads no clock. */
const NOW = Date.parse(AT) / 1000;

/** Written without `status`: the record's fields are the core's business, not the store's. */
export function idempotencyRecord(
  scope: string,
  overrides: Partial<IdempotencyRecord> = {},
): IdempotencyRecord {
  return {
    scope,
    fingerprint: "fingerprint",
    body: { name: "m", nested: { empty: {} }, list: [] },
    createdAt: AT,
    expiresAt: NOW + 3600,
    ...overrides,
  } as IdempotencyRecord;
}

/** A user map whose keys name Object.prototype members (built by JSON.parse, as a request body is). */
const prototypeKeys = <T>(json: string): Record<string, T> => JSON.parse(json);

async function conflictOf(commit: Promise<void>): Promise<WriteConflict> {
  const error = await commit.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WriteConflict);
  return error as WriteConflict;
}

async function expectConflict(commit: Promise<void>, kinds: WriteOp["kind"][]): Promise<void> {
  const conflict = await conflictOf(commit);
  expect([...conflict.failed].sort()).toEqual([...kinds].sort());
}

/** Reads every page of a list; checks that no page is longer than `limit`. */
async function allPages<T>(limit: number, list: (nextToken?: string) => Promise<Page<T>>): Promise<T[][]> {
  const pages: T[][] = [];
  let nextToken: string | undefined;
  do {
    const page = await list(nextToken);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    pages.push(page.items);
    nextToken = page.nextToken;
  } while (nextToken && pages.length < 100);
  expect(nextToken).toBeUndefined();
  return pages;
}

export function describeRegistryStoreContract(
  name: string,
  makeStore: () => Promise<RegistryStore> | RegistryStore,
): void {
  describe(`the ${name} registry store`, () => {
    let store: RegistryStore;
    const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

    beforeEach(async () => {
      store = await makeStore();
    });

    const createModel = async (record: ModelRecord) =>
      store.commit([{ kind: "putModel", record, expectSeq: null }]);
    const createVersions = async (model: string, versions: VersionRecord[]) =>
      store.commit([
        { kind: "putModel", record: modelRecord(model, { latestVersion: versions.length }), expectSeq: null },
        ...versions.map((record) => ({ kind: "putVersion" as const, record, expectRev: null })),
      ]);

    /**
     * Transition requests this test made: the open list spans every model, and the DynamoDB
     * suite shares its table with other tests, so each test ends the requests it left open.
     */
    let requested: TransitionRecord[] = [];
    const requestTransition = async (record: TransitionRecord) => {
      await store.commit([{ kind: "putTransition", record, expectRev: null }]);
      requested.push(record);
      return record;
    };
    /** Writes the request's next state at the rev it had; answers the new record. */
    const moveTransition = async (record: TransitionRecord, changes: Partial<TransitionRecord>) => {
      const next = { ...record, ...changes, rev: record.rev + 1 };
      await store.commit([{ kind: "putTransition", record: next, expectRev: record.rev }]);
      return next;
    };
    afterEach(async () => {
      const left = requested;
      requested = [];
      for (const { model, id } of left) {
        const current = await store.getTransition(model, id);
        if (current && isOpenStatus(current.status)) await moveTransition(current, { status: "CANCELLED" });
      }
    });

    /**
     * The open list, every page of it (checking each page's length), narrowed to `ids` in the
     * order listed: other tests' open requests may be in the list too.
     */
    const openTransitionsAmong = async (
      ids: string[],
      filter: Omit<ListOpenTransitionsFilter, "nextToken">,
    ): Promise<TransitionRecord[]> => {
      const ours = new Set(ids);
      const listed: TransitionRecord[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page = await store.listOpenTransitions({ ...filter, nextToken });
        expect(page.items.length).toBeLessThanOrEqual(filter.limit);
        listed.push(...page.items.filter((t) => ours.has(t.id)));
        nextToken = page.nextToken;
      } while (nextToken && ++pages < 1000);
      expect(nextToken).toBeUndefined();
      return listed;
    };

    describe("models", () => {
      it("creates a model once: creating it again is a conflict on putModel", async () => {
        const model = unique("create");
        await createModel(modelRecord(model, { description: "first" }));
        await expectConflict(createModel(modelRecord(model, { description: "second" })), ["putModel"]);
        expect(await store.getModel(model)).toEqual(modelRecord(model, { description: "first" }));
      });

      it("replaces a model only at the seq the writer read", async () => {
        const model = unique("seq");
        await createModel(modelRecord(model, { seq: 1 }));
        const stale = modelRecord(model, { seq: 3, description: "stale" });
        await expectConflict(store.commit([{ kind: "putModel", record: stale, expectSeq: 0 }]), ["putModel"]);
        const fresh = modelRecord(model, { seq: 2, rev: 2, description: "fresh" });
        await store.commit([{ kind: "putModel", record: fresh, expectSeq: 1 }]);
        expect(await store.getModel(model)).toEqual(fresh);
      });

      it("returns a deleted model as a tombstone, and nothing for a model never created", async () => {
        const model = unique("tombstone");
        await createModel(modelRecord(model));
        const tombstone = modelRecord(model, { seq: 2, deletedAt: AT, deletedBy: "bob" });
        await store.commit([{ kind: "putModel", record: tombstone, expectSeq: 1 }]);
        expect(await store.getModel(model)).toEqual(tombstone);
        expect(await store.getModel(unique("never"))).toBeUndefined();
      });

      it("keeps tag and alias keys that name Object.prototype members as own properties", async () => {
        const model = unique("proto");
        const tags = prototypeKeys<string>('{"constructor":"a","__proto__":"b","toString":"c"}');
        const aliases = prototypeKeys<number>('{"toString":1,"constructor":2,"__proto__":3}');
        await createModel(modelRecord(model, { tags, aliases }));
        const read = (await store.getModel(model)) as ModelRecord;
        for (const [key, value] of [
          ["constructor", "a"],
          ["__proto__", "b"],
          ["toString", "c"],
        ] as const) {
          expect(Object.hasOwn(read.tags, key)).toBe(true);
          expect(Object.getOwnPropertyDescriptor(read.tags, key)?.value).toBe(value);
        }
        for (const [key, value] of [
          ["toString", 1],
          ["constructor", 2],
          ["__proto__", 3],
        ] as const) {
          expect(Object.hasOwn(read.aliases, key)).toBe(true);
          expect(Object.getOwnPropertyDescriptor(read.aliases, key)?.value).toBe(value);
        }
        expect(Object.getPrototypeOf(read.tags)).not.toBe("b");
      });

      it("stores policy thresholds beyond 2^53 as the same numbers", async () => {
        const model = unique("policy");
        const policy = { requirements: { production: { metrics: { flops: { min: 1e20, max: 3e21 } } } } };
        await createModel(modelRecord(model, { policy }));
        expect((await store.getModel(model))?.policy).toEqual(policy);
      });
    });

    describe("listing models", () => {
      it("lists live models by name prefix, in name order, page by page, without tombstones", async () => {
        const prefix = `${unique("list")}-`;
        const names = ["e", "a", "c", "b", "d", "f"].map((n) => `${prefix}${n}`);
        for (const model of names) await createModel(modelRecord(model));
        const deleted = `${prefix}c`;
        await store.commit([
          {
            kind: "putModel",
            record: modelRecord(deleted, { seq: 2, deletedAt: AT, deletedBy: "bob" }),
            expectSeq: 1,
          },
        ]);
        const pages = await allPages(2, (nextToken) => store.listModels({ prefix, limit: 2, nextToken }));
        expect(pages.flat().map((m) => m.name)).toEqual([...names].filter((n) => n !== deleted).sort());
        expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
        expect(await store.getModel(deleted)).toMatchObject({ deletedAt: AT });
      });

      it("lists models by owner and by tag", async () => {
        const prefix = `${unique("filter")}-`;
        const owner = unique("owner");
        await createModel(modelRecord(`${prefix}a`, { owner, tags: { team: "risk" } }));
        await createModel(modelRecord(`${prefix}b`, { owner: "someone-else", tags: { team: "risk" } }));
        await createModel(modelRecord(`${prefix}c`, { owner, tags: { team: "growth" } }));
        await createModel(modelRecord(`${prefix}d`, { owner }));
        const byOwner = await allPages(1, (nextToken) =>
          store.listModels({ prefix, owner, limit: 1, nextToken }),
        );
        expect(byOwner.flat().map((m) => m.name)).toEqual([`${prefix}a`, `${prefix}c`, `${prefix}d`]);
        const byTag = await allPages(1, (nextToken) =>
          store.listModels({ prefix, tag: { key: "team", value: "risk" }, limit: 1, nextToken }),
        );
        expect(byTag.flat().map((m) => m.name)).toEqual([`${prefix}a`, `${prefix}b`]);
        const both = await store.listModels({
          prefix,
          owner,
          tag: { key: "team", value: "risk" },
          limit: 10,
        });
        expect(both.items.map((m) => m.name)).toEqual([`${prefix}a`]);
      });

      it("finds a model by a tag whose key names an Object.prototype member", async () => {
        const prefix = `${unique("tagproto")}-`;
        await createModel(modelRecord(`${prefix}a`, { tags: prototypeKeys('{"constructor":"x"}') }));
        await createModel(modelRecord(`${prefix}b`, { tags: { other: "x" } }));
        const page = await store.listModels({ prefix, tag: { key: "constructor", value: "x" }, limit: 10 });
        expect(page.items.map((m) => m.name)).toEqual([`${prefix}a`]);
      });
    });

    describe("versions", () => {
      it("creates a version once: creating it again is a conflict on putVersion", async () => {
        const model = unique("version");
        await createVersions(model, [versionRecord(model, 1)]);
        await expectConflict(
          store.commit([
            {
              kind: "putVersion",
              record: versionRecord(model, 1, { description: "again" }),
              expectRev: null,
            },
          ]),
          ["putVersion"],
        );
        expect(await store.getVersion(model, 1)).toEqual(versionRecord(model, 1));
      });

      it("replaces a version only at the rev the writer read", async () => {
        const model = unique("rev");
        await createVersions(model, [versionRecord(model, 1)]);
        const stale = versionRecord(model, 1, { rev: 3, description: "stale" });
        await expectConflict(store.commit([{ kind: "putVersion", record: stale, expectRev: 2 }]), [
          "putVersion",
        ]);
        const fresh = versionRecord(model, 1, { rev: 2, description: "fresh", stage: "staging" });
        await store.commit([{ kind: "putVersion", record: fresh, expectRev: 1 }]);
        expect(await store.getVersion(model, 1)).toEqual(fresh);
        expect(await store.getVersion(model, 2)).toBeUndefined();
      });

      it("stores metrics beyond 2^53 and below 1e-6 as the same numbers", async () => {
        const model = unique("numbers");
        const metrics = {
          flops: 3e21,
          tiny: 1e-100,
          big: 9.9e125,
          neg: -1e20,
          int: 2 ** 53 + 2,
          zero: 0,
          auc: 0.91,
        };
        await createVersions(model, [versionRecord(model, 1, { metrics })]);
        const read = await store.getVersion(model, 1);
        expect(read?.metrics).toEqual(metrics);
        for (const [key, value] of Object.entries(metrics)) expect(read?.metrics[key]).toBe(value);
        const [listed] = (await store.listVersions(model, { limit: 1 })).items;
        expect(listed?.metrics).toEqual(metrics);
      });

      it("keeps tag, param and metric keys that name Object.prototype members as own properties", async () => {
        const model = unique("vproto");
        const tags = prototypeKeys<string>('{"constructor":"a","__proto__":"b","toString":"c"}');
        const params = prototypeKeys<string>('{"__proto__":"p","valueOf":"v"}');
        const metrics = prototypeKeys<number>('{"__proto__":1,"hasOwnProperty":2}');
        await createVersions(model, [versionRecord(model, 1, { tags, params, metrics })]);
        const [read] = await store.getVersions(model, [1]);
        for (const [map, expected] of [
          [read?.tags, tags],
          [read?.params, params],
          [read?.metrics, metrics],
        ] as const) {
          for (const key of Object.keys(expected)) {
            expect(Object.hasOwn(map ?? {}, key)).toBe(true);
            expect(Object.getOwnPropertyDescriptor(map, key)?.value).toBe(expected[key]);
          }
        }
      });

      it("adds and removes alias names on a version, and refuses to tag a missing version", async () => {
        const model = unique("alias");
        await createVersions(model, [versionRecord(model, 1)]);
        const tag = (alias: string, action: "add" | "remove", version = 1) =>
          store.commit([{ kind: "tagVersionAlias", model, version, alias, action }]);
        await tag("champion", "add");
        await tag("best", "add");
        expect((await store.getVersion(model, 1))?.aliases).toEqual(["best", "champion"]);
        await tag("champion", "remove");
        expect((await store.getVersion(model, 1))?.aliases).toEqual(["best"]);
        await tag("best", "remove");
        expect((await store.getVersion(model, 1))?.aliases).toEqual([]);
        await expectConflict(tag("champion", "add", 2), ["tagVersionAlias"]);
        expect(await store.getVersion(model, 2)).toBeUndefined();
      });

      it("gets several versions at once, leaving out the ones that do not exist", async () => {
        const model = unique("batch");
        await createVersions(model, [versionRecord(model, 1), versionRecord(model, 2)]);
        const found = await store.getVersions(model, [1, 2, 3]);
        expect(found.map((v) => v.version).sort()).toEqual([1, 2]);
        expect(await store.getVersions(model, [])).toEqual([]);
        expect(await store.getVersions(unique("none"), [1])).toEqual([]);
      });

      it("lists a model's versions newest first, page by page, each exactly once", async () => {
        const model = unique("listv");
        const other = unique("listv");
        await createVersions(
          model,
          [1, 2, 3, 4, 5].map((n) => versionRecord(model, n)),
        );
        await createVersions(other, [versionRecord(other, 1)]);
        const pages = await allPages(2, (nextToken) => store.listVersions(model, { limit: 2, nextToken }));
        expect(pages.map((p) => p.map((v) => v.version))).toEqual([[5, 4], [3, 2], [1]]);
        expect(pages.flat().every((v) => v.model === model)).toBe(true);
      });

      it("lists a model's versions in one stage, and with one status", async () => {
        const model = unique("stage");
        await createVersions(model, [
          versionRecord(model, 1, { stage: "staging", status: "READY" }),
          versionRecord(model, 2, { stage: "development", status: "READY" }),
          versionRecord(model, 3, { stage: "staging", status: "PENDING_UPLOAD" }),
          versionRecord(model, 4, { stage: "staging", status: "READY" }),
          versionRecord(model, 5, { stage: "production", status: "READY" }),
        ]);
        const versionsOf = async (filter: { stage?: string; status?: string }) =>
          (await allPages(1, (nextToken) => store.listVersions(model, { ...filter, limit: 1, nextToken })))
            .flat()
            .map((v) => v.version);
        expect(await versionsOf({ stage: "staging" })).toEqual([4, 3, 1]);
        expect(await versionsOf({ status: "READY" })).toEqual([5, 4, 2, 1]);
        expect(await versionsOf({ stage: "staging", status: "READY" })).toEqual([4, 1]);
        expect(await versionsOf({ stage: "archived" })).toEqual([]);
      });

      it("purges a model's versions, and only that model's, safely more than once", async () => {
        const model = unique("purge");
        const other = unique("purge");
        await createVersions(
          model,
          [1, 2, 3].map((n) => versionRecord(model, n)),
        );
        await createVersions(other, [versionRecord(other, 1)]);
        await store.commit([{ kind: "putHistory", record: historyRecord(model, 2) }]);
        expect(await store.purgeVersions(model)).toBe(3);
        expect((await store.listVersions(model, { limit: 10 })).items).toEqual([]);
        expect(await store.getVersions(model, [1, 2, 3])).toEqual([]);
        expect(await store.purgeVersions(model)).toBe(0);
        expect(await store.getVersion(other, 1)).toBeDefined();
        expect(await store.getModel(model)).toBeDefined();
        expect((await store.listHistory(model, { limit: 10 })).items).toHaveLength(1);
      });
    });

    describe("history", () => {
      it("appends an entry once: a second entry with the same seq is a conflict on putHistory", async () => {
        const model = unique("history");
        await store.commit([{ kind: "putHistory", record: historyRecord(model, 1) }]);
        await expectConflict(store.commit([{ kind: "putHistory", record: historyRecord(model, 1) }]), [
          "putHistory",
        ]);
      });

      it("lists a model's history newest first, page by page", async () => {
        const model = unique("histlist");
        for (const seq of [1, 2, 3, 4, 5])
          await store.commit([{ kind: "putHistory", record: historyRecord(model, seq) }]);
        await store.commit([{ kind: "putHistory", record: historyRecord(unique("histother"), 1) }]);
        const pages = await allPages(2, (nextToken) => store.listHistory(model, { limit: 2, nextToken }));
        expect(pages.flat().map((h) => h.seq)).toEqual([5, 4, 3, 2, 1]);
        expect(pages.flat()[0]).toEqual(historyRecord(model, 5));
      });
    });

    describe("transition requests", () => {
      it("creates a request once, with its workflow bookkeeping: creating it again is a conflict on putTransition", async () => {
        const model = unique("transition");
        const record = transitionRecord(model, 1, transitionId(), {
          requirements: { metrics: { auc: { min: 0.9 } }, tags: ["owner"] },
          execution: "arn:aws:states:us-east-1:123456789012:execution:transitions:abc",
          taskToken: "token-1",
          comment: "ship it",
        });
        await requestTransition(record);
        expect(await store.getTransition(model, record.id)).toEqual(record);
        await expectConflict(
          store.commit([{ kind: "putTransition", record: { ...record, comment: "again" }, expectRev: null }]),
          ["putTransition"],
        );
        expect(await store.getTransition(model, record.id)).toEqual(record);
      });

      it("replaces a request only at the rev the writer read, and never one that does not exist", async () => {
        const model = unique("transrev");
        const record = await requestTransition(transitionRecord(model, 1, transitionId()));
        const stale = { ...record, status: "CANCELLED" as const, rev: 3 };
        await expectConflict(store.commit([{ kind: "putTransition", record: stale, expectRev: 2 }]), [
          "putTransition",
        ]);
        const validating = await moveTransition(record, { status: "VALIDATING", execution: "exec-1" });
        expect(await store.getTransition(model, record.id)).toEqual(validating);
        await expectConflict(
          store.commit([
            {
              kind: "putTransition",
              record: transitionRecord(model, 1, transitionId(), { rev: 2 }),
              expectRev: 1,
            },
          ]),
          ["putTransition"],
        );
      });

      it("returns nothing for a request never made, or made on another model", async () => {
        const model = unique("transnone");
        const record = await requestTransition(transitionRecord(model, 1, transitionId()));
        expect(await store.getTransition(model, transitionId())).toBeUndefined();
        expect(await store.getTransition(unique("transnone"), record.id)).toBeUndefined();
      });

      it("lists a model's requests newest first, page by page, and those with one status", async () => {
        const model = unique("translist");
        const statuses = ["APPLIED", "REJECTED", "AWAITING_APPROVAL", "APPLIED", "REQUESTED"] as const;
        const records: TransitionRecord[] = [];
        for (const [i, status] of statuses.entries()) {
          records.push(
            await requestTransition(transitionRecord(model, (i % 2) + 1, transitionId(), { status })),
          );
        }
        await requestTransition(transitionRecord(unique("translist"), 1, transitionId()));
        const newestFirst = [...records].reverse().map((t) => t.id);
        const pages = await allPages(2, (nextToken) => store.listTransitions(model, { limit: 2, nextToken }));
        expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
        expect(pages.flat().map((t) => t.id)).toEqual(newestFirst);
        expect(pages.flat()[0]).toEqual(records[4]);
        const applied = await allPages(1, (nextToken) =>
          store.listTransitions(model, { status: "APPLIED", limit: 1, nextToken }),
        );
        expect(applied.flat().map((t) => t.id)).toEqual([records[3]?.id, records[0]?.id]);
        expect((await store.listTransitions(model, { status: "FAILED", limit: 10 })).items).toEqual([]);
        expect((await store.listTransitions(unique("translist"), { limit: 10 })).items).toEqual([]);
      });

      it("lists one version's requests newest first, page by page, and with one status", async () => {
        const model = unique("transver");
        const ofVersion = (version: number, status: TransitionRecord["status"] = "APPLIED") =>
          requestTransition(transitionRecord(model, version, transitionId(), { status }));
        const a = await ofVersion(2);
        const b = await ofVersion(1);
        const c = await ofVersion(2, "REJECTED");
        const d = await ofVersion(12);
        const e = await ofVersion(2, "REQUESTED");
        const idsOf = async (filter: { version: number; status?: string }) =>
          (await allPages(2, (nextToken) => store.listTransitions(model, { ...filter, limit: 2, nextToken })))
            .flat()
            .map((t) => t.id);
        expect(await idsOf({ version: 2 })).toEqual([e.id, c.id, a.id]);
        expect(await idsOf({ version: 1 })).toEqual([b.id]);
        expect(await idsOf({ version: 12 })).toEqual([d.id]);
        expect(await idsOf({ version: 2, status: "APPLIED" })).toEqual([a.id]);
        expect(await idsOf({ version: 3 })).toEqual([]);
        const [first] = (await store.listTransitions(model, { version: 2, limit: 1 })).items;
        expect(first).toEqual(e);
      });

      it("stay in the open list while their status is open, and leave it when they end", async () => {
        const model = unique("transopen");
        const requestedRecord = await requestTransition(transitionRecord(model, 1, transitionId()));
        const idsOpen = async (filter: { status?: ListOpenTransitionsFilter["status"] } = {}) =>
          (await openTransitionsAmong([requestedRecord.id], { ...filter, limit: 100 })).map((t) => t.status);
        expect(await idsOpen()).toEqual(["REQUESTED"]);
        expect(await idsOpen({ status: "REQUESTED" })).toEqual(["REQUESTED"]);
        expect(await idsOpen({ status: "AWAITING_APPROVAL" })).toEqual([]);

        const validating = await moveTransition(requestedRecord, { status: "VALIDATING" });
        expect(await idsOpen({ status: "VALIDATING" })).toEqual(["VALIDATING"]);
        expect(await idsOpen({ status: "REQUESTED" })).toEqual([]);

        const awaiting = await moveTransition(validating, { status: "AWAITING_APPROVAL", taskToken: "t" });
        const [listed] = await openTransitionsAmong([awaiting.id], {
          status: "AWAITING_APPROVAL",
          limit: 100,
        });
        expect(listed).toEqual(awaiting);

        const applied = await moveTransition(awaiting, { status: "APPLIED", endedAt: AT, endedBy: "bob" });
        expect(await idsOpen()).toEqual([]);
        expect(await idsOpen({ status: "AWAITING_APPROVAL" })).toEqual([]);
        expect(await store.getTransition(model, applied.id)).toEqual(applied);
        expect((await store.listTransitions(model, { limit: 10 })).items).toEqual([applied]);
        expect((await store.listTransitions(model, { version: 1, limit: 10 })).items).toEqual([applied]);
      });

      it("lists the open requests of one status across models, oldest first, page by page", async () => {
        const [m1, m2] = [unique("approvals"), unique("approvals")];
        const awaiting: TransitionRecord[] = [];
        const others: TransitionRecord[] = [];
        for (const [i, model] of [m1, m2, m1, m2, m1].entries()) {
          awaiting.push(
            await requestTransition(
              transitionRecord(model, i + 1, transitionId(), { status: "AWAITING_APPROVAL" }),
            ),
          );
          others.push(
            await requestTransition(transitionRecord(model, i + 1, transitionId(), { status: "REQUESTED" })),
          );
        }
        others.push(await requestTransition(transitionRecord(m1, 9, transitionId(), { status: "APPLIED" })));
        const ids = [...awaiting, ...others].map((t) => t.id);
        const listed = await openTransitionsAmong(ids, { status: "AWAITING_APPROVAL", limit: 2 });
        expect(listed.map((t) => t.id)).toEqual(awaiting.map((t) => t.id));
        expect(listed).toEqual(awaiting);
      });

      it("lists every open request across models by status, oldest first within a status", async () => {
        const model = unique("openall");
        const statuses = [
          "VALIDATING",
          "REQUESTED",
          "AWAITING_APPROVAL",
          "REQUESTED",
          "VALIDATING",
          "FAILED",
        ] as const;
        const records: TransitionRecord[] = [];
        for (const [i, status] of statuses.entries()) {
          records.push(await requestTransition(transitionRecord(model, i + 1, transitionId(), { status })));
        }
        const expected = records
          .filter((t) => isOpenStatus(t.status))
          .sort((a, b) => (`${a.status}#${a.id}` < `${b.status}#${b.id}` ? -1 : 1))
          .map((t) => `${t.status} ${t.version}`);
        expect(expected).toEqual([
          "AWAITING_APPROVAL 3",
          "REQUESTED 2",
          "REQUESTED 4",
          "VALIDATING 1",
          "VALIDATING 5",
        ]);
        const listed = await openTransitionsAmong(
          records.map((t) => t.id),
          { limit: 2 },
        );
        expect(listed.map((t) => `${t.status} ${t.version}`)).toEqual(expected);
      });
    });

    describe("stage tenures", () => {
      it("begins a tenure once: beginning it again is a conflict on putStageTenure", async () => {
        const model = unique("tenure");
        const tenure = stageTenureRecord(model, "production", 4, {
          version: 3,
          enteredWith: transitionId(),
          approvedBy: ["bob", "carol"],
        });
        await store.commit([{ kind: "putStageTenure", record: tenure, expect: "new" }]);
        await expectConflict(
          store.commit([
            { kind: "putStageTenure", record: { ...tenure, enteredBy: "mallory" }, expect: "new" },
          ]),
          ["putStageTenure"],
        );
        expect((await store.listStageTenures(model, "production", { limit: 10 })).items).toEqual([tenure]);
      });

      it("ends an open tenure exactly once, and never one that was not begun", async () => {
        const model = unique("tenureend");
        const open = stageTenureRecord(model, "production", 2);
        await store.commit([{ kind: "putStageTenure", record: open, expect: "new" }]);
        const ended = { ...open, until: "2025-02-01T00:00:00.000Z", leftBy: "bob", leftWith: transitionId() };
        await store.commit([{ kind: "putStageTenure", record: ended, expect: "open" }]);
        expect((await store.listStageTenures(model, "production", { limit: 10 })).items).toEqual([ended]);
        await expectConflict(
          store.commit([
            {
              kind: "putStageTenure",
              record: { ...ended, until: "2025-03-01T00:00:00.000Z", leftBy: "carol" },
              expect: "open",
            },
          ]),
          ["putStageTenure"],
        );
        await expectConflict(
          store.commit([{ kind: "putStageTenure", record: { ...ended, seq: 3 }, expect: "open" }]),
          ["putStageTenure"],
        );
        await expectConflict(
          store.commit([{ kind: "putStageTenure", record: { ...ended, stage: "staging" }, expect: "open" }]),
          ["putStageTenure"],
        );
        expect((await store.listStageTenures(model, "production", { limit: 10 })).items).toEqual([ended]);
        expect((await store.listStageTenures(model, "staging", { limit: 10 })).items).toEqual([]);
      });

      it("lists one stage's tenures newest first, page by page, apart from other stages and models", async () => {
        const model = unique("tenurelist");
        const begin = (stage: StageTenureRecord["stage"], seq: number, version: number, m = model) =>
          store.commit([
            { kind: "putStageTenure", record: stageTenureRecord(m, stage, seq, { version }), expect: "new" },
          ]);
        await begin("production", 2, 1);
        await begin("staging", 3, 2);
        await begin("production", 9, 2);
        await begin("production", 12, 3);
        await begin("production", 100, 4);
        await begin("production", 5, 9, unique("tenurelist"));
        const pages = await allPages(2, (nextToken) =>
          store.listStageTenures(model, "production", { limit: 2, nextToken }),
        );
        expect(pages.map((p) => p.map((t) => t.seq))).toEqual([
          [100, 12],
          [9, 2],
        ]);
        expect(pages.flat().map((t) => t.version)).toEqual([4, 3, 2, 1]);
        expect(pages.flat()[0]).toEqual(stageTenureRecord(model, "production", 100, { version: 4 }));
        expect(
          (await store.listStageTenures(model, "staging", { limit: 10 })).items.map((t) => t.seq),
        ).toEqual([3]);
        expect((await store.listStageTenures(model, "archived", { limit: 10 })).items).toEqual([]);
      });
    });

    describe("idempotency records", () => {
      it("claims a key once: claiming it again while the record lives is a conflict", async () => {
        const scope = unique("idem");
        const record = idempotencyRecord(scope);
        await store.commit([{ kind: "claimIdempotency", record, now: NOW }]);
        expect(await store.getIdempotencyRecord(scope, NOW)).toEqual(record);
        await expectConflict(
          store.commit([
            {
              kind: "claimIdempotency",
              record: idempotencyRecord(scope, { fingerprint: "other" }),
              now: NOW,
            },
          ]),
          ["claimIdempotency"],
        );
        expect(await store.getIdempotencyRecord(scope, NOW)).toEqual(record);
      });

      it("hides an expired record, and lets the key be claimed again", async () => {
        const scope = unique("expired");
        await store.commit([
          { kind: "claimIdempotency", record: idempotencyRecord(scope, { expiresAt: NOW - 10 }), now: NOW },
        ]);
        expect(await store.getIdempotencyRecord(scope, NOW)).toBeUndefined();
        const again = idempotencyRecord(scope, { fingerprint: "second" });
        await store.commit([{ kind: "claimIdempotency", record: again, now: NOW }]);
        expect(await store.getIdempotencyRecord(scope, NOW)).toEqual(again);
      });

      it("returns nothing for a key never claimed", async () => {
        expect(await store.getIdempotencyRecord(unique("never"), NOW)).toBeUndefined();
      });
    });

    describe("transactions", () => {
      it("write nothing when one op's condition fails", async () => {
        const model = unique("atomic");
        await store.commit([{ kind: "putHistory", record: historyRecord(model, 1) }]);
        const scope = unique("atomic-idem");
        await expectConflict(
          store.commit([
            { kind: "putModel", record: modelRecord(model), expectSeq: null },
            { kind: "putVersion", record: versionRecord(model, 1), expectRev: null },
            { kind: "claimIdempotency", record: idempotencyRecord(scope), now: NOW },
            { kind: "putHistory", record: historyRecord(model, 1) },
          ]),
          ["putHistory"],
        );
        expect(await store.getModel(model)).toBeUndefined();
        expect(await store.getVersion(model, 1)).toBeUndefined();
        expect(await store.getIdempotencyRecord(scope, NOW)).toBeUndefined();
        expect((await store.listHistory(model, { limit: 10 })).items).toEqual([historyRecord(model, 1)]);
      });

      it("write nothing of a stage change when one of its conditions fails", async () => {
        const model = unique("stagechange");
        await createVersions(model, [versionRecord(model, 1), versionRecord(model, 2)]);
        const before = await store.getModel(model);
        const oldTenure = stageTenureRecord(model, "production", 1, { version: 1 });
        // Version 2's staging tenure, which a stage change must not begin a second time.
        const stagingTenure = stageTenureRecord(model, "staging", 1, { version: 2 });
        await store.commit([
          { kind: "putStageTenure", record: oldTenure, expect: "new" },
          { kind: "putStageTenure", record: stagingTenure, expect: "new" },
        ]);
        const request = await requestTransition(
          transitionRecord(model, 2, transitionId(), { to: "production", status: "VALIDATING" }),
        );
        const change = (overrides: { tenure?: StageTenureRecord; expectRev?: number }): WriteOp[] => [
          {
            kind: "putModel",
            record: modelRecord(model, { seq: 2, stages: { production: 2 } }),
            expectSeq: 1,
          },
          {
            kind: "putTransition",
            record: { ...request, status: "APPLIED", previous: 1, rev: request.rev + 1 },
            expectRev: overrides.expectRev ?? request.rev,
          },
          { kind: "putStageTenure", record: { ...oldTenure, until: AT, leftBy: "bob" }, expect: "open" },
          {
            kind: "putStageTenure",
            record: overrides.tenure ?? stageTenureRecord(model, "production", 2, { version: 2 }),
            expect: "new",
          },
          { kind: "putHistory", record: historyRecord(model, 2) },
        ];
        // The tenure to begin exists already: nothing else of the change is written.
        await expectConflict(store.commit(change({ tenure: stagingTenure })), ["putStageTenure"]);
        // The request moved on meanwhile: likewise.
        await expectConflict(store.commit(change({ expectRev: 7 })), ["putTransition"]);
        expect(await store.getModel(model)).toEqual(before);
        expect(await store.getTransition(model, request.id)).toEqual(request);
        expect((await store.listStageTenures(model, "production", { limit: 10 })).items).toEqual([oldTenure]);
        expect((await store.listHistory(model, { limit: 10 })).items).toEqual([]);
        expect((await openTransitionsAmong([request.id], { status: "VALIDATING", limit: 100 })).length).toBe(
          1,
        );
        // With every condition holding, all of it is written.
        await store.commit(change({}));
        expect((await store.getModel(model))?.stages).toEqual({ production: 2 });
        expect((await store.getTransition(model, request.id))?.status).toBe("APPLIED");
        expect(
          (await store.listStageTenures(model, "production", { limit: 10 })).items.map((t) => [
            t.seq,
            t.until,
          ]),
        ).toEqual([
          [2, undefined],
          [1, AT],
        ]);
        expect(await openTransitionsAmong([request.id], { limit: 100 })).toEqual([]);
      });

      it("leave existing items unchanged when a later op fails", async () => {
        const model = unique("unchanged");
        await createVersions(model, [versionRecord(model, 1)]);
        const before = await store.getModel(model);
        await expectConflict(
          store.commit([
            { kind: "putModel", record: modelRecord(model, { seq: 2, latestVersion: 2 }), expectSeq: 1 },
            {
              kind: "putVersion",
              record: versionRecord(model, 1, { rev: 2, description: "edited" }),
              expectRev: 1,
            },
            { kind: "putVersion", record: versionRecord(model, 2), expectRev: null },
            { kind: "tagVersionAlias", model, version: 9, alias: "champion", action: "add" },
          ]),
          ["tagVersionAlias"],
        );
        expect(await store.getModel(model)).toEqual(before);
        expect(await store.getVersion(model, 1)).toEqual(versionRecord(model, 1));
        expect(await store.getVersion(model, 2)).toBeUndefined();
      });

      it("name every op whose condition failed", async () => {
        const model = unique("failed");
        await createVersions(model, [versionRecord(model, 1)]);
        await store.commit([{ kind: "putHistory", record: historyRecord(model, 1) }]);
        await expectConflict(
          store.commit([
            { kind: "putModel", record: modelRecord(model, { seq: 2 }), expectSeq: 5 },
            { kind: "putVersion", record: versionRecord(model, 2), expectRev: null },
            { kind: "putHistory", record: historyRecord(model, 1) },
          ]),
          ["putModel", "putHistory"],
        );
        expect(await store.getVersion(model, 2)).toBeUndefined();
      });
    });

    describe("page tokens", () => {
      it("are refused by any list other than the one that issued them", async () => {
        const model = unique("token");
        await createVersions(
          model,
          [1, 2, 3].map((n) => versionRecord(model, n, { stage: "staging" })),
        );
        for (const seq of [1, 2, 3])
          await store.commit([{ kind: "putHistory", record: historyRecord(model, seq) }]);
        const versionsToken = (await store.listVersions(model, { limit: 1 })).nextToken;
        const historyToken = (await store.listHistory(model, { limit: 1 })).nextToken;
        expect(versionsToken).toBeDefined();
        expect(historyToken).toBeDefined();
        await expect(store.listHistory(model, { limit: 1, nextToken: versionsToken })).rejects.toThrow(
          ValidationError,
        );
        await expect(store.listVersions(model, { limit: 1, nextToken: historyToken })).rejects.toThrow(
          ValidationError,
        );
        await expect(
          store.listVersions(model, { stage: "staging", limit: 1, nextToken: versionsToken }),
        ).rejects.toThrow(ValidationError);
        await expect(
          store.listVersions(unique("token"), { limit: 1, nextToken: versionsToken }),
        ).rejects.toThrow(ValidationError);
        await expect(store.listModels({ limit: 1, nextToken: versionsToken })).rejects.toThrow(
          ValidationError,
        );
        await expect(store.listVersions(model, { limit: 1, nextToken: "not-a-token" })).rejects.toThrow(
          ValidationError,
        );
      });

      it("of transition and tenure lists are refused by any other list", async () => {
        const model = unique("transtoken");
        for (const status of ["AWAITING_APPROVAL", "AWAITING_APPROVAL", "APPLIED"] as const)
          await requestTransition(transitionRecord(model, 1, transitionId(), { status }));
        for (const seq of [1, 2])
          await store.commit([
            { kind: "putStageTenure", record: stageTenureRecord(model, "production", seq), expect: "new" },
          ]);
        const transitionsToken = (await store.listTransitions(model, { limit: 1 })).nextToken;
        const versionToken = (await store.listTransitions(model, { version: 1, limit: 1 })).nextToken;
        const openToken = (await store.listOpenTransitions({ status: "AWAITING_APPROVAL", limit: 1 }))
          .nextToken;
        const tenuresToken = (await store.listStageTenures(model, "production", { limit: 1 })).nextToken;
        for (const token of [transitionsToken, versionToken, openToken, tenuresToken])
          expect(token).toBeDefined();
        const refused = [
          () => store.listTransitions(model, { status: "APPLIED", limit: 1, nextToken: transitionsToken }),
          () => store.listTransitions(model, { version: 2, limit: 1, nextToken: versionToken }),
          () => store.listTransitions(model, { limit: 1, nextToken: versionToken }),
          () => store.listTransitions(unique("transtoken"), { limit: 1, nextToken: transitionsToken }),
          () => store.listOpenTransitions({ limit: 1, nextToken: openToken }),
          () => store.listOpenTransitions({ status: "REQUESTED", limit: 1, nextToken: openToken }),
          () =>
            store.listOpenTransitions({ status: "AWAITING_APPROVAL", limit: 1, nextToken: transitionsToken }),
          () => store.listStageTenures(model, "staging", { limit: 1, nextToken: tenuresToken }),
          () => store.listStageTenures(model, "production", { limit: 1, nextToken: openToken }),
          () => store.listHistory(model, { limit: 1, nextToken: tenuresToken }),
        ];
        for (const list of refused) await expect(list()).rejects.toThrow(ValidationError);
      });
    });
  });
}
