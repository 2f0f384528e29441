import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { beforeAll, describe, expect, it } from "vitest";
import { registryTableDefinition as def } from "../../functions/adapters/dynamodb/table-definition.ts";
import { registryApp } from "../../lib/app.ts";
import { ArtifactBucket, type BucketAccess, bucketActions } from "../../lib/artifact-bucket.ts";
import { DataStack } from "../../lib/data-stack.ts";
import { defaultRegistryConfig } from "../../lib/registry-config.ts";
import { dataStackProps } from "../../lib/registry-stacks.ts";

// The data stack alone: it has no functions, so this synth needs no bundling and no handlers.
let template: Template;

beforeAll(() => {
  const stack = new DataStack(registryApp(), "Test-Data", dataStackProps(defaultRegistryConfig));
  template = Template.fromStack(stack);
});

describe("registry table", () => {
  it("is the one table, keyed as the table definition says", () => {
    template.resourceCountIs("AWS::DynamoDB::GlobalTable", 1);
    template.resourceCountIs("AWS::DynamoDB::Table", 0);
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      KeySchema: [
        { AttributeName: def.partitionKey, KeyType: "HASH" },
        { AttributeName: def.sortKey, KeyType: "RANGE" },
      ],
    });
  });

  it("declares every key attribute, of the table and its indexes, with the definition's type", () => {
    const keys = [
      def.partitionKey,
      def.sortKey,
      ...def.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
    ];
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      AttributeDefinitions: Match.arrayEquals(
        keys.map((name) => ({ AttributeName: name, AttributeType: def.keyAttributeType })),
      ),
    });
  });

  it.each(def.globalSecondaryIndexes.map((index) => [index.indexName, index] as const))(
    "has the %s index from the definition",
    (indexName, index) => {
      template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
        GlobalSecondaryIndexes: Match.arrayWith([
          Match.objectLike({
            IndexName: indexName,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: "HASH" },
              { AttributeName: index.sortKey, KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "ALL" },
          }),
        ]),
      });
    },
  );

  it("streams new and old images, expires items on the TTL attribute, bills per request", () => {
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      StreamSpecification: { StreamViewType: def.streamViewType },
      TimeToLiveSpecification: { AttributeName: def.timeToLiveAttribute, Enabled: true },
      BillingMode: "PAY_PER_REQUEST",
    });
  });

  it("has point-in-time recovery, deletion protection and AWS-managed encryption", () => {
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
      SSESpecification: { SSEEnabled: true, SSEType: "KMS" },
    });
  });

  it("is retained when the stack is deleted", () => {
    template.hasResource("AWS::DynamoDB::GlobalTable", {
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
    });
  });
});

describe("artifact bucket", () => {
  it("blocks every kind of public access", () => {
    template.hasResourceProperties("AWS::S3::Bucket", {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
  });

  it("denies any request not made over TLS", () => {
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Action: "s3:*",
            Principal: { AWS: "*" },
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ]),
      },
    });
  });

  it("is versioned, S3-encrypted and aborts incomplete multipart uploads after 7 days", () => {
    template.hasResourceProperties("AWS::S3::Bucket", {
      VersioningConfiguration: { Status: "Enabled" },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Status: "Enabled", AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
        ]),
      },
    });
  });

  it("lets browsers PUT, GET and HEAD through presigned URLs and read the ETag", () => {
    template.hasResourceProperties("AWS::S3::Bucket", {
      CorsConfiguration: {
        CorsRules: [
          Match.objectLike({
            AllowedMethods: Match.arrayEquals(["PUT", "GET", "HEAD"]),
            AllowedOrigins: ["*"],
            ExposedHeaders: Match.arrayWith(["ETag"]),
          }),
        ],
      },
    });
  });

  it("is retained when the stack is deleted", () => {
    template.hasResource("AWS::S3::Bucket", { DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
  });
});

describe("event bus", () => {
  it("is a custom bus with the configured name", () => {
    template.hasResourceProperties("AWS::Events::EventBus", { Name: defaultRegistryConfig.busName });
  });

  it("archives the registry's own events for a year, for replay", () => {
    const [busId] = Object.keys(template.findResources("AWS::Events::EventBus"));
    template.hasResourceProperties("AWS::Events::Archive", {
      SourceArn: { "Fn::GetAtt": [busId, "Arn"] },
      EventPattern: { source: [defaultRegistryConfig.eventSource] },
      RetentionDays: 365,
    });
  });
});

describe("pagination token key", () => {
  it("is no Secrets Manager secret ($0.40 a month idle): the functions keep it in the table", () => {
    template.resourceCountIs("AWS::SecretsManager::Secret", 0);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/secretsmanager/i);
  });
});

describe("data stack options", () => {
  const synthWith = (config: Partial<typeof defaultRegistryConfig>) =>
    Template.fromStack(
      new DataStack(registryApp(), "Options-Data", {
        ...dataStackProps({ ...defaultRegistryConfig, ...config }),
        env: { account: "123456789012", region: "us-east-1" },
      }),
    );

  it("expires overwritten artifact versions after the configured days, and allows the configured origins", () => {
    const template = synthWith({
      noncurrentVersionExpirationDays: 12,
      corsAllowedOrigins: ["https://studio.example.com"],
    });
    template.hasResourceProperties("AWS::S3::Bucket", {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 12 } })]),
      },
      CorsConfiguration: {
        CorsRules: [Match.objectLike({ AllowedOrigins: ["https://studio.example.com"] })],
      },
    });
  });

  it("encrypts the table and the bucket with a rotated customer-managed key when asked, and keeps the key", () => {
    const template = synthWith({ customerManagedKey: true });
    template.hasResource("AWS::KMS::Key", {
      Properties: Match.objectLike({ EnableKeyRotation: true }),
      DeletionPolicy: "Retain",
    });
    const [keyId] = Object.keys(template.findResources("AWS::KMS::Key"));
    template.hasResourceProperties("AWS::S3::Bucket", {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: "aws:kms",
              KMSMasterKeyID: { "Fn::GetAtt": [keyId, "Arn"] },
            },
          }),
        ],
      },
    });
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      SSESpecification: { SSEEnabled: true, SSEType: "KMS" },
      Replicas: [
        Match.objectLike({ SSESpecification: { KMSMasterKeyId: { "Fn::GetAtt": [keyId, "Arn"] } } }),
      ],
    });
  });

  it("with stateRemovalPolicy destroy, deletes the table and bucket with the stack and turns deletion protection off", () => {
    const template = synthWith({ stateRemovalPolicy: RemovalPolicy.DESTROY });
    template.hasResource("AWS::DynamoDB::GlobalTable", { DeletionPolicy: "Delete" });
    template.hasResource("AWS::S3::Bucket", { DeletionPolicy: "Delete" });
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })],
    });
  });

  it("keeps the API access log (the audit trail) when the stack is deleted", () => {
    template.hasResource("AWS::Logs::LogGroup", {
      DeletionPolicy: "Retain",
      Properties: { RetentionInDays: defaultRegistryConfig.accessLogRetention },
    });
  });
});

describe("artifact grants under a customer-managed key", () => {
  /** The KMS actions a role granted `access` on the bucket alone gets (no table grant to mask a gap). */
  function keyActionsGranted(access: BucketAccess): string[] {
    const stack = new Stack(registryApp(), "Grants", {
      env: { account: "123456789012", region: "us-east-1" },
    });
    const artifacts = new ArtifactBucket(stack, "Artifacts", {
      writerRolePath: "/model-registry/Test-Api/",
      corsAllowedOrigins: ["*"],
      noncurrentVersionExpiration: Duration.days(30),
      encryptionKey: new Key(stack, "Key"),
    });
    const role = new Role(stack, "Signer", { assumedBy: new ServicePrincipal("lambda.amazonaws.com") });
    artifacts.grant(role, access);
    const policies = Template.fromStack(stack).findResources("AWS::IAM::Policy");
    return Object.values(policies)
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
      .flatMap((statement) => [statement.Action].flat())
      .filter((action) => action.startsWith("kms:"));
  }

  it.each(["presign", "uploadAndSeal"] as const)(
    "%s signs part uploads, so it may generate data keys and decrypt them (SSE-KMS UploadPart needs kms:Decrypt)",
    (access) => {
      // Not vacuous: both accesses sign PUTs (UploadPart is s3:PutObject).
      expect(bucketActions[access]).toContain("s3:PutObject");
      // Exactly these: S3 encrypts objects with the generated data key and never calls kms:Encrypt.
      expect(keyActionsGranted(access)).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
    },
  );

  it("read only decrypts", () => {
    expect(keyActionsGranted("read")).toEqual(["kms:Decrypt"]);
  });
});
