/**
 * One zod schema per input and output: validation, the TypeScript types, and (through
 * `functions/http/openapi.ts`) the OpenAPI 3.1 document all come from here.
 */
import { z } from "zod";

export const STAGES = ["development", "staging", "production", "archived"] as const;
export const VERSION_STATUSES = ["PENDING_UPLOAD", "READY", "FAILED"] as const;
export const MODEL_FORMATS = [
  "onnx",
  "torchscript",
  "savedmodel",
  "pickle",
  "joblib",
  "mlflow",
  "safetensors",
  "gguf",
  "other",
] as const;

export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const ALIAS_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

export const Stage = z.enum(STAGES).meta({ id: "Stage" });
export const VersionStatus = z.enum(VERSION_STATUSES).meta({ id: "VersionStatus" });

export const ModelName = z
  .string()
  .regex(MODEL_NAME_PATTERN, {
    error: "must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit",
  })
  .meta({ example: "fraud-detector" });

export const AliasName = z
  .string()
  .regex(ALIAS_PATTERN, {
    error: "must be 1-64 characters of letters, digits, '_' or '-', starting with a letter",
  })
  .meta({ example: "champion" });

// ---------------------------------------------------------------------------------------------
// Numbers

/** The largest version number; also bounds `latestVersion` so the sort keys stay fixed-width. */
export const MAX_VERSION = 9_999_999_999;

/**
 * DynamoDB stores numbers in [1e-130, 9.9999999999999999999999999999999999999e125] (and 0, and their
 * negatives). A double at or above 1e126 prints as `1e+126` and would be refused by the table, so
 * the upper bound is exclusive; 1e-130 itself prints as `1e-130` and is accepted.
 */
export const DYNAMODB_NUMBER_RULE =
  "must be 0 or have a magnitude between 1e-130 and 9.99e125 (DynamoDB's number range)";

/** A finite JSON number DynamoDB can store; `notANumber` is the message for anything else (strings, Infinity). */
export const storableNumber = (notANumber: string) =>
  z
    .number({ error: notANumber })
    .gt(-1e126, { error: DYNAMODB_NUMBER_RULE })
    .lt(1e126, { error: DYNAMODB_NUMBER_RULE })
    .refine((n) => n === 0 || Math.abs(n) >= 1e-130, { error: DYNAMODB_NUMBER_RULE });

/** A whole JSON number within bounds; the bounds are checks, so the document states them. */
const boundedInteger = (min: number, max: number, rule: string) =>
  z.number({ error: rule }).int({ error: rule }).min(min, { error: rule }).max(max, { error: rule });

const CANONICAL_DECIMAL = /^[1-9][0-9]{0,15}$/;

/**
 * A whole number written in a path or query string. Only canonical decimal digits are read:
 * `0x1`, `1e0`, `01`, ` 1` and `1.0` are refused rather than silently meaning 1, so one resource
 * has one URL. The document shows the parameter as an integer with its bounds (a generated client
 * sends `limit=5`, which is exactly the canonical form).
 */
export const decimalParam = (min: number, max: number) => {
  const rule = `must be a whole number from ${min} to ${max}, written in plain decimal digits (no sign, leading zero, exponent, decimal point or spaces)`;
  return z.preprocess(
    (raw: string, ctx) => {
      if (typeof raw === "string" && CANONICAL_DECIMAL.test(raw)) return Number(raw);
      if (typeof raw === "number") return raw; // an already-parsed value from in-process callers
      ctx.issues.push({ code: "custom", message: rule, input: raw });
      return raw;
    },
    boundedInteger(min, max, rule),
  );
};

export const VersionNumber = boundedInteger(
  1,
  MAX_VERSION,
  `must be a positive integer (1 to ${MAX_VERSION})`,
).meta({ description: "a version number of this model", example: 3 });

/** `{version}` and `{other}` in paths. */
export const VersionParam = decimalParam(1, MAX_VERSION);

// ---------------------------------------------------------------------------------------------
// Maps with user-chosen keys

/**
 * A JSON object whose keys the caller chooses (tags, metrics, params, metric thresholds).
 *
 * Not `z.record`: zod skips a `__proto__` key without validating or keeping it, and builds its
 * result with plain assignment on `{}`. Here every own key of the input is checked against `key`
 * and either kept as an own property of a prototype-free object (so `__proto__`, `constructor` and
 * `toString` are just names) or refused with an issue naming it. The document is generated from
 * the same key and value schemas (`propertyNames`, `additionalProperties`, `maxProperties`).
 */
export function userMap<V extends z.ZodType>(rules: {
  key: z.ZodType<string, string>;
  value: V;
  maxEntries: number;
  /** Plural noun for the count message, e.g. "tags". */
  noun: string;
  id?: string;
  description: string;
  example?: unknown;
}): z.ZodType<Record<string, z.output<V>>, Record<string, z.input<V>>> {
  const { key: keySchema, value: valueSchema, maxEntries, noun } = rules;
  const schema = z.unknown().transform((input, ctx) => {
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      ctx.issues.push({
        code: "invalid_type",
        expected: "object",
        input,
        message: `must be an object of ${noun}`,
      });
      return z.NEVER;
    }
    const keys = Object.keys(input);
    if (keys.length > maxEntries) {
      ctx.issues.push({
        code: "too_big",
        origin: "object",
        maximum: maxEntries,
        inclusive: true,
        input,
        message: `at most ${maxEntries} ${noun} (got ${keys.length})`,
      });
      return z.NEVER;
    }
    const out: Record<string, z.output<V>> = Object.create(null);
    for (const key of keys) {
      const checkedKey = keySchema.safeParse(key);
      if (!checkedKey.success) {
        ctx.issues.push({
          code: "custom",
          path: [key],
          input: key,
          message: checkedKey.error.issues[0]?.message ?? `is not an allowed key of ${noun}`,
        });
        continue;
      }
      const value = (input as Record<string, unknown>)[key];
      const checked = valueSchema.safeParse(value, { reportInput: true });
      if (!checked.success) {
        for (const issue of checked.error.issues) {
          ctx.issues.push({ ...issue, path: [key, ...issue.path] } as (typeof ctx.issues)[number]);
        }
        continue;
      }
      // `out` has no prototype, so even `__proto__` is stored as an ordinary own property.
      out[key] = checked.data as z.output<V>;
    }
    return out;
  });
  return schema.meta({
    ...(rules.id && { id: rules.id }),
    // zod-to-openapi takes `type` from here instead of looking into the transform.
    type: "object",
    description: rules.description,
    propertyNames: jsonSchemaOf(keySchema),
    additionalProperties: jsonSchemaOf(valueSchema),
    maxProperties: maxEntries,
    ...(rules.example !== undefined && { example: rules.example }),
  }) as unknown as z.ZodType<Record<string, z.output<V>>, Record<string, z.input<V>>>;
}

/** The JSON Schema zod itself derives, for embedding in a map's `propertyNames`/`additionalProperties`. */
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  // A schema with an `id` comes out as `$ref: "#/$defs/…"`, which means the document's root
  // inside an OpenAPI document: a dangling reference. Keys and values of maps must not have ids.
  if ("$defs" in rest) throw new Error("a userMap key or value schema must not carry a meta `id`");
  return rest;
}

/** A printable name: no control, format (bidi, zero-width) or separator-line characters, no edge spaces. */
const PRINTABLE_NAME = /^(?![\s])(?!.*[\s]$)[^\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]{1,250}$/u;
const PRINTABLE_NAME_RULE =
  "1-250 printable characters: no control or invisible formatting characters, and no leading or trailing spaces";

export const MetricName = z
  .string()
  .regex(PRINTABLE_NAME, { error: `metric names must be ${PRINTABLE_NAME_RULE}` })
  .meta({ description: `metric name: ${PRINTABLE_NAME_RULE}`, example: "val/auc" });

export const ParamName = z
  .string()
  .regex(PRINTABLE_NAME, { error: `param names must be ${PRINTABLE_NAME_RULE}` })
  .meta({ description: `param name: ${PRINTABLE_NAME_RULE}`, example: "learning_rate" });

const TAG_KEY = /^[\p{L}\p{N} _.:/=+\-@]{1,128}$/u;

export const TagKey = z.string().regex(TAG_KEY, {
  error: "tag keys are 1-128 letters, digits, spaces or _ . : / = + - @",
});

export const Tags = userMap({
  id: "Tags",
  key: TagKey,
  value: z
    .string({ error: "tag values must be strings" })
    .max(256, { error: "tag values are at most 256 characters" }),
  maxEntries: 50,
  noun: "tags",
  description:
    "Up to 50 tags: keys are 1-128 letters, digits, spaces or _ . : / = + - @; values at most 256 characters.",
  example: { team: "risk", "use-case": "card-fraud" },
});

const Description = z.string().max(4096, { error: "must be at most 4096 characters" });
const Owner = z.string().min(1).max(256, { error: "must be at most 256 characters" });

const MetricThreshold = z
  .object({
    min: storableNumber("must be a number").optional(),
    max: storableNumber("must be a number").optional(),
  })
  .strict()
  .refine((t) => t.min !== undefined || t.max !== undefined, { error: "give min, max or both" })
  // No `id`: it is embedded in MetricThresholds through zod's own JSON Schema (see `userMap`).
  .meta({ minProperties: 1, description: "the range a metric must fall in" });

const ApprovalRule = z
  .object({
    required: boundedInteger(0, 10, "must be a whole number of approvals from 0 to 10"),
    allowSelfApproval: z.boolean().default(false),
  })
  .strict()
  .meta({ id: "ApprovalRule" });

const StageRequirements = z
  .object({
    metrics: userMap({
      key: MetricName,
      value: MetricThreshold,
      maxEntries: 100,
      noun: "metric thresholds",
      id: "MetricThresholds",
      description: "metric name → the range its value must fall in (at most 100)",
    }).optional(),
    signature: z.boolean().optional(),
    modelCard: z.boolean().optional(),
    lineage: z
      .array(z.enum(["runId", "gitCommit", "datasets"]))
      .max(3)
      .optional(),
  })
  .strict()
  .meta({ id: "StageRequirements" });

/**
 * Keyed by stage, as strict objects rather than `z.partialRecord`: an unknown stage name (or
 * `__proto__`) is then an "unknown field" naming it, where a record would skip `__proto__` silently.
 */
const byPolicyStage = <T extends z.ZodType>(rule: T) =>
  z.object({ staging: rule.optional(), production: rule.optional(), archived: rule.optional() }).strict();

export const Policy = z
  .object({
    approvals: byPolicyStage(ApprovalRule).optional(),
    requirements: byPolicyStage(StageRequirements).optional(),
  })
  .strict()
  .meta({
    id: "Policy",
    description: "Which promotions need approval, and what a version must satisfy to enter a stage.",
    example: {
      approvals: { production: { required: 1, allowSelfApproval: false } },
      requirements: { staging: { metrics: { auc: { min: 0.8 } }, signature: true } },
    },
  });

// ---------------------------------------------------------------------------------------------
// Models

export const CreateModelInput = z
  .object({
    name: ModelName,
    description: Description.optional(),
    owner: Owner.optional(),
    tags: Tags.optional(),
    policy: Policy.optional(),
  })
  .strict()
  .meta({ id: "CreateModelInput" });
export type CreateModelInput = z.infer<typeof CreateModelInput>;

export const UpdateModelInput = z
  .object({
    description: Description.optional(),
    owner: Owner.optional(),
    tags: Tags.optional(),
    policy: Policy.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, {
    error: "give at least one of description, owner, tags, policy",
  })
  .meta({ id: "UpdateModelInput", minProperties: 1 });
export type UpdateModelInput = z.infer<typeof UpdateModelInput>;

export const Model = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    owner: z.string().optional(),
    tags: z.record(z.string(), z.string()),
    policy: Policy,
    latestVersion: z.number().int().meta({ description: "0 until the first version is created" }),
    stages: z.record(z.string(), z.number().int()).meta({ description: "exclusive stage → version" }),
    aliases: z.record(z.string(), z.number().int()),
    createdAt: z.iso.datetime(),
    createdBy: z.string(),
    updatedAt: z.iso.datetime(),
    updatedBy: z.string(),
    etag: z.string(),
  })
  .meta({ id: "Model" });
export type Model = z.infer<typeof Model>;

// ---------------------------------------------------------------------------------------------
// Versions

/** One presigned PUT uploads at most 5 GiB (S3's single-request limit); multipart is not offered yet. */
export const MAX_ARTIFACT_BYTES = 5 * 1024 ** 3;

const ARTIFACT_PATH = /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._\-/+=@ ]{1,512}$/;

export const ArtifactDeclaration = z
  .object({
    path: z.string().regex(ARTIFACT_PATH, {
      error:
        "must be a relative path of 1-512 letters, digits, spaces or . _ - / + = @, without '.' or '..' segments or a leading '/'",
    }),
    size: z
      .number({ error: "must be the file size in bytes" })
      .int({ error: "must be a whole number of bytes" })
      .min(0, { error: "must not be negative" })
      .max(MAX_ARTIFACT_BYTES, {
        error: "artifacts over 5 GiB need multipart uploads, which this registry does not offer yet",
      })
      .meta({ description: "bytes; at most 5 GiB (5368709120), the largest single presigned PUT" }),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, { error: "must be the SHA-256 of the file as 64 hex characters" })
      .transform((s) => s.toLowerCase()),
    contentType: z
      .string()
      .regex(/^[\w.+-]+\/[\w.+-]+$/, { error: "must be a MIME type such as application/octet-stream" })
      .optional(),
  })
  .strict()
  .meta({ id: "ArtifactDeclaration" });

const Dataset = z
  .object({
    name: z.string().min(1).max(256),
    uri: z.string().min(1).max(2048),
    digest: z.string().max(256).optional(),
  })
  .strict();

export const Lineage = z
  .object({
    runId: z.string().min(1).max(256).optional(),
    runUri: z.string().min(1).max(2048).optional(),
    gitRepo: z.string().min(1).max(2048).optional(),
    gitCommit: z
      .string()
      .regex(/^[0-9a-fA-F]{7,64}$/, { error: "must be a git commit hash (7-64 hex characters)" })
      .optional(),
    datasets: z.array(Dataset).max(50, { error: "at most 50 datasets" }).optional(),
    parentVersion: VersionNumber.optional(),
  })
  .strict()
  .meta({ id: "Lineage" });

const TensorSpec = z
  .object({
    name: z.string().min(1).max(256),
    type: z.string().regex(/^[A-Za-z][A-Za-z0-9_<>[\], ]{0,63}$/, {
      error: "must be a type name such as float32 or string",
    }),
    shape: z
      .array(
        boundedInteger(
          -1,
          Number.MAX_SAFE_INTEGER,
          `dimensions must be whole numbers from -1 (variable) to ${Number.MAX_SAFE_INTEGER}`,
        ),
      )
      .max(32, { error: "at most 32 dimensions" })
      .optional()
      .meta({ description: "-1 marks a variable dimension" }),
    optional: z.boolean().optional(),
  })
  .strict();

export const Signature = z
  .object({
    inputs: z.array(TensorSpec).max(500),
    outputs: z.array(TensorSpec).max(500),
  })
  .strict()
  .meta({ id: "Signature" });
export type Signature = z.infer<typeof Signature>;

export const Metrics = userMap({
  id: "Metrics",
  key: MetricName,
  value: storableNumber("metric values must be finite numbers"),
  maxEntries: 500,
  noun: "metrics",
  description: `Up to 500 metrics: name → number. Names are ${PRINTABLE_NAME_RULE}. Values are 0 or have a magnitude between 1e-130 and 9.99e125 (DynamoDB's number range).`,
  example: { auc: 0.93, "val/loss": 0.21 },
});

export const Params = userMap({
  id: "Params",
  key: ParamName,
  value: z
    .string({ error: "param values must be strings" })
    .max(1000, { error: "param values are at most 1000 characters" }),
  maxEntries: 200,
  noun: "params",
  description: `Up to 200 parameters: name → string of at most 1000 characters. Names are ${PRINTABLE_NAME_RULE}.`,
  example: { learning_rate: "0.01", epochs: "20" },
});

/**
 * Case-insensitive on the way in (clients have sent `ONNX` since v1), always lower case on the
 * way out. The document lists the lower-case values and says that any case is read.
 */
const ModelFormat = z
  .preprocess(
    (raw: string) => (typeof raw === "string" ? raw.toLowerCase() : raw),
    z.enum(MODEL_FORMATS, { error: `must be one of ${MODEL_FORMATS.join(", ")} (any case)` }),
  )
  .meta({ description: "one of the listed values, in any case (`ONNX` is read as `onnx`)" });

export const CreateVersionInput = z
  .object({
    description: Description.optional(),
    metrics: Metrics.optional(),
    params: Params.optional(),
    tags: Tags.optional(),
    lineage: Lineage.optional(),
    signature: Signature.optional(),
    framework: z.string().min(1).max(64).optional(),
    format: ModelFormat.optional(),
    semver: z
      .string()
      .regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/, {
        error: "must be a semantic version like 1.4.0",
      })
      .optional(),
    artifacts: z
      .array(ArtifactDeclaration, {
        error: "is required: list the files of this version as {path, size, sha256}",
      })
      .min(1, { error: "declare at least one artifact" })
      .max(100, { error: "at most 100 artifacts" })
      .refine((list) => new Set(list.map((a) => a.path)).size === list.length, {
        error: "artifact paths must be unique: declare each file once",
      })
      // `uniqueItems` is implied by unique paths; JSON Schema cannot say "unique by path".
      .meta({ uniqueItems: true, description: "the files of this version; each path at most once" }),
  })
  .strict()
  .meta({ id: "CreateVersionInput" });
export type CreateVersionInput = z.infer<typeof CreateVersionInput>;

export const UpdateVersionInput = z
  .object({
    description: Description.optional(),
    tags: Tags.optional(),
    modelCard: z.string().max(100_000, { error: "must be at most 100000 characters" }).optional(),
    metrics: Metrics.optional(),
    params: Params.optional(),
    lineage: Lineage.optional(),
    signature: Signature.optional(),
    framework: z.string().min(1).max(64).optional(),
    format: ModelFormat.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { error: "give at least one field to change" })
  .meta({
    id: "UpdateVersionInput",
    minProperties: 1,
    description:
      "description, tags and modelCard stay editable; the other fields only while the version is not READY.",
  });
export type UpdateVersionInput = z.infer<typeof UpdateVersionInput>;

export const Artifact = z
  .object({
    path: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    contentType: z.string().optional(),
  })
  .meta({ id: "Artifact" });
export type Artifact = z.infer<typeof Artifact>;

export const UploadInstruction = z
  .object({
    path: z.string(),
    method: z.literal("PUT").optional(),
    url: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    uploadId: z.string().optional(),
    parts: z.array(z.object({ partNumber: z.number().int(), url: z.string() })).optional(),
    partSize: z.number().int().optional(),
    expiresAt: z.iso.datetime(),
  })
  .meta({ id: "UploadInstruction" });

export const ModelVersion = z
  .object({
    model: z.string(),
    version: z.number().int(),
    semver: z.string().optional(),
    status: VersionStatus,
    stage: Stage,
    description: z.string().optional(),
    metrics: z.record(z.string(), z.number()),
    params: z.record(z.string(), z.string()),
    tags: z.record(z.string(), z.string()),
    lineage: Lineage.optional(),
    signature: Signature.optional(),
    framework: z.string().optional(),
    format: z.enum(MODEL_FORMATS).optional(),
    artifacts: z.array(Artifact),
    modelCard: z.string().optional(),
    aliases: z.array(z.string()),
    createdAt: z.iso.datetime(),
    createdBy: z.string(),
    updatedAt: z.iso.datetime(),
    updatedBy: z.string(),
    etag: z.string(),
  })
  .meta({ id: "ModelVersion" });
export type ModelVersion = z.infer<typeof ModelVersion>;

export const CreatedVersion = ModelVersion.extend({
  uploads: z.array(UploadInstruction).meta({ description: "where to upload each declared artifact" }),
}).meta({ id: "CreatedVersion" });

export const VersionComparison = z
  .object({
    model: z.string(),
    base: z.number().int(),
    other: z.number().int(),
    metrics: z.record(
      z.string(),
      z.object({ base: z.number().nullable(), other: z.number().nullable(), delta: z.number().nullable() }),
    ),
    params: z.record(z.string(), z.object({ base: z.string().nullable(), other: z.string().nullable() })),
    signature: z.object({
      changes: z.array(
        z.object({
          side: z.enum(["inputs", "outputs"]),
          name: z.string(),
          change: z.enum(["added", "removed", "typeChanged", "shapeChanged", "optionalityChanged"]),
          breaking: z.boolean(),
          base: z.unknown().optional(),
          other: z.unknown().optional(),
        }),
      ),
      breaking: z.boolean(),
    }),
    format: z.object({ base: z.string().nullable(), other: z.string().nullable() }),
    framework: z.object({ base: z.string().nullable(), other: z.string().nullable() }),
  })
  .meta({ id: "VersionComparison" });
export type VersionComparison = z.infer<typeof VersionComparison>;

// ---------------------------------------------------------------------------------------------
// Aliases

export const SetAliasInput = z.object({ version: VersionNumber }).strict().meta({ id: "SetAliasInput" });
export type SetAliasInput = z.infer<typeof SetAliasInput>;

export const Alias = z
  .object({ model: z.string(), alias: z.string(), version: z.number().int() })
  .meta({ id: "Alias" });
export type Alias = z.infer<typeof Alias>;

export const AliasResolution = Alias.extend({ modelVersion: ModelVersion }).meta({ id: "AliasResolution" });

// ---------------------------------------------------------------------------------------------
// History

export const HISTORY_ACTIONS = [
  "MODEL_REGISTERED",
  "MODEL_UPDATED",
  "MODEL_DELETED",
  "VERSION_CREATED",
  "VERSION_UPDATED",
  "ALIAS_SET",
  "ALIAS_DELETED",
] as const;

export const HistoryEntry = z
  .object({
    seq: z.number().int(),
    at: z.iso.datetime(),
    actor: z.string(),
    action: z.enum(HISTORY_ACTIONS),
    requestId: z.string(),
    version: z.number().int().optional(),
    from: z.unknown().optional(),
    to: z.unknown().optional(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "HistoryEntry" });
export type HistoryEntry = z.infer<typeof HistoryEntry>;

// ---------------------------------------------------------------------------------------------
// Lists

export const Limit = decimalParam(1, 100).default(20).meta({ description: "page size, 1-100 (default 20)" });

const NextToken = z.string().min(1).max(4096).optional().meta({ description: "from the previous page" });

export const ListModelsQuery = z
  .object({
    prefix: z.string().max(128).optional(),
    tag: z
      .string()
      .regex(/^[^=]+=.*$/, { error: "must look like key=value" })
      .optional(),
    owner: z.string().max(256).optional(),
    limit: Limit,
    nextToken: NextToken,
  })
  .strict();
export type ListModelsQuery = z.infer<typeof ListModelsQuery>;

export const ListVersionsQuery = z
  .object({ stage: Stage.optional(), status: VersionStatus.optional(), limit: Limit, nextToken: NextToken })
  .strict();
export type ListVersionsQuery = z.infer<typeof ListVersionsQuery>;

export const PageQuery = z.object({ limit: Limit, nextToken: NextToken }).strict();
export type PageQuery = z.infer<typeof PageQuery>;

export const page = <T extends z.ZodType>(item: T, id: string) =>
  z
    .object({
      items: z.array(item),
      nextToken: z.string().optional().meta({ description: "absent on the last page" }),
    })
    .meta({ id });

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ example: "ModelNotFound" }),
      message: z.string().meta({ example: "model 'fraud' does not exist" }),
      requestId: z.string(),
      issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: "Error" });

// ---------------------------------------------------------------------------------------------
// Headers

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** `Idempotency-Key` on every POST. */
export const IdempotencyKey = z
  .string()
  .regex(IDEMPOTENCY_KEY_PATTERN, { error: "must be 1-255 visible ASCII characters (no spaces)" })
  .meta({
    description:
      "1-255 visible ASCII characters (no spaces). A retry with the same key and body returns the first response; the same key with a different body is a 422.",
    example: "8e0f6c1e-3b1a-4f1e-9d57-2f0b1d6c9a41",
  });

/** `*`, or a comma-separated list of entity tags (RFC 9110 §13.1.1); each tag is ≤ 256 characters. */
export const IF_MATCH_PATTERN =
  /^(?:\*|(?:W\/)?"[\x21\x23-\x7e\x80-\xff]{0,256}"(?:[ \t]*,[ \t]*(?:W\/)?"[\x21\x23-\x7e\x80-\xff]{0,256}"){0,49})$/;

/** `If-Match` on PATCH and DELETE. */
export const IfMatch = z
  .string()
  .regex(IF_MATCH_PATTERN, {
    error: 'must be * or a comma-separated list of quoted ETags such as "3"',
  })
  .meta({
    description:
      'The ETag you read (e.g. "3"), a list of them, or * (the resource exists). Compared strongly: a weak tag (W/"3") never matches, so the request ends in 412.',
    example: '"3"',
  });
