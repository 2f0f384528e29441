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

export const VersionNumber = z.coerce
  .number({ error: "must be a positive integer" })
  .int({ error: "must be a positive integer" })
  .min(1, { error: "must be a positive integer" })
  .max(9_999_999_999, { error: "must be at most 9999999999" });

const TAG_KEY = /^[\p{L}\p{N} _.:/=+\-@]{1,128}$/u;

export const Tags = z
  .record(
    z.string().regex(TAG_KEY, {
      error: "tag keys are 1-128 letters, digits, spaces or _ . : / = + - @",
    }),
    z.string().max(256, { error: "tag values are at most 256 characters" }),
  )
  .refine((tags) => Object.keys(tags).length <= 50, { error: "at most 50 tags" })
  .meta({ id: "Tags", example: { team: "risk", "use-case": "card-fraud" } });

const Description = z.string().max(4096, { error: "must be at most 4096 characters" });
const Owner = z.string().min(1).max(256, { error: "must be at most 256 characters" });

const MetricThreshold = z
  .object({ min: z.number().optional(), max: z.number().optional() })
  .strict()
  .refine((t) => t.min !== undefined || t.max !== undefined, { error: "give min, max or both" });

const PolicyStage = z.enum(["staging", "production", "archived"]);

export const Policy = z
  .object({
    approvals: z
      .partialRecord(
        PolicyStage,
        z
          .object({
            required: z.number().int().min(0).max(10),
            allowSelfApproval: z.boolean().default(false),
          })
          .strict(),
      )
      .optional(),
    requirements: z
      .partialRecord(
        PolicyStage,
        z
          .object({
            metrics: z.record(z.string().min(1).max(128), MetricThreshold).optional(),
            signature: z.boolean().optional(),
            modelCard: z.boolean().optional(),
            lineage: z.array(z.enum(["runId", "gitCommit", "datasets"])).optional(),
          })
          .strict(),
      )
      .optional(),
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
  .meta({ id: "UpdateModelInput" });
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
      .max(5 * 1024 ** 4, { error: "must be at most 5 TiB (S3's object size limit)" }),
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
      .array(z.number().int().min(-1))
      .max(32)
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

const Metrics = z
  .record(z.string().min(1).max(250), z.number({ error: "metric values must be finite numbers" }))
  .refine((m) => Object.keys(m).length <= 500, { error: "at most 500 metrics" });
const Params = z
  .record(
    z.string().min(1).max(250),
    z.string().max(1000, { error: "param values are at most 1000 characters" }),
  )
  .refine((m) => Object.keys(m).length <= 200, { error: "at most 200 params" });

const ModelFormat = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.enum(MODEL_FORMATS, { error: `must be one of ${MODEL_FORMATS.join(", ")}` }));

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
        error: "artifact paths must be unique",
      }),
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

export const AliasResolution = z
  .object({ model: z.string(), alias: z.string(), version: z.number().int(), modelVersion: ModelVersion })
  .meta({ id: "AliasResolution" });

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

export const Limit = z.coerce
  .number({ error: "must be an integer between 1 and 100" })
  .int({ error: "must be an integer between 1 and 100" })
  .min(1, { error: "must be an integer between 1 and 100" })
  .max(100, { error: "must be an integer between 1 and 100" })
  .default(20);

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
