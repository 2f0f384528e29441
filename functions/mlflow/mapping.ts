/**
 * The one place the registry's words become MLflow's and back: version statuses, stages, the
 * run that produced a version, and the JSON shapes of MLflow's `RegisteredModel` and
 * `ModelVersion` messages (protobuf field names, versions as strings, timestamps in epoch
 * milliseconds, tags as `[{key, value}]`). Pure: `test/unit/mlflow/mapping.test.ts` checks every
 * direction.
 *
 * | registry                       | MLflow                                   |
 * |--------------------------------|------------------------------------------|
 * | PENDING_UPLOAD, VERIFYING      | PENDING_REGISTRATION                     |
 * | READY                          | READY                                    |
 * | FAILED, ABANDONED              | FAILED_REGISTRATION (status_message says which) |
 * | development / staging / production / archived | None / Staging / Production / Archived |
 * | lineage.runId / lineage.runUri | run_id / run_link                        |
 * | createdBy                      | user_id                                  |
 */

import { STAGES, VERSION_STATUSES } from "#core/schemas/vocabulary.ts";
import type { Model, ModelVersion } from "#core/schemas.ts";

export type RegistryStatus = (typeof VERSION_STATUSES)[number];
export type RegistryStage = (typeof STAGES)[number];

export const MLFLOW_STATUSES = ["PENDING_REGISTRATION", "READY", "FAILED_REGISTRATION"] as const;
export type MlflowStatus = (typeof MLFLOW_STATUSES)[number];

/** Every registry status has exactly one MLflow status (a new status fails the type-check). */
const statusToMlflow: Record<RegistryStatus, MlflowStatus> = {
  PENDING_UPLOAD: "PENDING_REGISTRATION",
  VERIFYING: "PENDING_REGISTRATION",
  READY: "READY",
  FAILED: "FAILED_REGISTRATION",
  ABANDONED: "FAILED_REGISTRATION",
};

/** What MLflow's `status_message` says of each registry status. */
const statusMessages: Record<RegistryStatus, string> = {
  PENDING_UPLOAD: "PENDING_UPLOAD: waiting for the version's files to be uploaded and sealed",
  VERIFYING: "VERIFYING: the registry is hashing the uploaded files",
  READY: "READY: sealed, every file's SHA-256 verified",
  FAILED: "FAILED: the files did not match their declared size or SHA-256; upload them again and seal",
  ABANDONED: "ABANDONED: deleted before it was sealed; its number is never reused",
};

export const toMlflowStatus = (status: RegistryStatus): MlflowStatus => statusToMlflow[status];

/** The registry statuses an MLflow status stands for (the reverse of `toMlflowStatus`). */
export function fromMlflowStatus(status: MlflowStatus): RegistryStatus[] {
  return VERSION_STATUSES.filter((s) => statusToMlflow[s] === status);
}

export const MLFLOW_STAGES = ["None", "Staging", "Production", "Archived"] as const;
export type MlflowStage = (typeof MLFLOW_STAGES)[number];

const stageToMlflow: Record<RegistryStage, MlflowStage> = {
  development: "None",
  staging: "Staging",
  production: "Production",
  archived: "Archived",
};

export const toMlflowStage = (stage: RegistryStage): MlflowStage => stageToMlflow[stage];

/**
 * The registry stage of an MLflow stage name, in any case (MLflow's own server accepts
 * `production` for `Production`); undefined for a name that is no stage.
 */
export function fromMlflowStage(name: string): RegistryStage | undefined {
  const wanted = name.trim().toLowerCase();
  return STAGES.find((stage) => stageToMlflow[stage].toLowerCase() === wanted);
}

export interface MlflowTag {
  key: string;
  value: string;
}

export const toMlflowTags = (tags: Readonly<Record<string, string>>): MlflowTag[] =>
  Object.entries(tags).map(([key, value]) => ({ key, value }));

/** `[{key, value}]` as a tag map; a key given twice keeps its last value, as MLflow's stores do. */
export function fromMlflowTags(tags: readonly MlflowTag[] | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const { key, value } of tags ?? []) out[key] = value;
  return { ...out };
}

/** Epoch milliseconds of an ISO timestamp, as MLflow's `int64` fields carry them. */
export const millis = (iso: string): number => Date.parse(iso);

export interface MlflowModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  current_stage: MlflowStage;
  description: string;
  source: string;
  run_id: string;
  status: MlflowStatus;
  status_message: string;
  tags: MlflowTag[];
  run_link: string;
  aliases: string[];
}

/**
 * A version in MLflow's shape. `source` is where its files are (the version's folder in the
 * registry's bucket), since that is what MLflow's `source` names.
 */
export function toMlflowVersion(version: ModelVersion, source: string): MlflowModelVersion {
  return {
    name: version.model,
    version: String(version.version),
    creation_timestamp: millis(version.createdAt),
    last_updated_timestamp: millis(version.updatedAt),
    user_id: version.createdBy,
    current_stage: toMlflowStage(version.stage),
    description: version.description ?? "",
    source,
    run_id: version.lineage?.runId ?? "",
    status: toMlflowStatus(version.status),
    status_message: statusMessages[version.status],
    tags: toMlflowTags(version.tags),
    run_link: version.lineage?.runUri ?? "",
    aliases: [...version.aliases],
  };
}

/** MLflow's `run_id` and `run_link` as the registry's lineage fields (absent ones left out). */
export function lineageOf(input: { run_id?: string | undefined; run_link?: string | undefined }): {
  runId?: string;
  runUri?: string;
} {
  return {
    ...(input.run_id && { runId: input.run_id }),
    ...(input.run_link && { runUri: input.run_link }),
  };
}

export interface MlflowRegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  description: string;
  tags: MlflowTag[];
  aliases: { alias: string; version: string }[];
  latest_versions?: MlflowModelVersion[];
}

export function toMlflowModel(model: Model, latestVersions?: MlflowModelVersion[]): MlflowRegisteredModel {
  return {
    name: model.name,
    creation_timestamp: millis(model.createdAt),
    last_updated_timestamp: millis(model.updatedAt),
    user_id: model.createdBy,
    description: model.description ?? "",
    tags: toMlflowTags(model.tags),
    aliases: Object.entries(model.aliases).map(([alias, version]) => ({ alias, version: String(version) })),
    ...(latestVersions && { latest_versions: latestVersions }),
  };
}

/**
 * An MLflow version string (`"3"`) as a version number, or undefined when it is not a whole
 * positive number.
 */
export function versionNumberOf(text: string | number | undefined): number | undefined {
  if (typeof text === "number") return Number.isSafeInteger(text) && text > 0 ? text : undefined;
  if (text === undefined || !/^\s*[0-9]{1,15}\s*$/.test(text)) return undefined;
  const n = Number(text);
  return n > 0 ? n : undefined;
}
