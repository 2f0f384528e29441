/** Artifact uploads (resume, complete), seal and download: inputs and results. */
import { z } from "zod";
import { MAX_PART_URLS_PER_REQUEST, MAX_PARTS } from "../artifacts/upload-plan.ts";
import { boundedInteger } from "./numbers.ts";
import { ArtifactPath, UploadInstruction } from "./versions.ts";

const PartNumber = boundedInteger(1, MAX_PARTS, `part numbers are whole numbers from 1 to ${MAX_PARTS}`);

export const RequestUploadsInput = z
  .object({
    path: ArtifactPath,
    parts: z
      .union([
        z
          .array(PartNumber)
          .min(1, { error: "list at least one part number" })
          .max(MAX_PART_URLS_PER_REQUEST, {
            error: `at most ${MAX_PART_URLS_PER_REQUEST} parts per request`,
          }),
        z
          .object({
            from: PartNumber,
            count: boundedInteger(
              1,
              MAX_PART_URLS_PER_REQUEST,
              `count is a whole number from 1 to ${MAX_PART_URLS_PER_REQUEST}`,
            ).optional(),
          })
          .strict()
          .meta({
            description: `up to \`count\` parts (default and at most ${MAX_PART_URLS_PER_REQUEST}) from part \`from\` on, as far as the upload has parts`,
          }),
      ])
      .optional()
      .meta({
        description:
          "multipart only: the parts to get URLs for, as a list of part numbers or as {from, count}; default the parts S3 does not have yet",
      }),
  })
  .strict()
  .meta({ id: "RequestUploadsInput" });
export type RequestUploadsInput = z.infer<typeof RequestUploadsInput>;

/** Fresh upload URLs for one artifact: an upload instruction, and for multipart how much is left. */
export const UploadUrls = UploadInstruction.extend({
  missingParts: z
    .number()
    .int()
    .optional()
    .meta({ description: "multipart: how many parts S3 does not have yet (URLs come in pages of 100)" }),
}).meta({ id: "UploadUrls" });
export type UploadUrls = z.infer<typeof UploadUrls>;

export const CompleteUploadInput = z
  .object({
    path: ArtifactPath,
    uploadId: z.string().min(1).max(1024),
    parts: z
      .array(z.object({ partNumber: PartNumber, etag: z.string().min(1).max(128) }).strict())
      .min(1, { error: "list every part with its ETag" })
      .max(MAX_PARTS, { error: `at most ${MAX_PARTS} parts` }),
  })
  .strict()
  .meta({ id: "CompleteUploadInput" });
export type CompleteUploadInput = z.infer<typeof CompleteUploadInput>;

export const CompletedUpload = z
  .object({ path: z.string(), uploadId: z.string(), size: z.number().int() })
  .meta({ id: "CompletedUpload" });
export type CompletedUpload = z.infer<typeof CompletedUpload>;

export const ArtifactDownload = z
  .object({
    path: z.string(),
    url: z.string().meta({ description: "presigned GET" }),
    expiresAt: z.iso.datetime(),
    size: z.number().int(),
    sha256: z.string(),
  })
  .meta({ id: "ArtifactDownload" });
export type ArtifactDownload = z.infer<typeof ArtifactDownload>;
