/** The operations of the `artifacts` route group: uploads, the seal and downloads. */
import * as z from "zod/mini";
import {
  AliasName,
  ArtifactPath,
  CompleteUploadInput,
  ModelName,
  RequestUploadsInput,
  VersionParam,
} from "#core/schemas.ts";
import { type OperationSpec, VersionParams } from "./spec.ts";

export const artifactOperations = {
  requestUploadUrls: {
    params: VersionParams,
    body: RequestUploadsInput,
    success: {
      status: 200,
      description: "a fresh PUT URL, or URLs of the asked (default: the missing) parts",
    },
    idempotent: true,
  },
  completeUpload: {
    params: VersionParams,
    body: CompleteUploadInput,
    success: { status: 200, description: "the multipart upload is complete" },
    idempotent: true,
  },
  sealVersion: {
    params: VersionParams,
    success: {
      status: 200,
      description: "READY: S3 vouched for every declared SHA-256 (or the version was READY already)",
    },
    alternatives: [
      {
        status: 202,
        description:
          "VERIFYING: the registry reads and hashes the artifacts; poll GET the version until READY or FAILED",
      },
    ],
    idempotent: true,
    etag: true,
  },
  abandonVersion: {
    params: VersionParams,
    success: {
      status: 200,
      description: "ABANDONED (or already was): its multipart uploads are aborted, its number is not reused",
    },
    idempotent: true,
    etag: true,
  },
  getArtifact: {
    params: z.object({ model: ModelName, version: VersionParam, path: ArtifactPath }),
    success: { status: 200, description: "a presigned GET of the sealed artifact" },
    // 409 VersionNotReady: the version is not sealed (READY) yet.
    conflicts: true,
  },
  getAliasArtifact: {
    params: z.object({ model: ModelName, alias: AliasName, path: ArtifactPath }),
    success: { status: 200, description: "a presigned GET of the sealed artifact" },
    // 409 VersionNotReady: the version is not sealed (READY) yet.
    conflicts: true,
  },
} satisfies Record<string, OperationSpec>;
