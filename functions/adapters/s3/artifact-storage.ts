/**
 * The artifact bucket behind the `ArtifactStorage` port: keys, presigned URLs and the S3 calls
 * of multipart uploads, seals and the verifier. No business rules: the core decides what to ask.
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
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  type ListPartsCommandOutput,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { traceClient } from "#adapters/tracing.ts";
import type { ArtifactStorage, CompleteMultipartResult, ObjectFacts, UploadedPart } from "#core/ports.ts";
import type { Artifact } from "#core/schemas.ts";
import { artifactObjectKey, artifactUri } from "./keys.ts";

export interface S3ArtifactStorageOptions {
  client: S3Client;
  bucket: string;
}

const DEFAULT_CONTENT_TYPE = "application/octet-stream";

export class S3ArtifactStorage implements ArtifactStorage {
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(options: S3ArtifactStorageOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
  }

  uri(model: string, version: number, path: string): string {
    return artifactUri(this.bucket, model, version, path);
  }

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

  async head(model: string, version: number, path: string): Promise<ObjectFacts | undefined> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({
          Bucket: this.bucket,
          Key: artifactObjectKey(model, version, path),
          ChecksumMode: "ENABLED",
        }),
      );
      // A composite SHA-256 (`<base64>-<parts>`, ChecksumType COMPOSITE) is a checksum of part
      // checksums, not of the file: only a full-object one can vouch for the declared digest.
      const full =
        head.ChecksumSHA256 !== undefined &&
        head.ChecksumType !== "COMPOSITE" &&
        !head.ChecksumSHA256.includes("-");
      return {
        size: head.ContentLength ?? 0,
        ...(full && { sha256: Buffer.from(head.ChecksumSHA256 as string, "base64").toString("hex") }),
      };
    } catch (error) {
      if (isS3Error(error, "NotFound", "NoSuchKey")) return undefined;
      throw error;
    }
  }

  async digest(model: string, version: number, path: string) {
    let body: Readable;
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: artifactObjectKey(model, version, path) }),
      );
      body = object.Body as Readable;
    } catch (error) {
      if (isS3Error(error, "NoSuchKey", "NotFound")) return undefined;
      throw error;
    }
    const hash = createHash("sha256");
    let size = 0;
    // Streamed: memory stays at one chunk whatever the object's size.
    await pipeline(body, async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) {
        size += chunk.length;
        hash.update(chunk);
      }
    });
    return { size, sha256: hash.digest("hex") };
  }

  async presignGet(model: string, version: number, path: string, expiresIn: number): Promise<string> {
    return getSignedUrl(
      this.client,
      new GetObjectCommand({ Bucket: this.bucket, Key: artifactObjectKey(model, version, path) }),
      { expiresIn },
    );
  }
}

function isS3Error(error: unknown, ...names: string[]): boolean {
  if (!(error instanceof Error)) return false;
  const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
  return (
    names.includes(error.name) || (names.includes("NotFound") && status === 404 && error.name === "Unknown")
  );
}

/** The adapter with its own client: how `buildCore()` makes it, on first use. */
export function createS3ArtifactStorage(options: {
  bucket: string;
  forcePathStyle: boolean;
}): S3ArtifactStorage {
  return new S3ArtifactStorage({
    client: traceClient(
      new S3Client({
        forcePathStyle: options.forcePathStyle,
        requestChecksumCalculation: "WHEN_REQUIRED",
      }),
    ),
    bucket: options.bucket,
  });
}
