import { Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import { Key } from "aws-cdk-lib/aws-kms";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { ArtifactBucket } from "./artifact-bucket.ts";
import { RegistryEventBus } from "./registry-event-bus.ts";
import { RegistryTable } from "./registry-table.ts";

/** The stateful resources the stateless stack binds its functions to. */
export interface RegistryData {
  readonly table: RegistryTable;
  readonly artifacts: ArtifactBucket;
  readonly events: RegistryEventBus;
  /** The API's access log: the audit trail of who called what, reads included. */
  readonly apiAccessLogs: LogGroup;
}

export interface DataStackProps extends StackProps {
  busName: string;
  eventSource: string;
  eventArchiveRetentionDays: number;
  /** IAM path of the roles allowed to write artifacts (`registryRolePath` of the API stack). */
  artifactWriterRolePath: string;
  corsAllowedOrigins: readonly string[];
  noncurrentVersionExpirationDays: number;
  /** Table, bucket and access log: RETAIN (default) or DESTROY. */
  stateRemovalPolicy?: RemovalPolicy;
  /** Encrypt the table and the bucket with a customer-managed key. */
  customerManagedKey?: boolean;
  accessLogRetention: RetentionDays;
}

/**
 * Stateful stack: everything that holds data. Kept apart from functions and the API so that
 * redeploying, renaming or deleting code can never replace the table or the bucket.
 */
export class DataStack extends Stack implements RegistryData {
  readonly table: RegistryTable;
  readonly artifacts: ArtifactBucket;
  readonly events: RegistryEventBus;
  readonly apiAccessLogs: LogGroup;
  /** The customer-managed key of the table and the bucket, when configured. */
  readonly encryptionKey: Key | undefined;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const removalPolicy = props.stateRemovalPolicy;
    this.encryptionKey = props.customerManagedKey
      ? new Key(this, "DataKey", {
          description: "Model registry: encrypts the registry table and the artifact bucket",
          enableKeyRotation: true,
          // A key scheduled for deletion takes the data with it: the key always outlives the stack.
          removalPolicy: RemovalPolicy.RETAIN,
        })
      : undefined;
    this.table = new RegistryTable(this, "Registry", { encryptionKey: this.encryptionKey, removalPolicy });
    this.artifacts = new ArtifactBucket(this, "Artifacts", {
      writerRolePath: props.artifactWriterRolePath,
      corsAllowedOrigins: props.corsAllowedOrigins,
      noncurrentVersionExpiration: Duration.days(props.noncurrentVersionExpirationDays),
      encryptionKey: this.encryptionKey,
      removalPolicy,
    });
    this.events = new RegistryEventBus(this, "Events", {
      busName: props.busName,
      eventSource: props.eventSource,
      archiveRetention: Duration.days(props.eventArchiveRetentionDays),
    });
    // Here rather than beside the API: the audit trail must outlive a redeploy of the API stack.
    this.apiAccessLogs = new LogGroup(this, "ApiAccessLogs", {
      retention: props.accessLogRetention,
      removalPolicy: removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}

/** Every variable the shared handler config reads at cold start (names only, never a grant). */
export function registryEnvironment(data: RegistryData): Record<string, string> {
  return {
    ...data.table.environment,
    ...data.artifacts.environment,
    ...data.events.environment,
  };
}
