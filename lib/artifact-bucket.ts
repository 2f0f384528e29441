import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Grant, type IGrantable } from "aws-cdk-lib/aws-iam";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
} from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";

/**
 * What a function may do with artifact objects (all under `models/`), least privilege per use:
 * - `presign`: sign PUT and UploadPart URLs and start multipart uploads (all `s3:PutObject`):
 *   a presigned URL carries exactly the rights of the function that signed it.
 * - `uploadAndSeal`: presign, plus read objects and their checksums (HeadObject is
 *   `s3:GetObject`; presigned GETs for downloads), list and complete (`s3:PutObject`) or abort
 *   multipart uploads.
 * - `read`: read objects (the verifier streams them).
 * No function gets `s3:DeleteObject*`: a sealed artifact must outlive any bug in the registry.
 */
export type BucketAccess = "presign" | "uploadAndSeal" | "read";

export const bucketActions: Record<BucketAccess, readonly string[]> = {
  presign: ["s3:PutObject"],
  uploadAndSeal: [
    "s3:PutObject",
    "s3:GetObject",
    "s3:GetObjectAttributes",
    "s3:ListMultipartUploadParts",
    "s3:AbortMultipartUpload",
  ],
  read: ["s3:GetObject"],
};

/** Every artifact key starts with this (`models/<model>/versions/<n>/<path>`). */
export const ARTIFACT_KEY_PREFIX = "models/";

/**
 * The bucket that holds model binaries. Clients upload and download with presigned URLs, so the
 * bytes never pass through the API; the bucket itself is never public.
 */
export class ArtifactBucket extends Construct {
  /** Environment variable through which handlers find the bucket. */
  static readonly envVar = "ARTIFACT_BUCKET";

  readonly bucket: Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.bucket = new Bucket(this, "Bucket", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: BucketEncryption.S3_MANAGED,
      // Protects sealed artifacts against accidental overwrite or delete.
      versioned: true,
      lifecycleRules: [
        {
          id: "abort-incomplete-multipart-uploads",
          // Abandoned multipart uploads are invisible in listings but billed until aborted.
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      // Notebooks and browsers PUT/GET straight to S3 with presigned URLs: the signature is the
      // authorization, so any origin may use it; the browser needs to read ETag to complete
      // a multipart upload.
      cors: [
        {
          allowedMethods: [HttpMethods.PUT, HttpMethods.GET],
          allowedOrigins: ["*"],
          allowedHeaders: ["*"],
          exposedHeaders: ["ETag"],
          maxAge: 3600,
        },
      ],
      // Model binaries outlive any one deployment of the registry's code.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  get environment(): Record<string, string> {
    return { [ArtifactBucket.envVar]: this.bucket.bucketName };
  }

  /** Grants `access` on the artifact keys only (not the whole bucket). */
  grant(grantee: IGrantable, access: BucketAccess): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: [...bucketActions[access]],
      resourceArns: [this.bucket.arnForObjects(`${ARTIFACT_KEY_PREFIX}*`)],
    });
  }

  /** Sets `ARTIFACT_BUCKET` on the function and grants it `access`, in one call. */
  bind(fn: LambdaFunction, access: BucketAccess): Grant {
    // The same variables `environment` declares (and `registryEnvironment` hands every function).
    for (const [name, value] of Object.entries(this.environment)) fn.addEnvironment(name, value);
    return this.grant(fn, access);
  }
}
