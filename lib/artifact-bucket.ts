import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { AnyPrincipal, Effect, Grant, type IGrantable, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
} from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { acceptWildcardResources, acknowledge } from "./nag.ts";

/**
 * What a function may do with artifact objects (all under `models/`), least privilege per use:
 * - `presign`: sign PUT and UploadPart URLs and start multipart uploads (all `s3:PutObject`):
 *   a presigned URL carries exactly the rights of the function that signed it.
 * - `uploadAndSeal`: presign, plus read objects and their checksums (HeadObject is
 *   `s3:GetObject`; presigned GETs for downloads), list and complete (`s3:PutObject`) or abort
 *   multipart uploads.
 * - `read`: read objects (the verifier streams them; Apply re-checks the pinned version).
 * Reads include `s3:GetObjectVersion`: a sealed artifact is pinned to its S3 version id, and
 * HeadObject, GetObject and presigned GETs with a `VersionId` need it.
 * No function gets `s3:DeleteObject*`: a sealed artifact must outlive any bug in the registry.
 */
export type BucketAccess = "presign" | "uploadAndSeal" | "read";

export const bucketActions: Record<BucketAccess, readonly string[]> = {
  presign: ["s3:PutObject"],
  uploadAndSeal: [
    "s3:PutObject",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectAttributes",
    "s3:ListMultipartUploadParts",
    "s3:AbortMultipartUpload",
  ],
  read: ["s3:GetObject", "s3:GetObjectVersion"],
};

/** Every artifact key starts with this (`models/<model>/versions/<n>/<path>`). */
export const ARTIFACT_KEY_PREFIX = "models/";

/**
 * KMS actions behind each access, when the bucket has a customer-managed key. Under SSE-KMS a
 * multipart upload needs `kms:GenerateDataKey` to start and `kms:Decrypt` for each UploadPart
 * (S3 `CreateMultipartUpload` reference), and a presigned part URL is sent as its signer. S3
 * never calls `kms:Encrypt` for an object (it encrypts with the generated data key), so no access
 * is granted it.
 */
const keyActions: Record<BucketAccess, readonly string[]> = {
  presign: ["kms:GenerateDataKey", "kms:Decrypt"],
  uploadAndSeal: ["kms:GenerateDataKey", "kms:Decrypt"],
  read: ["kms:Decrypt"],
};

export interface ArtifactBucketProps {
  /**
   * IAM path of the roles that may write artifacts: the registry's functions
   * (`registryRolePath`). A presigned PUT or UploadPart is made as the role that signed it, so
   * notebooks uploading through the registry's URLs pass; a principal writing directly does not.
   */
  writerRolePath: string;
  /** Origins allowed to use presigned URLs from a browser. */
  corsAllowedOrigins: readonly string[];
  /** Days an overwritten artifact's old version is kept. */
  noncurrentVersionExpiration: Duration;
  /** Customer-managed key; S3-managed keys (SSE-S3) without one. */
  encryptionKey?: IKey;
  /** @default RETAIN */
  removalPolicy?: RemovalPolicy;
}

/**
 * The bucket that holds model binaries. Clients upload and download with presigned URLs, so the
 * bytes never pass through the API; the bucket itself is never public.
 */
export class ArtifactBucket extends Construct {
  /** Environment variable through which handlers find the bucket. */
  static readonly envVar = "ARTIFACT_BUCKET";

  readonly bucket: Bucket;
  readonly encryptionKey: IKey | undefined;

  constructor(scope: Construct, id: string, props: ArtifactBucketProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;

    this.bucket = new Bucket(this, "Bucket", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      ...(props.encryptionKey
        ? { encryption: BucketEncryption.KMS, encryptionKey: props.encryptionKey, bucketKeyEnabled: true }
        : { encryption: BucketEncryption.S3_MANAGED }),
      // Protects sealed artifacts against accidental overwrite or delete.
      versioned: true,
      lifecycleRules: [
        {
          id: "abort-incomplete-multipart-uploads",
          // Abandoned multipart uploads are invisible in listings but billed until aborted.
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
        {
          id: "expire-noncurrent-versions",
          // Only an overwrite makes a noncurrent version (deletes are denied below); the
          // registry never overwrites a sealed artifact, so these are abandoned upload attempts.
          noncurrentVersionExpiration: props.noncurrentVersionExpiration,
        },
      ],
      // Notebooks and browsers PUT/GET straight to S3 with presigned URLs: the signature is the
      // authorization. HEAD lets a browser check an object; ETag must be readable to complete a
      // multipart upload.
      cors: [
        {
          allowedMethods: [HttpMethods.PUT, HttpMethods.GET, HttpMethods.HEAD],
          allowedOrigins: [...props.corsAllowedOrigins],
          allowedHeaders: ["*"],
          exposedHeaders: ["ETag", "x-amz-version-id", "x-amz-checksum-sha256", "x-amz-checksum-crc64nvme"],
          maxAge: 3600,
        },
      ],
      // Model binaries outlive any one deployment of the registry's code.
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    acknowledge(
      this.bucket,
      "AwsSolutions-S1",
      "Who asked for which artifact is in the API's access log (every upload and download URL is issued by a signed API call, logged with the caller's ARN); object-level S3 data events belong in the account's CloudTrail, the platform team's choice",
    );

    // Sealed artifacts are immutable: nobody deletes an object or one of its versions, whatever
    // their IAM policies say (lifecycle expiry is S3's own and is not subject to this policy).
    // Changing this takes an explicit edit of the bucket policy, which CloudTrail records.
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: "DenyArtifactDeletes",
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
        resources: [this.bucket.arnForObjects("*")],
      }),
    );
    // Replication into this bucket writes objects and delete markers without s3:PutObject or
    // s3:DeleteObject: a replication rule on any other bucket of the account, whose role may
    // s3:ReplicateObject here, would overwrite a sealed artifact or hide it behind a delete
    // marker. Nothing replicates into the registry's bucket (replicating *out of* it, to a
    // recovery bucket, needs neither action here).
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: "DenyReplicationIntoArtifacts",
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ["s3:ReplicateObject", "s3:ReplicateDelete"],
        resources: [this.bucket.arnForObjects("*")],
      }),
    );
    // Only the registry's own roles write artifacts. A presigned URL carries the signer's
    // identity, so uploads through the registry's URLs are writes by its functions' roles.
    const { partition, account } = Stack.of(this);
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: "DenyArtifactWritesOutsideRegistry",
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ["s3:PutObject", "s3:RestoreObject", "s3:PutObjectRetention", "s3:PutObjectLegalHold"],
        resources: [this.bucket.arnForObjects(`${ARTIFACT_KEY_PREFIX}*`)],
        conditions: {
          ArnNotLike: { "aws:PrincipalArn": `arn:${partition}:iam::${account}:role${props.writerRolePath}*` },
        },
      }),
    );
  }

  get environment(): Record<string, string> {
    return { [ArtifactBucket.envVar]: this.bucket.bucketName };
  }

  /** Grants `access` on the artifact keys only (not the whole bucket). */
  grant(grantee: IGrantable, access: BucketAccess): Grant {
    this.encryptionKey?.grant(grantee, ...keyActions[access]);
    const principal = grantee.grantPrincipal;
    if (principal instanceof Construct) {
      acceptWildcardResources(
        principal,
        /\/models\/\*$/,
        "Artifact objects: keys are models/<model>/versions/<n>/<path>, created per version, so the grant covers the models/ prefix (never the whole bucket, never deletes)",
      );
    }
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
