/** Versions: artifacts, lineage, signature, inputs, representation and comparison. */
import { z } from "zod";
import { MAX_OBJECT_BYTES } from "../artifacts/upload-plan.ts";
import { Description } from "./models.ts";
import { ARTIFACT_CHECK_STATUSES, MODEL_FORMATS, Stage, VersionStatus } from "./names.ts";
import { boundedInteger, VersionNumber } from "./numbers.ts";
import { Metrics, Params, Tags } from "./user-maps.ts";

/**
 * S3's largest object (a multipart upload of at most 10,000 parts). Artifacts up to the multipart
 * threshold (64 MiB by default) are uploaded with one presigned PUT, larger ones in parts.
 */
export const MAX_ARTIFACT_BYTES = MAX_OBJECT_BYTES;

/**
 * A relative path inside the version: the S3 key is `models/<model>/versions/<n>/<path>`, so a
 * path must not climb out (`..`), start at the root, or hide a segment (`.`, `//`).
 */
export const ARTIFACT_PATH =
  /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))(?!.*\/\/)(?!.*\/$)[A-Za-z0-9._\-/+=@ ]{1,512}$/;

/** The rules of an artifact path, each with the message that names it (checked in this order). */
const ARTIFACT_PATH_RULES: readonly [RegExp, string][] = [
  [/^.{1,512}$/su, "must be 1-512 characters long"],
  [/^[^\p{Cc}]*$/u, "must not contain control characters"],
  [/^[^\\]*$/, "must not contain backslashes: separate folders with '/'"],
  [/^(?!\/)/, "must be relative: no leading '/'"],
  [/^(?!.*(?:^|\/)\.\.?(?:\/|$))/, "must not contain '.' or '..' segments"],
  [/^(?!.*\/\/)(?!.*\/$)/, "must not contain empty segments ('//' or a trailing '/')"],
  [
    ARTIFACT_PATH,
    "must be a relative path of 1-512 letters, digits, spaces or . _ - / + = @, without '.' or '..' segments or a leading '/'",
  ],
];

/** An artifact path, refused with the first rule it breaks. */
export const ArtifactPath = z
  .string()
  .check((ctx) => {
    const broken = ARTIFACT_PATH_RULES.find(([rule]) => !rule.test(ctx.value));
    if (broken) ctx.issues.push({ code: "custom", message: broken[1], input: ctx.value });
  })
  .meta({ pattern: ARTIFACT_PATH.source, example: "weights/model.onnx" });

export const ArtifactDeclaration = z
  .object({
    path: ArtifactPath,
    size: z
      .number({ error: "must be the file size in bytes" })
      .int({ error: "must be a whole number of bytes" })
      .min(0, { error: "must not be negative" })
      .max(MAX_ARTIFACT_BYTES, {
        error: `artifacts are at most 5 TiB (${MAX_ARTIFACT_BYTES} bytes), S3's largest object`,
      })
      .meta({
        description:
          "bytes; at most 5 TiB (5497558138880), S3's largest object. Above the multipart threshold (64 MiB by default) the upload is in parts",
      }),
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

export const Dataset = z
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

export const TensorSpec = z
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

/** `onnx` → `[oO][nN][nN][xX]`: the document can state case-insensitivity only as a pattern. */
const anyCase = (word: string) =>
  [...word].map((c) => (/[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : c)).join("");

const MODEL_FORMAT_RULE = `must be one of ${MODEL_FORMATS.join(", ")} (any case)`;

/**
 * Case-insensitive on the way in (clients have sent `ONNX` since v1), always lower case on the
 * way out. The document states the accepted spellings as a pattern, so a generated client that
 * sends `ONNX` is not told it is wrong.
 */
export const ModelFormat = z
  .string({ error: MODEL_FORMAT_RULE })
  .regex(new RegExp(`^(?:${MODEL_FORMATS.map(anyCase).join("|")})$`), { error: MODEL_FORMAT_RULE })
  .transform((raw) => raw.toLowerCase() as (typeof MODEL_FORMATS)[number])
  .meta({ description: `one of ${MODEL_FORMATS.join(", ")}, in any case (\`ONNX\` is read as \`onnx\`)` });

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

/**
 * Where a multipart upload of an artifact stands: S3's upload id and the planned parts. No `id`:
 * the document has always shown it inline, as `Artifact.upload`.
 */
export const MultipartUpload = z
  .object({
    uploadId: z.string(),
    partSize: z.number().int().meta({ description: "bytes per part; the last part holds the rest" }),
    partCount: z.number().int(),
  });
export type MultipartUpload = z.infer<typeof MultipartUpload>;

export const Artifact = z
  .object({
    path: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    contentType: z.string().optional(),
    upload: MultipartUpload.optional().meta({
      description: "present when the artifact is uploaded in parts (above the multipart threshold)",
    }),
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
    parts: z
      .array(z.object({ partNumber: z.number().int(), url: z.string() }))
      .optional()
      .meta({
        description:
          "presigned PUT URLs of the first parts only; ask POST /models/{model}/versions/{version}/uploads for the others",
      }),
    partSize: z.number().int().optional(),
    partCount: z.number().int().optional(),
    expiresAt: z.iso.datetime(),
  })
  .meta({
    id: "UploadInstruction",
    description:
      "single upload: PUT the bytes to `url` with exactly `headers`; multipart: PUT each part to its URL, then POST .../uploads/complete with the parts' ETags",
  });
export type UploadInstruction = z.infer<typeof UploadInstruction>;

/** What the seal or the verifier found for one declared artifact. */
export const ArtifactCheck = z
  .object({
    path: z.string(),
    status: z.enum(ARTIFACT_CHECK_STATUSES),
    expected: z.object({ size: z.number().int(), sha256: z.string() }),
    actual: z
      .object({ size: z.number().int(), sha256: z.string().optional() })
      .nullable()
      .meta({ description: "what S3 holds; null when the object is missing; sha256 when known" }),
  })
  .meta({
    id: "ArtifactCheck",
    description:
      "verified: size and SHA-256 match; needsHashing: the size matches and S3 has no full-object SHA-256, so the verifier reads it",
  });
export type ArtifactCheck = z.infer<typeof ArtifactCheck>;

/** The last verification of a version's artifacts (the verifier's, or a seal's that went READY). */
export const Verification = z
  .object({
    status: z.enum(["RUNNING", "PASSED", "FAILED"]),
    startedAt: z.iso.datetime(),
    checkedAt: z.iso.datetime().optional(),
    requestedBy: z.string(),
    artifacts: z.array(ArtifactCheck).optional(),
  })
  .meta({ id: "Verification" });
export type Verification = z.infer<typeof Verification>;

export const ModelVersion = z
  .object({
    model: z.string(),
    version: z.number().int(),
    semver: z.string().optional(),
    status: VersionStatus,
    stage: Stage,
    stageSince: z.iso
      .datetime()
      .optional()
      .meta({ description: "when it entered its stage (absent while in development since creation)" }),
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
    verification: Verification.optional(),
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
