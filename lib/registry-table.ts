import { RemovalPolicy } from "aws-cdk-lib";
import {
  type Attribute,
  AttributeType,
  Billing,
  StreamViewType,
  TableEncryptionV2,
  TableV2,
} from "aws-cdk-lib/aws-dynamodb";
import { Grant, type IGrantable } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import { registryTableDefinition } from "../functions/adapters/dynamodb/table-definition.ts";

export type TableAccess = "read" | "readWrite";

/**
 * Narrower than `TableV2.grantReadData`/`grantReadWriteData`, which add `Scan`, stream reads and
 * `DescribeTable`: no request path may scan (ARCHITECTURE.md), and IAM now enforces it.
 */
const readActions = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"] as const;
const writeActions = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:ConditionCheckItem",
] as const;

/**
 * The registry's single DynamoDB table, built from `registryTableDefinition` so the deployed
 * table and the local-mode table cannot drift. Key names are never restated here.
 */
export interface RegistryTableProps {
  /** Customer-managed key; an AWS-managed key without one. */
  encryptionKey?: IKey;
  /** @default RETAIN (and deletion protection); DESTROY turns deletion protection off. */
  removalPolicy?: RemovalPolicy;
}

export class RegistryTable extends Construct {
  /** Environment variable through which handlers find the table. */
  static readonly envVar = "TABLE_NAME";

  readonly table: TableV2;
  readonly encryptionKey: IKey | undefined;

  constructor(scope: Construct, id: string, props: RegistryTableProps = {}) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const def = registryTableDefinition;

    this.table = new TableV2(this, "Table", {
      partitionKey: keyAttribute(def.partitionKey),
      sortKey: keyAttribute(def.sortKey),
      globalSecondaryIndexes: def.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: keyAttribute(index.partitionKey),
        sortKey: keyAttribute(index.sortKey),
      })),
      timeToLiveAttribute: def.timeToLiveAttribute,
      dynamoStream: StreamViewType[def.streamViewType],
      // Traffic is bursty (CI pipelines, notebooks): pay per request, no capacity planning.
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
      encryption: props.encryptionKey
        ? TableEncryptionV2.customerManagedKey(props.encryptionKey)
        : TableEncryptionV2.awsManagedKey(),
      // The registry's records outlive any one deployment of its code.
      removalPolicy,
    });
  }

  get environment(): Record<string, string> {
    return { [RegistryTable.envVar]: this.table.tableName };
  }

  /** Item reads and queries, on the table and its indexes. */
  grantReadData(grantee: IGrantable): Grant {
    this.encryptionKey?.grant(grantee, "kms:Decrypt", "kms:DescribeKey");
    return this.grantOnTableAndIndexes(grantee, readActions);
  }

  /** Item reads, queries and writes (transactions use these same actions). */
  grantReadWriteData(grantee: IGrantable): Grant {
    this.encryptionKey?.grant(
      grantee,
      // CDK's KMS write set, without its wildcards.
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
    );
    return this.grantOnTableAndIndexes(grantee, [...readActions, ...writeActions]);
  }

  /** On the table and each index the definition names (not `index/*`): a new index is granted when declared. */
  private grantOnTableAndIndexes(grantee: IGrantable, actions: readonly string[]): Grant {
    const { tableArn } = this.table;
    return Grant.addToPrincipal({
      grantee,
      actions: [...actions],
      resourceArns: [
        tableArn,
        ...registryTableDefinition.globalSecondaryIndexes.map(
          (index) => `${tableArn}/index/${index.indexName}`,
        ),
      ],
    });
  }

  /** Sets `TABLE_NAME` on the function and grants it `access`, in one call. */
  bind(fn: LambdaFunction, access: TableAccess): Grant {
    // The same variables `environment` declares (and `registryEnvironment` hands every function).
    for (const [name, value] of Object.entries(this.environment)) fn.addEnvironment(name, value);
    return access === "read" ? this.grantReadData(fn) : this.grantReadWriteData(fn);
  }
}

function keyAttribute(name: string): Attribute {
  const types = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY } as const;
  return { name, type: types[registryTableDefinition.keyAttributeType] };
}
