/** Versions: artifacts, lineage, signature, inputs, representation and comparison. */
import * as z from "zod/mini";
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
  .register(z.globalRegistry, { pattern: ARTIFACT_PATH.source, example: "weights/model.onnx" });

export const ArtifactDeclaration = z
  .strictObject({
    path: ArtifactPath,
    size: z
      .int({
        // One schema checks both: a non-number and a fraction get different messages.
        error: (issue) =>
          issue.code === "invalid_type" && issue.expected === "number"
            ? "must be the file size in bytes"
            : "must be a whole number of bytes",
      })
      .check(
        z.minimum(0, { error: "must not be negative" }),
        z.maximum(MAX_ARTIFACT_BYTES, {
          error: `artifacts are at most 5 TiB (${MAX_ARTIFACT_BYTES} bytes), S3's largest object`,
        }),
      )
      .register(z.globalRegistry, {
        description:
          "bytes; at most 5 TiB (5497558138880), S3's largest object. Above the multipart threshold (64 MiB by default) the upload is in parts",
      }),
    sha256: z.pipe(
      z
        .string()
        .check(
          z.regex(/^[0-9a-fA-F]{64}$/, { error: "must be the SHA-256 of the file as 64 hex characters" }),
        ),
      z.transform((s) => s.toLowerCase()),
    ),
    contentType: z.optional(
      z
        .string()
        .check(
          z.regex(/^[\w.+-]+\/[\w.+-]+$/, { error: "must be a MIME type such as application/octet-stream" }),
        ),
    ),
  })
  .register(z.globalRegistry, { id: "ArtifactDeclaration" });

export const Dataset = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(256)),
  uri: z.string().check(z.minLength(1), z.maxLength(2048)),
  digest: z.optional(z.string().check(z.maxLength(256))),
});

export const Lineage = z
  .strictObject({
    runId: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
    runUri: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
    gitRepo: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
    gitCommit: z.optional(
      z
        .string()
        .check(z.regex(/^[0-9a-fA-F]{7,64}$/, { error: "must be a git commit hash (7-64 hex characters)" })),
    ),
    datasets: z.optional(z.array(Dataset).check(z.maxLength(50, { error: "at most 50 datasets" }))),
    parentVersion: z.optional(VersionNumber),
  })
  .register(z.globalRegistry, { id: "Lineage" });

export const TensorSpec = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(256)),
  type: z.string().check(
    z.regex(/^[A-Za-z][A-Za-z0-9_<>[\], ]{0,63}$/, {
      error: "must be a type name such as float32 or string",
    }),
  ),
  shape: z
    .optional(
      z
        .array(
          boundedInteger(
            -1,
            Number.MAX_SAFE_INTEGER,
            `dimensions must be whole numbers from -1 (variable) to ${Number.MAX_SAFE_INTEGER}`,
          ),
        )
        .check(z.maxLength(32, { error: "at most 32 dimensions" })),
    )
    .register(z.globalRegistry, { description: "-1 marks a variable dimension" }),
  optional: z.optional(z.boolean()),
});

export const Signature = z
  .strictObject({
    inputs: z.array(TensorSpec).check(z.maxLength(500)),
    outputs: z.array(TensorSpec).check(z.maxLength(500)),
  })
  .register(z.globalRegistry, { id: "Signature" });
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
  .pipe(
    z
      .string({ error: MODEL_FORMAT_RULE })
      .check(
        z.regex(new RegExp(`^(?:${MODEL_FORMATS.map(anyCase).join("|")})$`), { error: MODEL_FORMAT_RULE }),
      ),
    z.transform((raw) => raw.toLowerCase() as (typeof MODEL_FORMATS)[number]),
  )
  .register(z.globalRegistry, {
    description: `one of ${MODEL_FORMATS.join(", ")}, in any case (\`ONNX\` is read as \`onnx\`)`,
  });

export const CreateVersionInput = z
  .strictObject({
    description: z.optional(Description),
    metrics: z.optional(Metrics),
    params: z.optional(Params),
    tags: z.optional(Tags),
    lineage: z.optional(Lineage),
    signature: z.optional(Signature),
    framework: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
    format: z.optional(ModelFormat),
    semver: z.optional(
      z.string().check(
        z.regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/, {
          error: "must be a semantic version like 1.4.0",
        }),
      ),
    ),
    artifacts: z
      .array(ArtifactDeclaration, {
        error: "is required: list the files of this version as {path, size, sha256}",
      })
      .check(
        z.minLength(1, { error: "declare at least one artifact" }),
        z.maxLength(100, { error: "at most 100 artifacts" }),
        z.refine((list) => new Set(list.map((a) => a.path)).size === list.length, {
          error: "artifact paths must be unique: declare each file once",
        }),
      )
      // `uniqueItems` is implied by unique paths; JSON Schema cannot say "unique by path".
      .register(z.globalRegistry, {
        uniqueItems: true,
        description: "the files of this version; each path at most once",
      }),
  })
  .register(z.globalRegistry, { id: "CreateVersionInput" });
export type CreateVersionInput = z.infer<typeof CreateVersionInput>;

export const UpdateVersionInput = z
  .strictObject({
    description: z.optional(Description),
    tags: z.optional(Tags),
    modelCard: z.optional(
      z.string().check(z.maxLength(100_000, { error: "must be at most 100000 characters" })),
    ),
    metrics: z.optional(Metrics),
    params: z.optional(Params),
    lineage: z.optional(Lineage),
    signature: z.optional(Signature),
    framework: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
    format: z.optional(ModelFormat),
  })
  .check(z.refine((v) => Object.keys(v).length > 0, { error: "give at least one field to change" }))
  .register(z.globalRegistry, {
    id: "UpdateVersionInput",
    minProperties: 1,
    description:
      "description stays editable. tags and modelCard too, except while the version has an open transition request or holds production (they are evidence its validation checked: 409 VersionFrozen); the other fields only while the version is not READY and has no open request.",
  });
export type UpdateVersionInput = z.infer<typeof UpdateVersionInput>;

/**
 * Where a multipart upload of an artifact stands: S3's upload id and the planned parts. No `id`:
 * the document has always shown it inline, as `Artifact.upload`.
 */
export const MultipartUpload = z.object({
  uploadId: z.string(),
  partSize: z
    .int()
    .register(z.globalRegistry, { description: "bytes per part; the last part holds the rest" }),
  partCount: z.int(),
});
export type MultipartUpload = z.infer<typeof MultipartUpload>;

export const Artifact = z
  .object({
    path: z.string(),
    size: z.int(),
    sha256: z.string(),
    contentType: z.optional(z.string()),
    upload: z.optional(MultipartUpload).register(z.globalRegistry, {
      description: "present when the artifact is uploaded in parts (above the multipart threshold)",
    }),
  })
  .register(z.globalRegistry, { id: "Artifact" });
export type Artifact = z.infer<typeof Artifact>;

export const UploadInstruction = z
  .object({
    path: z.string(),
    method: z.optional(z.literal("PUT")),
    url: z.optional(z.string()),
    headers: z.optional(z.record(z.string(), z.string())),
    uploadId: z.optional(z.string()),
    parts: z
      .optional(z.array(z.object({ partNumber: z.int(), url: z.string() })))
      .register(z.globalRegistry, {
        description:
          "presigned PUT URLs of the first parts only; ask POST /models/{model}/versions/{version}/uploads for the others",
      }),
    partSize: z.optional(z.int()),
    partCount: z.optional(z.int()),
    expiresAt: z.iso.datetime(),
  })
  .register(z.globalRegistry, {
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
    expected: z.object({ size: z.int(), sha256: z.string() }),
    actual: z
      .nullable(
        z.object({
          size: z.int(),
          sha256: z.optional(z.string()),
          versionId: z.optional(z.string()).register(z.globalRegistry, {
            description:
              "S3 version id of the bytes checked: a READY version is pinned to it (downloads, events and promotions use exactly these bytes)",
          }),
        }),
      )
      .register(z.globalRegistry, {
        description: "what S3 holds; null when the object is missing; sha256 when known",
      }),
  })
  .register(z.globalRegistry, {
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
    checkedAt: z.optional(z.iso.datetime()),
    requestedBy: z.string(),
    artifacts: z.optional(z.array(ArtifactCheck)),
  })
  .register(z.globalRegistry, { id: "Verification" });
export type Verification = z.infer<typeof Verification>;

export const ModelVersion = z
  .object({
    model: z.string(),
    version: z.int(),
    semver: z.optional(z.string()),
    status: VersionStatus,
    stage: Stage,
    stageSince: z.optional(z.iso.datetime()).register(z.globalRegistry, {
      description: "when it entered its stage (absent while in development since creation)",
    }),
    description: z.optional(z.string()),
    metrics: z.record(z.string(), z.number()),
    params: z.record(z.string(), z.string()),
    tags: z.record(z.string(), z.string()),
    lineage: z.optional(Lineage),
    signature: z.optional(Signature),
    framework: z.optional(z.string()),
    format: z.optional(z.enum(MODEL_FORMATS)),
    artifacts: z.array(Artifact),
    modelCard: z.optional(z.string()),
    aliases: z.array(z.string()),
    verification: z.optional(Verification),
    createdAt: z.iso.datetime(),
    createdBy: z.string(),
    updatedAt: z.iso.datetime(),
    updatedBy: z.string(),
    etag: z.string(),
  })
  .register(z.globalRegistry, { id: "ModelVersion" });
export type ModelVersion = z.infer<typeof ModelVersion>;

export const CreatedVersion = z
  .extend(ModelVersion, {
    uploads: z
      .array(UploadInstruction)
      .register(z.globalRegistry, { description: "where to upload each declared artifact" }),
  })
  .register(z.globalRegistry, { id: "CreatedVersion" });

export const VersionComparison = z
  .object({
    model: z.string(),
    base: z.int(),
    other: z.int(),
    metrics: z.record(
      z.string(),
      z.object({
        base: z.nullable(z.number()),
        other: z.nullable(z.number()),
        delta: z.nullable(z.number()),
      }),
    ),
    params: z.record(z.string(), z.object({ base: z.nullable(z.string()), other: z.nullable(z.string()) })),
    signature: z.object({
      changes: z.array(
        z.object({
          side: z.enum(["inputs", "outputs"]),
          name: z.string(),
          change: z.enum(["added", "removed", "typeChanged", "shapeChanged", "optionalityChanged"]),
          breaking: z.boolean(),
          base: z.optional(z.unknown()),
          other: z.optional(z.unknown()),
        }),
      ),
      breaking: z.boolean(),
    }),
    format: z.object({ base: z.nullable(z.string()), other: z.nullable(z.string()) }),
    framework: z.object({ base: z.nullable(z.string()), other: z.nullable(z.string()) }),
  })
  .register(z.globalRegistry, { id: "VersionComparison" });
export type VersionComparison = z.infer<typeof VersionComparison>;
