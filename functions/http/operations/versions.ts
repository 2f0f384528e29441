/** The operations of the `versions` route group. */
import * as z from "zod/mini";
import { ListVersionsQuery, ModelName, VersionParam } from "#core/schemas.ts";
import { deferredBody, ModelParams, type OperationSpec, VersionParams } from "./spec.ts";

// The bodies of creates and updates (signature, metrics, lineage, artifacts) are built on first use.
const bodies = () => import("./versions-bodies.ts").then((module) => module.versionBodies);

export const versionOperations = {
  createVersion: {
    params: ModelParams,
    body: deferredBody(async () => (await bodies()).createVersion),
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
    body: deferredBody(async () => (await bodies()).updateVersion),
    success: { status: 200, description: "the updated version" },
    conditional: true,
    etag: true,
  },
  compareVersions: {
    params: z.object({ model: ModelName, version: VersionParam, other: VersionParam }),
    success: { status: 200, description: "differences from `version` to `other`" },
  },
} satisfies Record<string, OperationSpec>;
