import { Duration, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { ArtifactBucket } from "./artifact-bucket.ts";
import { PageTokenSecret } from "./page-token-secret.ts";
import { RegistryEventBus } from "./registry-event-bus.ts";
import { RegistryTable } from "./registry-table.ts";

/** The stateful resources the stateless stack binds its functions to. */
export interface RegistryData {
  readonly table: RegistryTable;
  readonly artifacts: ArtifactBucket;
  readonly events: RegistryEventBus;
  readonly pageTokens: PageTokenSecret;
}

export interface DataStackProps extends StackProps {
  busName: string;
  eventSource: string;
  eventArchiveRetentionDays: number;
}

/**
 * Stateful stack: everything that holds data. Kept apart from functions and the API so that
 * redeploying, renaming or deleting code can never replace the table or the bucket.
 */
export class DataStack extends Stack implements RegistryData {
  readonly table: RegistryTable;
  readonly artifacts: ArtifactBucket;
  readonly events: RegistryEventBus;
  readonly pageTokens: PageTokenSecret;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    this.table = new RegistryTable(this, "Registry");
    this.artifacts = new ArtifactBucket(this, "Artifacts");
    this.events = new RegistryEventBus(this, "Events", {
      busName: props.busName,
      eventSource: props.eventSource,
      archiveRetention: Duration.days(props.eventArchiveRetentionDays),
    });
    this.pageTokens = new PageTokenSecret(this, "PageTokenKey");
  }
}

/** Every variable the shared handler config reads at cold start (names only, never a grant). */
export function registryEnvironment(data: RegistryData): Record<string, string> {
  return {
    ...data.table.environment,
    ...data.artifacts.environment,
    ...data.pageTokens.environment,
    ...data.events.environment,
  };
}
