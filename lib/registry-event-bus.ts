import type { Duration } from "aws-cdk-lib";
import { type Archive, EventBus } from "aws-cdk-lib/aws-events";
import type { Grant, IGrantable } from "aws-cdk-lib/aws-iam";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";

export interface RegistryEventBusProps {
  /** Bus name; deploy pipelines attach their rules to it by this name. */
  busName: string;
  /** `source` of every registry event (EVENTS.md). */
  eventSource: string;
  archiveRetention: Duration;
}

/** The custom bus the registry publishes its facts to, with an archive for replay. */
export class RegistryEventBus extends Construct {
  static readonly busNameEnvVar = "EVENT_BUS_NAME";
  static readonly sourceEnvVar = "EVENT_SOURCE";

  readonly bus: EventBus;
  readonly archive: Archive;
  readonly eventSource: string;

  constructor(scope: Construct, id: string, props: RegistryEventBusProps) {
    super(scope, id);
    this.eventSource = props.eventSource;
    this.bus = new EventBus(this, "Bus", { eventBusName: props.busName });
    this.archive = this.bus.archive("Archive", {
      description: `Replay of ${props.eventSource} events`,
      // Only the registry's own facts: replaying them rebuilds a consumer's view. Events that
      // deploy pipelines put on this bus are theirs to archive.
      eventPattern: { source: [props.eventSource] },
      retention: props.archiveRetention,
    });
  }

  get environment(): Record<string, string> {
    return {
      [RegistryEventBus.busNameEnvVar]: this.bus.eventBusName,
      [RegistryEventBus.sourceEnvVar]: this.eventSource,
    };
  }

  grantPutEvents(grantee: IGrantable): Grant {
    return this.bus.grantPutEventsTo(grantee);
  }

  /** Sets `EVENT_BUS_NAME` and `EVENT_SOURCE` on the function and lets it publish, in one call. */
  bind(fn: LambdaFunction): Grant {
    for (const [name, value] of Object.entries(this.environment)) fn.addEnvironment(name, value);
    return this.grantPutEvents(fn);
  }
}
