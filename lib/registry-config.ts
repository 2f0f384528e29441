import { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Node } from "constructs";
import { DEFAULT_APPROVAL_TIMEOUT_SECONDS } from "../functions/core/kernel/deps.ts";
import type { WebhookTarget } from "./webhook-targets.ts";

/**
 * Everything a deployment may change, read once from CDK context (`cdk.json` or `-c key=value`).
 * Defaults make `cdk synth` / `cdk deploy` work with no context at all.
 */
export interface RegistryConfig {
  /** Stack names are `<stackPrefix>-Data` and `<stackPrefix>-Api`. */
  stackPrefix: string;
  /** `source` of every event the registry publishes (EVENTS.md). */
  eventSource: string;
  /** Name of the custom EventBridge bus; deploy pipelines attach rules to it by name. */
  busName: string;
  /** How long the bus archive keeps events for replay. */
  eventArchiveRetentionDays: number;
  functionLogRetention: RetentionDays;
  accessLogRetention: RetentionDays;
  /** Stage-wide steady-state requests per second, so a runaway client cannot drain the table's capacity. */
  apiThrottleRateLimit: number;
  apiThrottleBurstLimit: number;
  /**
   * Whether this app sets the account-wide API Gateway CloudWatch role (needed for access logs).
   * Turn off in accounts where the platform team already manages it.
   */
  apiCloudWatchRole: boolean;
  /** Consumers outside AWS that get matching events POSTed to them (`lib/webhook-targets.ts`). */
  webhooks: WebhookTarget[];
  /** How long a stage transition waits for its approvals before it ends TIMED_OUT. */
  approvalTimeoutSeconds: number;
}

export const defaultRegistryConfig: RegistryConfig = {
  stackPrefix: "ModelRegistry",
  eventSource: "model-registry",
  busName: "model-registry",
  eventArchiveRetentionDays: 365,
  functionLogRetention: RetentionDays.ONE_MONTH,
  // Access logs are the only record of who *read* what (the table history covers writes).
  accessLogRetention: RetentionDays.THREE_MONTHS,
  apiThrottleRateLimit: 100,
  apiThrottleBurstLimit: 200,
  apiCloudWatchRole: true,
  webhooks: [],
  approvalTimeoutSeconds: DEFAULT_APPROVAL_TIMEOUT_SECONDS,
};

/** Reads the configuration from context, failing at synth time (not at deploy time) on bad values. */
export function readRegistryConfig(node: Node): RegistryConfig {
  const d = defaultRegistryConfig;
  return {
    stackPrefix: readString(node, "stackPrefix", d.stackPrefix, /^[A-Za-z][A-Za-z0-9-]{0,100}$/),
    eventSource: readString(node, "eventSource", d.eventSource, /^[A-Za-z0-9._/-]{1,256}$/),
    busName: readString(node, "busName", d.busName, /^[A-Za-z0-9._-]{1,256}$/),
    eventArchiveRetentionDays: readInteger(node, "eventArchiveRetentionDays", d.eventArchiveRetentionDays, 0),
    functionLogRetention: readRetention(node, "functionLogRetentionDays", d.functionLogRetention),
    accessLogRetention: readRetention(node, "accessLogRetentionDays", d.accessLogRetention),
    apiThrottleRateLimit: readInteger(node, "apiThrottleRateLimit", d.apiThrottleRateLimit, 1),
    apiThrottleBurstLimit: readInteger(node, "apiThrottleBurstLimit", d.apiThrottleBurstLimit, 0),
    apiCloudWatchRole: readBoolean(node, "apiCloudWatchRole", d.apiCloudWatchRole),
    webhooks: readWebhooks(node),
    approvalTimeoutSeconds: readInteger(node, "approvalTimeoutSeconds", d.approvalTimeoutSeconds, 1),
  };
}

function readString(node: Node, key: string, fallback: string, pattern: RegExp): string {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !pattern.test(value)) {
    throw new Error(`context '${key}' must match ${pattern}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** `-c key=30` arrives as a string, `cdk.json` may hold a number: accept both. */
function readInteger(node: Node, key: string, fallback: number, min: number): number {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined) return fallback;
  const parsed = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof parsed !== "number" || !Number.isInteger(parsed) || parsed < min) {
    throw new Error(`context '${key}' must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function readBoolean(node: Node, key: string, fallback: boolean): boolean {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined) return fallback;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new Error(`context '${key}' must be true or false, got ${JSON.stringify(value)}`);
}

/** CloudWatch Logs accepts only certain retention periods; `RetentionDays` lists them. */
function readRetention(node: Node, key: string, fallback: RetentionDays): RetentionDays {
  const days = readInteger(node, key, fallback, 0);
  const allowed = Object.values(RetentionDays).filter((v): v is RetentionDays => typeof v === "number");
  const match = allowed.find((v) => v === days);
  if (match === undefined) {
    throw new Error(`context '${key}' must be one of ${allowed.join(", ")} (days), got ${days}`);
  }
  return match;
}

/**
 * `webhooks`: a JSON array (in `cdk.json`, or a string with `-c webhooks='[…]'`) of
 * `{name, endpoint (https://…), pattern (an EventBridge event pattern), secretName}`.
 */
function readWebhooks(node: Node): WebhookTarget[] {
  const raw: unknown = node.tryGetContext("webhooks");
  if (raw === undefined) return [];
  let value: unknown = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new Error("context 'webhooks' must be a JSON array of {name, endpoint, pattern, secretName}");
    }
  }
  if (!Array.isArray(value)) {
    throw new Error("context 'webhooks' must be a JSON array of {name, endpoint, pattern, secretName}");
  }
  return value.map((entry: unknown, i) => {
    const w = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    const where = `context 'webhooks' entry ${i}`;
    if (typeof w.name !== "string" || !/^[A-Za-z][A-Za-z0-9]{0,40}$/.test(w.name)) {
      throw new Error(`${where}: name must be 1-41 letters and digits, starting with a letter`);
    }
    if (typeof w.endpoint !== "string" || !/^https:\/\/\S+$/.test(w.endpoint)) {
      throw new Error(`${where} ('${w.name}'): endpoint must be an https:// URL`);
    }
    if (typeof w.pattern !== "object" || w.pattern === null || Array.isArray(w.pattern)) {
      throw new Error(`${where} ('${w.name}'): pattern must be an EventBridge event pattern object`);
    }
    if (typeof w.secretName !== "string" || w.secretName === "") {
      throw new Error(
        `${where} ('${w.name}'): secretName must name the Secrets Manager secret holding the token`,
      );
    }
    return {
      name: w.name,
      endpoint: w.endpoint,
      pattern: w.pattern as Record<string, unknown>,
      secretName: w.secretName,
    };
  });
}
