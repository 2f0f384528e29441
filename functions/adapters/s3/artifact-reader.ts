/**
 * The artifact bucket's reads: what a stored object is (`head`) and what its bytes hash to
 * (`digest`). The verifier needs nothing else, so it bundles this module alone: none of the
 * presigner or of the upload commands' schemas (~13 KiB of its cold start). `S3ArtifactStorage`
 * (`artifact-storage.ts`) extends it with URLs and multipart uploads.
 */
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GetObjectCommand, HeadObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { traceClient } from "#adapters/tracing.ts";
import type { ArtifactStorage, ObjectFacts } from "#core/ports.ts";
import { artifactObjectKey, artifactUri } from "./keys.ts";

export interface S3ArtifactStorageOptions {
  client: S3Client;
  bucket: string;
}

/** How the functions make their S3 client: `buildCore()` passes these from the configuration. */
export interface S3ClientOptions {
  bucket: string;
  forcePathStyle: boolean;
}

export class S3ArtifactReader implements Pick<ArtifactStorage, "uri" | "head" | "digest"> {
  protected readonly client: S3Client;
  protected readonly bucket: string;

  constructor(options: S3ArtifactStorageOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
  }

  uri(model: string, version: number, path: string): string {
    return artifactUri(this.bucket, model, version, path);
  }

  async head(
    model: string,
    version: number,
    path: string,
    versionId?: string,
  ): Promise<ObjectFacts | undefined> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({
          Bucket: this.bucket,
          Key: artifactObjectKey(model, version, path),
          ChecksumMode: "ENABLED",
          ...(versionId !== undefined && { VersionId: versionId }),
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
        // "null" is S3's id of an object written while versioning was off: nothing to pin.
        ...(head.VersionId && head.VersionId !== "null" && { versionId: head.VersionId }),
      };
    } catch (error) {
      if (isS3Error(error, "NotFound", "NoSuchKey", "NoSuchVersion")) return undefined;
      // HeadObject of a version id that does not exist answers 400 in S3.
      if (versionId !== undefined && isS3Error(error, "BadRequest", "InvalidArgument")) return undefined;
      throw error;
    }
  }

  async digest(model: string, version: number, path: string, versionId?: string) {
    let body: Readable;
    let readVersion: string | undefined;
    try {
      const object = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: artifactObjectKey(model, version, path),
          ...(versionId !== undefined && { VersionId: versionId }),
        }),
      );
      body = object.Body as Readable;
      readVersion = object.VersionId && object.VersionId !== "null" ? object.VersionId : undefined;
    } catch (error) {
      if (isS3Error(error, "NoSuchKey", "NotFound", "NoSuchVersion")) return undefined;
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
    return { size, sha256: hash.digest("hex"), ...(readVersion !== undefined && { versionId: readVersion }) };
  }
}

export function isS3Error(error: unknown, ...names: string[]): boolean {
  if (!(error instanceof Error)) return false;
  const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
  return (
    names.includes(error.name) || (names.includes("NotFound") && status === 404 && error.name === "Unknown")
  );
}

/** The S3 client every S3 adapter uses: checksums only where an operation requires one. */
export function createS3Client(options: S3ClientOptions): S3Client {
  return traceClient(
    new S3Client({ forcePathStyle: options.forcePathStyle, requestChecksumCalculation: "WHEN_REQUIRED" }),
  );
}

/** The reads with their own client: how the verifier makes them, at cold start. */
export function createS3ArtifactReader(options: S3ClientOptions): S3ArtifactReader {
  return new S3ArtifactReader({ client: createS3Client(options), bucket: options.bucket });
}
