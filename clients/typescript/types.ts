/**
 * Shapes of the registry's HTTP API, derived from the server's own zod schemas (type-only
 * imports: nothing of the server is loaded at run time), so the client cannot drift from the API.
 * Inputs use the schemas' input side (what a caller may send); results use the output side.
 */
import type * as z from "zod/mini";
import type * as api from "../../functions/core/schemas.ts";

export type Stage = z.output<typeof api.Stage>;
export type VersionStatus = z.output<typeof api.VersionStatus>;
export type TransitionStatus = z.output<typeof api.TransitionStatus>;
export type VersionId = number | string;

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export interface PageQuery {
  limit?: number;
  nextToken?: string;
}

export type Model = z.output<typeof api.Model>;

/** `GET /whoami`: `roles` is null where IAM alone decides (in AWS). */
export interface Caller {
  arn: string;
  account: string | null;
  roles: string[] | null;
}
export type CreateModelInput = z.input<typeof api.CreateModelInput>;
export type UpdateModelInput = z.input<typeof api.UpdateModelInput>;
export type Policy = z.input<typeof api.Policy>;
export type ModelPolicy = z.output<typeof api.ModelPolicy>;

export interface ListModelsQuery extends PageQuery {
  prefix?: string;
  /** `key=value` */
  tag?: string;
  owner?: string;
}

export type ArtifactInput = z.input<typeof api.ArtifactDeclaration>;
export type Lineage = z.input<typeof api.Lineage>;
export type CreateVersionInput = z.input<typeof api.CreateVersionInput>;
export type UpdateVersionInput = z.input<typeof api.UpdateVersionInput>;

export interface ListVersionsQuery extends PageQuery {
  /** A stage name; the server answers an unknown one with a 400 listing the stages. */
  stage?: string;
  status?: string;
}

export type ArtifactUpload = z.output<typeof api.UploadInstruction>;
/** A version as returned by GET; `uploads` only on the response to its creation. */
export type ModelVersion = z.output<typeof api.ModelVersion> & { uploads?: ArtifactUpload[] };
/** `PUT` answers the alias; `GET` resolves it and adds the version. */
export type AliasResult = z.output<typeof api.Alias> &
  Partial<Pick<z.output<typeof api.AliasResolution>, "modelVersion">>;
export type HistoryEntry = z.output<typeof api.HistoryEntry>;
export type VersionComparison = z.output<typeof api.VersionComparison>;

export type RequestUploadsInput = z.input<typeof api.RequestUploadsInput>;
/** Fresh upload URLs for one artifact: a single PUT (`url`, `headers`) or part URLs. */
export type UploadUrls = z.output<typeof api.UploadUrls>;
export type CompleteUploadInput = z.input<typeof api.CompleteUploadInput>;
export type CompletedUpload = z.output<typeof api.CompletedUpload>;
export type ArtifactDownload = z.output<typeof api.ArtifactDownload>;
export type ArtifactCheck = z.output<typeof api.ArtifactCheck>;
export type Verification = z.output<typeof api.Verification>;

export type Transition = z.output<typeof api.Transition>;
export type StageTenure = z.output<typeof api.StageTenure>;
export type RequestTransitionInput = z.input<typeof api.RequestTransitionInput>;
export type ApproveInput = z.input<typeof api.ApproveInput>;
export type RejectInput = z.input<typeof api.RejectInput>;
export type CancelInput = z.input<typeof api.CancelInput>;
export type RollbackInput = z.input<typeof api.RollbackInput>;

export interface ListTransitionsQuery extends PageQuery {
  /** A transition status; the server answers an unknown one with a 400 listing the statuses. */
  status?: string;
}

/** The answer to a seal: `accepted` (202) while the registry verifies, else the version is READY. */
export interface SealResult {
  accepted: boolean;
  version: ModelVersion;
}
