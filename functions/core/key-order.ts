/**
 * The order a representation's keys are written in: its schema's. DynamoDB returns an item's
 * attributes, and a map's keys, in an order of its own, so a version read back would print its
 * `updatedBy` before its `model`, and each artifact its `size` before its `path`. The views in
 * `records.ts` put them back in schema order, so the JSON a person reads (the CLI prints it as
 * it comes) has the same shape every time. Free-form maps (metrics, params, tags, aliases,
 * stages, a history entry's details) are printed with their keys sorted, on create as on read.
 * `test/unit/core/key-order.test.ts` derives each order below from its schema and fails when
 * they differ.
 */

export interface KeyOrder {
  keys: readonly string[];
  /** The order of an object-valued key (or of each element of an array-valued one). */
  nested?: Readonly<Record<string, KeyOrder>>;
  /** A free-form map: its keys sorted (by UTF-16 code unit, as `Array.prototype.sort` does). */
  sorted?: true;
}

const MAP: KeyOrder = { keys: [], sorted: true };
/** Who made and last changed a model or a version, and when, and its ETag: the last keys of both. */
const STAMPS = ["createdAt", "createdBy", "updatedAt", "updatedBy", "etag"] as const;

const SIZE_AND_DIGEST: KeyOrder = { keys: ["size", "sha256"] };
const TENSOR: KeyOrder = { keys: ["name", "type", "shape", "optional"] };
const REQUIREMENTS: KeyOrder = {
  keys: ["metrics", "signature", "modelCard", "lineage", "tags", "compatibleSignature", "customValidation"],
  nested: { customValidation: { keys: ["functionArn"] } },
};
const APPROVALS: KeyOrder = { keys: ["required", "allowSelfApproval"] };

const POLICY: KeyOrder = {
  keys: ["approvals", "requirements", "demoteProductionTo"],
  nested: {
    approvals: {
      keys: ["staging", "production", "archived"],
      nested: { staging: APPROVALS, production: APPROVALS, archived: APPROVALS },
    },
    requirements: {
      keys: ["staging", "production", "archived"],
      nested: { staging: REQUIREMENTS, production: REQUIREMENTS, archived: REQUIREMENTS },
    },
  },
};

export const MODEL_ORDER: KeyOrder = {
  keys: ["name", "description", "owner", "tags", "policy", "latestVersion", "stages", "aliases", ...STAMPS],
  nested: {
    tags: MAP,
    policy: POLICY,
    stages: MAP,
    aliases: MAP,
  },
};

export const VERSION_ORDER: KeyOrder = {
  keys: [
    "model",
    "version",
    "semver",
    "status",
    "stage",
    "stageSince",
    "description",
    "metrics",
    "params",
    "tags",
    "lineage",
    "signature",
    "framework",
    "format",
    "artifacts",
    "modelCard",
    "aliases",
    "verification",
    ...STAMPS,
  ],
  nested: {
    metrics: MAP,
    params: MAP,
    tags: MAP,
    lineage: {
      keys: ["runId", "runUri", "gitRepo", "gitCommit", "datasets", "parentVersion"],
      nested: { datasets: { keys: ["name", "uri", "digest"] } },
    },
    signature: { keys: ["inputs", "outputs"], nested: { inputs: TENSOR, outputs: TENSOR } },
    artifacts: {
      keys: ["path", "size", "sha256", "contentType", "upload"],
      nested: { upload: { keys: ["uploadId", "partSize", "partCount"] } },
    },
    verification: {
      keys: ["status", "startedAt", "checkedAt", "requestedBy", "artifacts"],
      nested: {
        artifacts: {
          keys: ["path", "status", "expected", "actual"],
          nested: { expected: SIZE_AND_DIGEST, actual: { keys: ["size", "sha256", "versionId"] } },
        },
      },
    },
  },
};

export const MODEL_POLICY_ORDER: KeyOrder = {
  keys: ["model", "policy", "floor", "effective", "digest", "etag"],
  nested: { policy: POLICY, floor: POLICY, effective: POLICY },
};

export const HISTORY_ORDER: KeyOrder = {
  keys: ["seq", "at", "actor", "action", "requestId", "version", "from", "to", "details"],
  nested: { details: MAP },
};

export const TRANSITION_ORDER: KeyOrder = {
  keys: [
    "id",
    "model",
    "version",
    "from",
    "to",
    "kind",
    "status",
    "comment",
    "requestedBy",
    "requestedAt",
    "updatedAt",
    "approvalsRequired",
    "allowSelfApproval",
    "policyDigest",
    "validation",
    "approvalDeadline",
    "approvals",
    "previous",
    "reason",
    "endedAt",
    "endedBy",
  ],
  nested: {
    validation: {
      keys: ["passed", "checks", "at", "evidence"],
      nested: {
        checks: { keys: ["check", "expected", "actual", "passed"] },
        evidence: {
          keys: ["version", "holder"],
          nested: {
            version: { keys: ["version", "rev", "digest"] },
            holder: { keys: ["version", "rev", "digest"] },
          },
        },
      },
    },
    approvals: { keys: ["by", "decision", "comment", "at", "person", "identitySource"] },
  },
};

export const STAGE_TENURE_ORDER: KeyOrder = {
  keys: [
    "stage",
    "version",
    "from",
    "enteredBy",
    "enteredWith",
    "approvedBy",
    "policyDigest",
    "until",
    "leftBy",
    "leftWith",
  ],
};

/**
 * `value` with the keys of each object `order` describes in that order (a map's sorted); keys it
 * does not list follow in the order they came.
 */
export function inKeyOrder<T>(value: T, order: KeyOrder): T {
  if (Array.isArray(value)) return value.map((element: unknown) => inKeyOrder(element, order)) as T;
  if (value === null || typeof value !== "object") return value;
  const source = value as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  const keys = order.sorted ? Object.keys(source).sort() : order.keys;
  const put = (key: string) => {
    const nested = order.nested && Object.hasOwn(order.nested, key) ? order.nested[key] : undefined;
    // Defined, not assigned: a key such as `__proto__` stays a plain key.
    Object.defineProperty(ordered, key, {
      value: nested ? inKeyOrder(source[key], nested) : source[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  };
  for (const key of keys) if (Object.hasOwn(source, key)) put(key);
  for (const key of Object.keys(source)) if (!Object.hasOwn(ordered, key)) put(key);
  return ordered as T;
}
