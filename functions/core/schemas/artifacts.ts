/** Artifact uploads (resume, complete), seal and download: inputs and results. */
import * as z from "zod/mini";
import { MAX_PART_URLS_PER_REQUEST, MAX_PARTS } from "../artifacts/upload-plan.ts";
import { boundedInteger } from "./numbers.ts";
import { ArtifactPath, UploadInstruction } from "./versions.ts";

const PartNumber = boundedInteger(1, MAX_PARTS, `part numbers are whole numbers from 1 to ${MAX_PARTS}`);

export const RequestUploadsInput = z
  .strictObject({
    path: ArtifactPath,
    parts: z
      .optional(
        z.union([
          z.array(PartNumber).check(
            z.minLength(1, { error: "list at least one part number" }),
            z.maxLength(MAX_PART_URLS_PER_REQUEST, {
              error: `at most ${MAX_PART_URLS_PER_REQUEST} parts per request`,
            }),
          ),
          z
            .strictObject({
              from: PartNumber,
              count: z.optional(
                boundedInteger(
                  1,
                  MAX_PART_URLS_PER_REQUEST,
                  `count is a whole number from 1 to ${MAX_PART_URLS_PER_REQUEST}`,
                ),
              ),
            })
            .register(z.globalRegistry, {
              description: `up to \`count\` parts (default and at most ${MAX_PART_URLS_PER_REQUEST}) from part \`from\` on, as far as the upload has parts`,
            }),
        ]),
      )
      .register(z.globalRegistry, {
        description:
          "multipart only: the parts to get URLs for, as a list of part numbers or as {from, count}; default the parts S3 does not have yet",
      }),
  })
  .register(z.globalRegistry, { id: "RequestUploadsInput" });
export type RequestUploadsInput = z.infer<typeof RequestUploadsInput>;

/** Fresh upload URLs for one artifact: an upload instruction, and for multipart how much is left. */
export const UploadUrls = z
  .extend(UploadInstruction, {
    missingParts: z.optional(z.int()).register(z.globalRegistry, {
      description: "multipart: how many parts S3 does not have yet (URLs come in pages of 100)",
    }),
  })
  .register(z.globalRegistry, { id: "UploadUrls" });
export type UploadUrls = z.infer<typeof UploadUrls>;

export const CompleteUploadInput = z
  .strictObject({
    path: ArtifactPath,
    uploadId: z.string().check(z.minLength(1), z.maxLength(1024)),
    parts: z
      .array(
        z.strictObject({ partNumber: PartNumber, etag: z.string().check(z.minLength(1), z.maxLength(128)) }),
      )
      .check(
        z.minLength(1, { error: "list every part with its ETag" }),
        z.maxLength(MAX_PARTS, { error: `at most ${MAX_PARTS} parts` }),
      ),
  })
  .register(z.globalRegistry, { id: "CompleteUploadInput" });
export type CompleteUploadInput = z.infer<typeof CompleteUploadInput>;

export const CompletedUpload = z
  .object({ path: z.string(), uploadId: z.string(), size: z.int() })
  .register(z.globalRegistry, { id: "CompletedUpload" });
export type CompletedUpload = z.infer<typeof CompletedUpload>;

export const ArtifactDownload = z
  .object({
    path: z.string(),
    url: z.string().register(z.globalRegistry, { description: "presigned GET" }),
    expiresAt: z.iso.datetime(),
    size: z.int(),
    sha256: z.string(),
  })
  .register(z.globalRegistry, { id: "ArtifactDownload" });
export type ArtifactDownload = z.infer<typeof ArtifactDownload>;
