/**
 * The schemas of every operation: path parameters, query, body and responses. Handlers parse
 * requests with them, and the OpenAPI document is generated from them, so the two cannot drift.
 */
import { z } from "zod";
import {
  Alias,
  AliasName,
  AliasResolution,
  ArtifactDownload,
  ArtifactPath,
  CompletedUpload,
  CompleteUploadInput,
  CreatedVersion,
  CreateModelInput,
  CreateVersionInput,
  HistoryEntry,
  ListModelsQuery,
  ListVersionsQuery,
  Model,
  ModelName,
  ModelVersion,
  PageQuery,
  page,
  RequestUploadsInput,
  SetAliasInput,
  UpdateModelInput,
  UpdateVersionInput,
  UploadUrls,
  VersionComparison,
  VersionParam,
} from "#core/schemas.ts";

export interface OperationSpec {
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The success status and its body schema (none for 204). */
  success: { status: number; schema?: z.ZodType; description: string };
  /** Other success statuses the operation answers (a seal's 202 while the verifier runs). */
  alternatives?: { status: number; schema?: z.ZodType; description: string }[];
  /** Accepts `Idempotency-Key` (every POST). */
  idempotent?: boolean;
  /** Honours `If-Match`. */
  conditional?: boolean;
  /** Returns an `ETag` header. */
  etag?: boolean;
}

const ModelParams = z.object({ model: ModelName });
const VersionParams = z.object({ model: ModelName, version: VersionParam });
const AliasParams = z.object({ model: ModelName, alias: AliasName });

export const operations = {
  health: {
    success: {
      status: 200,
      schema: z.object({ status: z.literal("ok") }),
      description: "the registry is up",
    },
  },
  getOpenApi: { success: { status: 200, schema: z.object({}).passthrough(), description: "this document" } },

  createModel: {
    body: CreateModelInput,
    success: { status: 201, schema: Model, description: "the registered model" },
    idempotent: true,
    etag: true,
  },
  listModels: {
    query: ListModelsQuery,
    success: { status: 200, schema: page(Model, "ModelPage"), description: "a page of models, by name" },
  },
  getModel: {
    params: ModelParams,
    success: { status: 200, schema: Model, description: "the model" },
    etag: true,
  },
  updateModel: {
    params: ModelParams,
    body: UpdateModelInput,
    success: { status: 200, schema: Model, description: "the updated model" },
    conditional: true,
    etag: true,
  },
  deleteModel: { params: ModelParams, success: { status: 204, description: "deleted" }, conditional: true },
  listHistory: {
    params: ModelParams,
    query: PageQuery,
    success: { status: 200, schema: page(HistoryEntry, "HistoryPage"), description: "history, newest first" },
  },

  createVersion: {
    params: ModelParams,
    body: CreateVersionInput,
    success: {
      status: 201,
      schema: CreatedVersion,
      description: "the new version, with upload instructions",
    },
    idempotent: true,
    etag: true,
  },
  listVersions: {
    params: ModelParams,
    query: ListVersionsQuery,
    success: {
      status: 200,
      schema: page(ModelVersion, "ModelVersionPage"),
      description: "versions, newest first",
    },
  },
  getVersion: {
    params: VersionParams,
    success: { status: 200, schema: ModelVersion, description: "the version" },
    etag: true,
  },
  updateVersion: {
    params: VersionParams,
    body: UpdateVersionInput,
    success: { status: 200, schema: ModelVersion, description: "the updated version" },
    conditional: true,
    etag: true,
  },
  compareVersions: {
    params: z.object({ model: ModelName, version: VersionParam, other: VersionParam }),
    success: { status: 200, schema: VersionComparison, description: "differences from `version` to `other`" },
  },

  setAlias: {
    params: AliasParams,
    body: SetAliasInput,
    success: { status: 200, schema: Alias, description: "the alias" },
  },
  getAlias: {
    params: AliasParams,
    success: { status: 200, schema: AliasResolution, description: "the alias and its version" },
  },
  deleteAlias: { params: AliasParams, success: { status: 204, description: "deleted" } },

  requestUploadUrls: {
    params: VersionParams,
    body: RequestUploadsInput,
    success: {
      status: 200,
      schema: UploadUrls,
      description: "a fresh PUT URL, or URLs of the asked (default: the missing) parts",
    },
    idempotent: true,
  },
  completeUpload: {
    params: VersionParams,
    body: CompleteUploadInput,
    success: { status: 200, schema: CompletedUpload, description: "the multipart upload is complete" },
    idempotent: true,
  },
  sealVersion: {
    params: VersionParams,
    success: {
      status: 200,
      schema: ModelVersion,
      description: "READY: S3 vouched for every declared SHA-256 (or the version was READY already)",
    },
    alternatives: [
      {
        status: 202,
        schema: ModelVersion,
        description:
          "VERIFYING: the registry reads and hashes the artifacts; poll GET the version until READY or FAILED",
      },
    ],
    idempotent: true,
    etag: true,
  },
  getArtifact: {
    params: z.object({ model: ModelName, version: VersionParam, path: ArtifactPath }),
    success: { status: 200, schema: ArtifactDownload, description: "a presigned GET of the sealed artifact" },
  },
  getAliasArtifact: {
    params: z.object({ model: ModelName, alias: AliasName, path: ArtifactPath }),
    success: { status: 200, schema: ArtifactDownload, description: "a presigned GET of the sealed artifact" },
  },
} satisfies Record<string, OperationSpec>;

export type Operations = typeof operations;
export type OperationId = keyof Operations;
