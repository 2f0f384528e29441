/**
 * Offline: the transaction items each write op becomes (key, attributes, condition), as
 * DynamoDB will receive them. The same keys must keep matching the items already stored.
 */
import { describe, expect, it } from "vitest";
import { toIdempotencyRecord } from "#adapters/dynamodb/items/idempotency.ts";
import { toModelRecord } from "#adapters/dynamodb/items/model.ts";
import { toStageTenureRecord } from "#adapters/dynamodb/items/stage-tenure.ts";
import { toTransitionRecord } from "#adapters/dynamodb/items/transition.ts";
import { toVersionRecord } from "#adapters/dynamodb/items/version.ts";
import { toTransactItem, writers } from "#adapters/dynamodb/items/writers.ts";
import { marshallTransactItem } from "#adapters/dynamodb/transact.ts";
import type { IdempotencyRecord, WriteOp } from "#core/ports.ts";
import type {
  HistoryRecord,
  ModelRecord,
  StageTenureRecord,
  TransitionRecord,
  VersionRecord,
} from "#core/records.ts";

const TABLE = "registry";

/** The condition that the item's `counter` attribute still holds `value`, the one the writer read. */
const stillAt = (counter: string, value: number) => ({
  ConditionExpression: `#${counter} = :${counter}`,
  ExpressionAttributeNames: { [`#${counter}`]: counter },
  ExpressionAttributeValues: { [`:${counter}`]: value },
});

const model: ModelRecord = {
  name: "fraud",
  tags: { team: "risk" },
  policy: {},
  latestVersion: 2,
  stages: { staging: 2 },
  aliases: { champion: 2 },
  createdAt: "2025-01-01T00:00:00.000Z",
  createdBy: "alice",
  updatedAt: "2025-01-02T00:00:00.000Z",
  updatedBy: "bob",
  rev: 3,
  seq: 7,
};

const version: VersionRecord = {
  model: "fraud",
  version: 42,
  status: "PENDING_UPLOAD",
  stage: "staging",
  metrics: { auc: 0.91 },
  params: {},
  tags: {},
  artifacts: [{ path: "model.onnx", size: 1024, sha256: "ab" }],
  aliases: ["champion"],
  createdAt: "2025-01-01T00:00:00.000Z",
  createdBy: "alice",
  updatedAt: "2025-01-01T00:00:00.000Z",
  updatedBy: "alice",
  rev: 1,
};

const history: HistoryRecord = {
  model: "fraud",
  seq: 7,
  at: "2025-01-02T00:00:00.000Z",
  actor: "bob",
  action: "MODEL_UPDATED",
  requestId: "req-1",
  details: {},
};

const idempotency = {
  scope: "abc123",
  fingerprint: "f",
  body: { name: "fraud", empty: {} },
  createdAt: "2025-01-01T00:00:00.000Z",
  expiresAt: 1_900_000_000,
} as IdempotencyRecord;

const transition: TransitionRecord = {
  id: "01JDQ5Z8Y7T3V4W5X6Y7Z8A9BC",
  model: "fraud",
  version: 42,
  from: "staging",
  to: "production",
  kind: "promotion",
  status: "AWAITING_APPROVAL",
  requestedBy: "alice",
  requestedAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:01:00.000Z",
  approvalsRequired: 2,
  allowSelfApproval: false,
  approvals: [],
  requirements: { signature: true },
  execution: "exec-1",
  taskToken: "token-1",
  rev: 3,
};

const tenure: StageTenureRecord = {
  model: "fraud",
  seq: 7,
  stage: "production",
  version: 42,
  from: "2025-01-02T00:00:00.000Z",
  enteredBy: "alice",
  approvedBy: ["bob"],
};

const write = (op: WriteOp) => toTransactItem(op, TABLE);

function putOf(op: WriteOp) {
  const item = write(op);
  if (!("Put" in item)) throw new Error(`${op.kind} should be a Put`);
  return item.Put;
}

describe("the model item", () => {
  it("is keyed by the model name and listed in gsi1 under MODELS", () => {
    const Put = putOf({ kind: "putModel", record: model, expectSeq: null });
    expect(Put.Item).toEqual({
      pk: "MODEL#fraud",
      sk: "MODEL",
      gsi1pk: "MODELS",
      gsi1sk: "fraud",
      type: "model",
      v: 1,
      ...model,
    });
  });

  it("is created only if no model of that name exists", () => {
    expect(write({ kind: "putModel", record: model, expectSeq: null })).toMatchObject({
      Put: {
        TableName: TABLE,
        ConditionExpression: "attribute_not_exists(#pk)",
        ExpressionAttributeNames: { "#pk": "pk" },
      },
    });
  });

  it("is replaced only if its seq is still the one the writer read", () => {
    expect(write({ kind: "putModel", record: model, expectSeq: 6 })).toMatchObject({
      Put: stillAt("seq", 6),
    });
  });

  it("leaves the name index when the model is deleted, so lists never see tombstones", () => {
    const tombstone = { ...model, deletedAt: "2025-01-03T00:00:00.000Z", deletedBy: "bob" };
    const Put = putOf({ kind: "putModel", record: tombstone, expectSeq: 7 });
    expect(Put.Item).not.toHaveProperty("gsi1pk");
    expect(Put.Item).not.toHaveProperty("gsi1sk");
    expect(Put.Item).toMatchObject({ pk: "MODEL#fraud", sk: "MODEL", deletedAt: tombstone.deletedAt });
  });

  it("reads back as the record, without keys or envelope", () => {
    const Put = putOf({ kind: "putModel", record: model, expectSeq: null });
    expect(toModelRecord({ ...Put.Item })).toEqual(model);
  });
});

describe("the version item", () => {
  it("is keyed under its model with a zero-padded number, and in gsi1 under its model and stage", () => {
    const Put = putOf({ kind: "putVersion", record: version, expectRev: null });
    expect(Put.Item).toMatchObject({
      pk: "MODEL#fraud",
      sk: "VERSION#0000000042",
      gsi1pk: "MODEL#fraud#STAGE#staging",
      gsi1sk: "VERSION#0000000042",
      type: "version",
      v: 1,
      metrics: { auc: 0.91 },
    });
    expect(Put.Item.aliases).toEqual(new Set(["champion"]));
  });

  it("has no aliases attribute when it has no aliases (DynamoDB has no empty sets)", () => {
    const Put = putOf({ kind: "putVersion", record: { ...version, aliases: [] }, expectRev: null });
    expect(Put.Item).not.toHaveProperty("aliases");
    expect(toVersionRecord({ ...Put.Item }).aliases).toEqual([]);
  });

  it("is created only if absent, and replaced only at the rev the writer read", () => {
    expect(write({ kind: "putVersion", record: version, expectRev: null })).toMatchObject({
      Put: { ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": "pk" } },
    });
    expect(write({ kind: "putVersion", record: version, expectRev: 1 })).toMatchObject({
      Put: stillAt("rev", 1),
    });
  });

  it("gains or loses one alias name with ADD/DELETE on a version that exists", () => {
    const op = { kind: "tagVersionAlias", model: "fraud", version: 3, alias: "champion" } as const;
    expect(write({ ...op, action: "add" })).toEqual({
      Update: {
        TableName: TABLE,
        Key: { pk: "MODEL#fraud", sk: "VERSION#0000000003" },
        UpdateExpression: "ADD #aliases :alias",
        ConditionExpression: "attribute_exists(#pk)",
        ExpressionAttributeNames: { "#pk": "pk", "#aliases": "aliases" },
        ExpressionAttributeValues: { ":alias": new Set(["champion"]) },
      },
    });
    expect(write({ ...op, action: "remove" })).toMatchObject({
      Update: { UpdateExpression: "DELETE #aliases :alias" },
    });
  });

  it("reads back with its aliases as a sorted list", () => {
    const record = { ...version, aliases: ["b", "a"] };
    const Put = putOf({ kind: "putVersion", record, expectRev: null });
    expect(toVersionRecord({ ...Put.Item })).toEqual({ ...record, aliases: ["a", "b"] });
  });
});

describe("the history item", () => {
  it("is keyed under its model by seq, and never overwritten", () => {
    expect(write({ kind: "putHistory", record: history })).toEqual({
      Put: {
        TableName: TABLE,
        Item: { pk: "MODEL#fraud", sk: "HISTORY#0000000007", type: "history", v: 1, ...history },
        ConditionExpression: "attribute_not_exists(#pk)",
        ExpressionAttributeNames: { "#pk": "pk" },
      },
    });
  });
});

describe("the transition item", () => {
  it("is keyed under its model by id, in gsi1 under its version, and in gsi2 while open", () => {
    const Put = putOf({ kind: "putTransition", record: transition, expectRev: null });
    expect(Put.Item).toEqual({
      pk: "MODEL#fraud",
      sk: "TRANSITION#01JDQ5Z8Y7T3V4W5X6Y7Z8A9BC",
      gsi1pk: "MODEL#fraud#VERSION#0000000042#TRANSITIONS",
      gsi1sk: "01JDQ5Z8Y7T3V4W5X6Y7Z8A9BC",
      gsi2pk: "TRANSITIONS#OPEN",
      gsi2sk: "AWAITING_APPROVAL#01JDQ5Z8Y7T3V4W5X6Y7Z8A9BC",
      type: "transition",
      v: 1,
      ...transition,
    });
  });

  it.each(["APPLIED", "REJECTED", "FAILED", "CANCELLED", "TIMED_OUT"] as const)(
    "leaves the open index when %s",
    (status) => {
      const Put = putOf({ kind: "putTransition", record: { ...transition, status }, expectRev: 3 });
      expect(Put.Item).not.toHaveProperty("gsi2pk");
      expect(Put.Item).not.toHaveProperty("gsi2sk");
      expect(Put.Item).toMatchObject({ gsi1pk: "MODEL#fraud#VERSION#0000000042#TRANSITIONS", status });
    },
  );

  it("is created only if absent, and replaced only at the rev the writer read", () => {
    expect(write({ kind: "putTransition", record: transition, expectRev: null })).toMatchObject({
      Put: { ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": "pk" } },
    });
    expect(write({ kind: "putTransition", record: transition, expectRev: 2 })).toMatchObject({
      Put: stillAt("rev", 2),
    });
  });

  it("reads back as the record, task token and requirements included, without keys or envelope", () => {
    const Put = putOf({ kind: "putTransition", record: transition, expectRev: null });
    expect(toTransitionRecord({ ...Put.Item })).toEqual(transition);
  });
});

describe("the stage tenure item", () => {
  it("is keyed under its model by stage and the seq that began it", () => {
    expect(write({ kind: "putStageTenure", record: tenure, expect: "new" })).toEqual({
      Put: {
        TableName: TABLE,
        Item: { pk: "MODEL#fraud", sk: "STAGE#production#0000000007", type: "stageTenure", v: 1, ...tenure },
        ConditionExpression: "attribute_not_exists(#pk)",
        ExpressionAttributeNames: { "#pk": "pk" },
      },
    });
  });

  it("is ended only while it exists and has no end yet", () => {
    const ended = { ...tenure, until: "2025-02-01T00:00:00.000Z", leftBy: "carol" };
    expect(write({ kind: "putStageTenure", record: ended, expect: "open" })).toMatchObject({
      Put: {
        ConditionExpression: "attribute_exists(#pk) AND attribute_not_exists(#until)",
        ExpressionAttributeNames: { "#pk": "pk", "#until": "until" },
      },
    });
    const Put = putOf({ kind: "putStageTenure", record: ended, expect: "open" });
    expect(toStageTenureRecord({ ...Put.Item })).toEqual(ended);
  });
});

describe("the idempotency item", () => {
  it("is keyed by its scope, holds the body as JSON, and expires through the ttl attribute", () => {
    const Put = putOf({ kind: "claimIdempotency", record: idempotency, now: 1_800_000_000 });
    expect(Put.Item).toEqual({
      pk: "IDEMPOTENCY#abc123",
      sk: "IDEMPOTENCY",
      type: "idempotency",
      v: 1,
      ...idempotency,
      body: JSON.stringify(idempotency.body),
      ttl: idempotency.expiresAt,
    });
  });

  it("is claimed only if absent or expired at the time the core read from its clock", () => {
    const Put = putOf({ kind: "claimIdempotency", record: idempotency, now: 1_800_000_000 });
    expect(Put).toMatchObject({
      ConditionExpression: "attribute_not_exists(#pk) OR #ttl < :now",
      ExpressionAttributeNames: { "#pk": "pk", "#ttl": "ttl" },
    });
    expect(Put.ExpressionAttributeValues?.[":now"]).toBe(1_800_000_000);
  });

  it("stores whatever fields the record has, and reads back as the same record until it expires", () => {
    const record = { ...idempotency, extra: "kept" } as IdempotencyRecord;
    const Put = putOf({ kind: "claimIdempotency", record, now: 1_800_000_000 });
    expect(toIdempotencyRecord({ ...Put.Item }, record.expiresAt)).toEqual(record);
    expect(toIdempotencyRecord({ ...Put.Item }, record.expiresAt + 1)).toBeUndefined();
  });
});

describe("the writers", () => {
  it("cover every write op kind", () => {
    expect(Object.keys(writers).sort()).toEqual(
      [
        "claimIdempotency",
        "putHistory",
        "putModel",
        "putStageTenure",
        "putTransition",
        "putVersion",
        "tagVersionAlias",
      ].sort(),
    );
  });

  it("produce items that marshal to DynamoDB attribute values, sets and numbers included", () => {
    const marshalled = marshallTransactItem(
      write({ kind: "tagVersionAlias", model: "fraud", version: 3, alias: "champion", action: "add" }),
    );
    expect(marshalled).toEqual({
      Update: {
        TableName: TABLE,
        Key: { pk: { S: "MODEL#fraud" }, sk: { S: "VERSION#0000000003" } },
        UpdateExpression: "ADD #aliases :alias",
        ConditionExpression: "attribute_exists(#pk)",
        ExpressionAttributeNames: { "#pk": "pk", "#aliases": "aliases" },
        ExpressionAttributeValues: { ":alias": { SS: ["champion"] } },
      },
    });
    const put = marshallTransactItem(write({ kind: "putModel", record: model, expectSeq: 6 }));
    expect(put).toMatchObject({
      Put: {
        Item: { seq: { N: "7" }, tags: { M: { team: { S: "risk" } } } },
        ExpressionAttributeValues: { ":seq": { N: "6" } },
      },
    });
  });
});
