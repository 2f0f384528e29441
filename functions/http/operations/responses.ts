/**
 * The body schema of each operation's responses. They describe the API (the OpenAPI document,
 * the contract tests) but no handler parses its own replies, so they are kept apart from the
 * specs a handler bundles (`./<group>.ts`): a function neither carries nor constructs at cold
 * start the view schemas of what it answers. `../operations.ts` puts the two together (both build on `./all-specs.ts`); the
 * `Record` over every operation id makes a new operation fail the type-check until its responses
 * are described here.
 */
import * as z from "zod/mini";
import {
  Alias,
  AliasResolution,
  ArtifactDownload,
  CompletedUpload,
  CreatedVersion,
  HistoryEntry,
  Model,
  ModelPolicy,
  ModelVersion,
  page,
  StageTenure,
  Transition,
  UploadUrls,
  VersionComparison,
} from "#core/schemas.ts";
import { registryRoles } from "../roles.ts";
import type { OperationId } from "./all-specs.ts";

export interface OperationResponses {
  /** The main success status's body (none for 204). */
  success?: z.ZodMiniType;
  /** The body of each alternative success status (`OperationSpec.alternatives`). */
  alternatives?: Record<number, z.ZodMiniType>;
}

export const responses: Record<OperationId, OperationResponses> = {
  health: { success: z.object({ status: z.literal("ok") }) },
  getOpenApi: { success: z.looseObject({}) },
  whoami: {
    success: z
      .object({
        arn: z.string(),
        account: z.nullable(z.string()),
        roles: z.nullable(z.array(z.enum(registryRoles))),
      })
      .register(z.globalRegistry, { id: "Caller" }),
  },

  createModel: { success: Model },
  listModels: { success: page(Model, "ModelPage") },
  getModel: { success: Model },
  updateModel: { success: Model },
  getModelPolicy: { success: ModelPolicy },
  setModelPolicy: { success: ModelPolicy },
  deleteModel: {},
  listHistory: { success: page(HistoryEntry, "HistoryPage") },

  createVersion: { success: CreatedVersion },
  listVersions: { success: page(ModelVersion, "ModelVersionPage") },
  getVersion: { success: ModelVersion },
  updateVersion: { success: ModelVersion },
  compareVersions: { success: VersionComparison },

  setAlias: { success: Alias },
  getAlias: { success: AliasResolution },
  deleteAlias: {},

  requestUploadUrls: { success: UploadUrls },
  completeUpload: { success: CompletedUpload },
  sealVersion: { success: ModelVersion, alternatives: { 202: ModelVersion } },
  abandonVersion: { success: ModelVersion },
  getArtifact: { success: ArtifactDownload },
  getAliasArtifact: { success: ArtifactDownload },

  requestTransition: { success: Transition },
  listVersionTransitions: { success: page(Transition, "TransitionPage") },
  listTransitions: { success: page(Transition, "TransitionPage") },
  getTransition: { success: Transition },
  approveTransition: { success: Transition },
  rejectTransition: { success: Transition },
  cancelTransition: { success: Transition },
  forceCancelTransition: { success: Transition },
  listApprovals: { success: page(Transition, "TransitionPage") },
  rollback: { success: Transition },
  getStageHistory: { success: page(StageTenure, "StageHistoryPage") },
};
