/** The operations of the `versions` route group. */
import * as z from "zod/mini";
import {
  CreateVersionInput,
  ListVersionsQuery,
  ModelName,
  UpdateVersionInput,
  VersionParam,
} from "#core/schemas.ts";
import { ModelParams, type OperationSpec, VersionParams } from "./spec.ts";

export const versionOperations = {
  createVersion: {
    params: ModelParams,
    body: CreateVersionInput,
    success: {
      status: 201,
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
      description: "versions, newest first",
    },
  },
  getVersion: {
    params: VersionParams,
    success: { status: 200, description: "the version" },
    etag: true,
  },
  updateVersion: {
    params: VersionParams,
    body: UpdateVersionInput,
    success: { status: 200, description: "the updated version" },
    conditional: true,
    etag: true,
  },
  compareVersions: {
    params: z.object({ model: ModelName, version: VersionParam, other: VersionParam }),
    success: { status: 200, description: "differences from `version` to `other`" },
  },
} satisfies Record<string, OperationSpec>;
