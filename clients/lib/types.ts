/**
 * Shapes of the registry's HTTP API v1 (see the design's API.md). Only the fields clients rely on
 * are spelled out; servers may return more, which stay readable through the index signatures.
 */

export type Stage = "development" | "staging" | "production" | "archived";
export type VersionStatus = "PENDING_UPLOAD" | "READY" | "FAILED";
export type VersionId = number | string;

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export interface PageQuery {
  limit?: number;
  nextToken?: string;
}

export interface Model {
  name: string;
  description?: string;
  owner?: string;
  tags?: Record<string, string>;
  policy?: Record<string, unknown>;
  latestVersion?: number;
  stages?: Record<string, number>;
  aliases?: Record<string, number>;
  createdAt?: string;
  createdBy?: string;
  updatedAt?: string;
  updatedBy?: string;
  etag?: string;
  [field: string]: unknown;
}

export interface CreateModelInput {
  name: string;
  description?: string;
  owner?: string;
  tags?: Record<string, string>;
  policy?: Record<string, unknown>;
}

export type UpdateModelInput = Omit<CreateModelInput, "name">;

export interface ListModelsQuery extends PageQuery {
  prefix?: string;
  /** `key=value` */
  tag?: string;
  owner?: string;
}

export interface ArtifactInput {
  path: string;
  size: number;
  sha256: string;
  contentType?: string;
}

export interface Lineage {
  runId?: string;
  runUri?: string;
  gitRepo?: string;
  gitCommit?: string;
  datasets?: { name: string; uri: string; digest?: string }[];
  parentVersion?: number;
}

export interface SignatureField {
  name: string;
  type: string;
  shape?: number[];
}

export interface CreateVersionInput {
  description?: string;
  metrics?: Record<string, number>;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  lineage?: Lineage;
  signature?: { inputs: SignatureField[]; outputs: SignatureField[] };
  framework?: string;
  format?: string;
  artifacts?: ArtifactInput[];
  [field: string]: unknown;
}

export interface UpdateVersionInput {
  description?: string;
  tags?: Record<string, string>;
  modelCard?: string;
}

export interface ListVersionsQuery extends PageQuery {
  stage?: string;
  status?: string;
}

export interface ArtifactUpload {
  path: string;
  method?: "PUT";
  url?: string;
  headers?: Record<string, string>;
  uploadId?: string;
  parts?: { partNumber: number; url: string }[];
  partSize?: number;
  expiresAt: string;
}

export interface ModelVersion extends CreateVersionInput {
  version: number;
  status: VersionStatus;
  stage: Stage;
  aliases?: string[];
  modelCard?: string;
  uploads?: ArtifactUpload[];
  createdAt?: string;
  createdBy?: string;
  etag?: string;
}

export interface AliasResult {
  alias: string;
  version: number;
  [field: string]: unknown;
}

export interface HistoryEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  version?: number;
  from?: string;
  to?: string;
  details?: unknown;
  [field: string]: unknown;
}

export type VersionComparison = Record<string, unknown>;
