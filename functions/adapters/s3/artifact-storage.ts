/**
 * The artifact bucket behind the `ArtifactStorage` port: presigned URLs and the S3 calls of
 * multipart uploads, on top of the reads seals and the verifier make (`artifact-reader.ts`). No
 * business rules: the core decides what to ask.
 *
 * A single-PUT URL is bound to the artifact's declared SHA-256 (`x-amz-checksum-sha256`, a
 * signed header, so S3 rejects any other bytes), its content type, and unless the core allows
 * an overwrite `If-None-Match: *` (the upload never replaces an existing object).
 *
 * Multipart uploads are created without a checksum algorithm: S3 can only enforce a SHA-256 per
 * part (composite), which would need the client to declare every part's digest in advance, and
 * its full-object checksums are CRCs, not the SHA-256 the registry promises. S3 keeps a
 * CRC64NVME of every object anyway; the declared SHA-256 of a multipart artifact is checked by
 * the verifier, which reads the object once.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListPartsCommand,
  type ListPartsCommandOutput,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { ArtifactStorage, CompleteMultipartResult, UploadedPart } from "#core/ports.ts";
import type { Artifact } from "#core/schemas.ts";
import { createS3Client, isS3Error, S3ArtifactReader, type S3ClientOptions } from "./artifact-reader.ts";
import { artifactObjectKey } from "./keys.ts";

const DEFAULT_CONTENT_TYPE = "application/octet-stream";

export class S3ArtifactStorage extends S3ArtifactReader implements ArtifactStorage {
  async presignPut(
    model: string,
    version: number,
    artifact: Artifact,
    options: { expiresIn: number; overwrite: boolean },
  ) {
    const checksum = Buffer.from(artifact.sha256, "hex").toString("base64");
    const contentType = artifact.contentType ?? DEFAULT_CONTENT_TYPE;
    const signed = ["content-type", "x-amz-checksum-sha256", ...(options.overwrite ? [] : ["if-none-match"])];
    const url = await getSignedUrl(
      this.client,
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: artifactObjectKey(model, version, artifact.path),
        ContentType: contentType,
        ChecksumSHA256: checksum,
        ...(!options.overwrite && { IfNoneMatch: "*" }),
      }),
      {
        expiresIn: options.expiresIn,
        signableHeaders: new Set(signed),
        unhoistableHeaders: new Set(["x-amz-checksum-sha256"]),
      },
    );
    const headers: Record<string, string> = {
      "content-type": contentType,
      "x-amz-checksum-sha256": checksum,
    };
    if (!options.overwrite) headers["if-none-match"] = "*";
    return { url, headers };
  }

  async startMultipartUpload(model: string, version: number, artifact: Artifact): Promise<string> {
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.bucket,
        Key: artifactObjectKey(model, version, artifact.path),
        ContentType: artifact.contentType ?? DEFAULT_CONTENT_TYPE,
      }),
    );
    if (!UploadId) throw new Error("S3 started a multipart upload without an upload id");
    return UploadId;
  }

  async presignParts(
    model: string,
    version: number,
    path: string,
    uploadId: string,
    partNumbers: number[],
    expiresIn: number,
  ) {
    const Key = artifactObjectKey(model, version, path);
    return Promise.all(
      partNumbers.map(async (partNumber) => ({
        partNumber,
        url: await getSignedUrl(
          this.client,
          new UploadPartCommand({ Bucket: this.bucket, Key, UploadId: uploadId, PartNumber: partNumber }),
          { expiresIn },
        ),
      })),
    );
  }

  async listParts(model: string, version: number, path: string, uploadId: string) {
    const parts: UploadedPart[] = [];
    let marker: string | undefined;
    try {
      do {
        const page: ListPartsCommandOutput = await this.client.send(
          new ListPartsCommand({
            Bucket: this.bucket,
            Key: artifactObjectKey(model, version, path),
            UploadId: uploadId,
            ...(marker !== undefined && { PartNumberMarker: marker }),
          }),
        );
        for (const part of page.Parts ?? []) {
          if (part.PartNumber === undefined) continue;
          parts.push({ partNumber: part.PartNumber, etag: part.ETag ?? "", size: part.Size ?? 0 });
        }
        marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
      } while (marker !== undefined);
    } catch (error) {
      if (isS3Error(error, "NoSuchUpload")) return undefined;
      throw error;
    }
    return parts;
  }

  async abortMultipartUpload(model: string, version: number, path: string, uploadId: string) {
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({
          Bucket: this.bucket,
          Key: artifactObjectKey(model, version, path),
          UploadId: uploadId,
        }),
      );
    } catch (error) {
      if (!isS3Error(error, "NoSuchUpload")) throw error;
    }
  }

  async completeMultipartUpload(
    model: string,
    version: number,
    path: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
    options: { overwrite: boolean },
  ): Promise<CompleteMultipartResult> {
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: artifactObjectKey(model, version, path),
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
          ...(!options.overwrite && { IfNoneMatch: "*" }),
        }),
      );
      return { ok: true };
    } catch (error) {
      if (isS3Error(error, "NoSuchUpload"))
        return {
          ok: false,
          reason: "noSuchUpload",
          message: "S3 does not know this upload (completed or aborted)",
        };
      if (isS3Error(error, "InvalidPart", "InvalidPartOrder", "EntityTooSmall")) {
        return { ok: false, reason: "invalidParts", message: (error as Error).message };
      }
      if (isS3Error(error, "PreconditionFailed")) {
        return {
          ok: false,
          reason: "objectExists",
          message: "an object already exists at the artifact's key",
        };
      }
      throw error;
    }
  }

  async presignGet(
    model: string,
    version: number,
    path: string,
    expiresIn: number,
    versionId?: string,
  ): Promise<string> {
    return getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: artifactObjectKey(model, version, path),
        // The sealed bytes, whatever was written at the key since (`s3:GetObjectVersion`).
        ...(versionId !== undefined && { VersionId: versionId }),
      }),
      { expiresIn },
    );
  }
}

/** The adapter with its own client: how `buildCore()` makes it, on first use. */
export function createS3ArtifactStorage(options: S3ClientOptions): S3ArtifactStorage {
  return new S3ArtifactStorage({ client: createS3Client(options), bucket: options.bucket });
}
