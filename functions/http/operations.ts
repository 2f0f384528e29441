/**
 * The schemas of every operation: path parameters, query, body and responses. Handlers parse
 * requests with them, and the OpenAPI document is generated from them, so the two cannot drift.
 */
import * as z from "zod/mini";
import {
  Alias,
  AliasName,
  AliasResolution,
  ApproveInput,
  ArtifactDownload,
  ArtifactPath,
  CancelInput,
  CompletedUpload,
  CompleteUploadInput,
  CreatedVersion,
  CreateModelInput,
  CreateVersionInput,
  HistoryEntry,
  ListApprovalsQuery,
  ListModelsQuery,
  ListTransitionsQuery,
  ListVersionsQuery,
  Model,
  ModelName,
  ModelVersion,
  PageQuery,
  page,
  RejectInput,
  RequestTransitionInput,
  RequestUploadsInput,
  RollbackInput,
  SetAliasInput,
  StageParam,
  StageTenure,
  Transition,
  TransitionId,
  UpdateModelInput,
  UpdateVersionInput,
  UploadUrls,
  VersionComparison,
  VersionParam,
} from "#core/schemas.ts";

export interface OperationSpec {
  params?: z.ZodMiniObject;
  query?: z.ZodMiniObject;
  body?: z.ZodMiniType;
  /** The success status and its body schema (none for 204). */
  success: { status: number; schema?: z.ZodMiniType; description: string };
  /** Other success statuses the operation answers (a seal's 202 while the verifier runs). */
  alternatives?: { status: number; schema?: z.ZodMiniType; description: string }[];
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
const TransitionParams = z.object({ model: ModelName, transition: TransitionId });

export const operations = {
  health: {
    success: {
      status: 200,
      schema: z.object({ status: z.literal("ok") }),
      description: "the registry is up",
    },
  },
  getOpenApi: { success: { status: 200, schema: z.looseObject({}), description: "this document" } },

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

  requestTransition: {
    params: VersionParams,
    body: RequestTransitionInput,
    success: {
      status: 202,
      schema: Transition,
      description:
        "the request, REQUESTED: the workflow validates it, waits for approvals where the policy asks, then applies it; poll GET the transition or subscribe to the events",
    },
    idempotent: true,
  },
  listVersionTransitions: {
    params: VersionParams,
    query: PageQuery,
    success: {
      status: 200,
      schema: page(Transition, "TransitionPage"),
      description: "the version's transitions, newest first",
    },
  },
  listTransitions: {
    params: ModelParams,
    query: ListTransitionsQuery,
    success: {
      status: 200,
      schema: page(Transition, "TransitionPage"),
      description: "the model's transitions, newest first",
    },
  },
  getTransition: {
    params: TransitionParams,
    success: { status: 200, schema: Transition, description: "the transition" },
  },
  approveTransition: {
    params: TransitionParams,
    body: ApproveInput,
    success: {
      status: 200,
      schema: Transition,
      description: "the transition with your approval; the last approval needed resumes the workflow",
    },
    idempotent: true,
  },
  rejectTransition: {
    params: TransitionParams,
    body: RejectInput,
    success: { status: 200, schema: Transition, description: "the transition, REJECTED" },
    idempotent: true,
  },
  cancelTransition: {
    params: TransitionParams,
    body: CancelInput,
    success: { status: 200, schema: Transition, description: "the transition, CANCELLED" },
    idempotent: true,
  },
  forceCancelTransition: {
    params: TransitionParams,
    success: { status: 200, schema: Transition, description: "the transition, CANCELLED" },
  },
  listApprovals: {
    query: ListApprovalsQuery,
    success: {
      status: 200,
      schema: page(Transition, "TransitionPage"),
      description: "transitions awaiting approval across every model, oldest first",
    },
  },
  rollback: {
    params: ModelParams,
    body: RollbackInput,
    success: {
      status: 202,
      schema: Transition,
      description:
        "the rollback request, REQUESTED: the previous holder of the stage goes back through the workflow",
    },
    idempotent: true,
  },
  getStageHistory: {
    params: z.object({ model: ModelName, stage: StageParam }),
    query: PageQuery,
    success: {
      status: 200,
      schema: page(StageTenure, "StageHistoryPage"),
      description: "the stage's holders, newest first",
    },
  },
} satisfies Record<string, OperationSpec>;

export type Operations = typeof operations;
export type OperationId = keyof Operations;
