/**
 * Presigned upload instructions for declared artifacts. Each URL is bound to the artifact's
 * declared SHA-256 (`x-amz-checksum-sha256`, a signed header, so S3 rejects any other bytes),
 * its content type, and `If-None-Match: *` (an upload never overwrites an existing object).
 */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { ArtifactUploads } from "#core/ports.ts";
import type { Artifact } from "#core/schemas.ts";

export interface S3ArtifactUploadsOptions {
  client: S3Client;
  bucket: string;
  /** How long upload URLs stay valid, in seconds. */
  expiresIn?: number;
}

export const artifactObjectKey = (model: string, version: number, path: string) =>
  `models/${model}/versions/${version}/${path}`;

export class S3ArtifactUploads implements ArtifactUploads {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly expiresIn: number;

  constructor(options: S3ArtifactUploadsOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.expiresIn = options.expiresIn ?? 3600;
  }

  async planUploads(model: string, version: number, artifacts: Artifact[]) {
    const expiresAt = new Date(Date.now() + this.expiresIn * 1000).toISOString();
    return Promise.all(
      artifacts.map(async (artifact) => {
        const checksum = Buffer.from(artifact.sha256, "hex").toString("base64");
        const contentType = artifact.contentType ?? "application/octet-stream";
        const url = await getSignedUrl(
          this.client,
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: artifactObjectKey(model, version, artifact.path),
            ContentType: contentType,
            ChecksumSHA256: checksum,
            IfNoneMatch: "*",
          }),
          {
            expiresIn: this.expiresIn,
            signableHeaders: new Set(["content-type", "x-amz-checksum-sha256", "if-none-match"]),
            unhoistableHeaders: new Set(["x-amz-checksum-sha256"]),
          },
        );
        return {
          path: artifact.path,
          method: "PUT" as const,
          url,
          headers: { "content-type": contentType, "x-amz-checksum-sha256": checksum, "if-none-match": "*" },
          expiresAt,
        };
      }),
    );
  }
}
