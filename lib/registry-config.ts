import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Node } from "constructs";
import { parseGovernance } from "../functions/core/governance-config.ts";
import type { PersonBoundRole } from "../functions/core/identity.ts";
import { DEFAULT_APPROVAL_TIMEOUT_SECONDS } from "../functions/core/kernel/deps.ts";
import type { PolicyValue } from "../functions/core/lifecycle/policy.ts";
import type { ContextKey } from "./context-keys.ts";
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
  /** API Gateway stage, the first path segment of every URL (`https://…/v1/models`). */
  stageName: string;
  /**
   * How long a stage transition waits for a human approval (the workflow's `.waitForTaskToken`
   * task timeout) before it fails as timed out. Context `approvalTimeoutDays`.
   */
  approvalTimeout: Duration;
  /** Lifetime of presigned upload and download URLs (`UPLOAD_URL_TTL_SECONDS` of the functions). */
  uploadUrlTtlSeconds: number;
  /**
   * What deleting the data stack does to the table, the bucket and the audit log: `retain`
   * (production) or `destroy` (throw-away stages; deletion protection is then off too).
   */
  stateRemovalPolicy: RemovalPolicy;
  /** Origins allowed to PUT/GET artifacts from a browser with presigned URLs. */
  corsAllowedOrigins: string[];
  /** Days an overwritten (noncurrent) artifact version is kept before S3 expires it. */
  noncurrentVersionExpirationDays: number;
  /**
   * Reserved concurrency of each HTTP function: with the stage throttle, caps what a burst can
   * ask of the table. `undefined`: unreserved (accounts with a low concurrency quota cannot
   * reserve). Context `reservedConcurrency` (a number, or `none`).
   */
  reservedConcurrency: number | undefined;
  /** Encrypt the table and the bucket with a customer-managed KMS key (rotated yearly) instead of AWS-owned keys. */
  customerManagedKey: boolean;
  /** Alarm notifications: an email address subscribed to a new SNS topic. */
  alarmEmail: string | undefined;
  /** Alarm notifications: an existing SNS topic (takes precedence over `alarmEmail`). */
  alarmTopicArn: string | undefined;
  /** AWS accounts whose principals may call the API (their own IAM policies then decide which routes). */
  crossAccountIds: string[];
  /** An AWS Organizations id (`o-…`) whose principals may call the API, like `crossAccountIds`. */
  organizationId: string | undefined;
  /**
   * Bundle Powertools Tracer into every function: X-Ray subsegments for each AWS SDK call and
   * invocation, on top of Lambda's active tracing (always on). Off by default: +~124 KiB per
   * bundle and a slower cold start (bench/results/bundles-latest.json). Context `powertoolsTracer`.
   */
  powertoolsTracer: boolean;
  /**
   * Start every function with `--enable-source-maps`, so logged stack traces point at the
   * TypeScript sources. Off by default: parsing the map costs each cold start 3–9 ms here
   * (bench/results/bundles-latest.json); the map ships in every asset either way. Context
   * `sourceMaps`.
   */
  sourceMaps: boolean;
  /**
   * The organisation's minimum promotion policy: every check uses the stricter of it and a
   * model's own policy, and a model without a policy is held to it. Context `policyFloor` (a
   * policy as JSON, as `PUT /models/{model}/policy` takes). Default: none (docs/governance.md).
   */
  policyFloor: PolicyValue;
  /**
   * Roles whose session name AWS sets to a person's name, so approvals through them are counted
   * per person (docs/governance.md, "Person-bound approvers"). Context `personBoundRoles`.
   */
  personBoundRoles: PersonBoundRole[];
}

/** Default time a stage transition waits for an approval: the core's (one week). */
export const DEFAULT_APPROVAL_TIMEOUT = Duration.days(DEFAULT_APPROVAL_TIMEOUT_SECONDS / (24 * 60 * 60));

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
  stageName: "v1",
  approvalTimeout: DEFAULT_APPROVAL_TIMEOUT,
  uploadUrlTtlSeconds: 900,
  stateRemovalPolicy: RemovalPolicy.RETAIN,
  // Presigned URLs are the authorization (signed, short-lived): any origin may use one.
  corsAllowedOrigins: ["*"],
  noncurrentVersionExpirationDays: 30,
  reservedConcurrency: undefined,
  customerManagedKey: false,
  alarmEmail: undefined,
  alarmTopicArn: undefined,
  crossAccountIds: [],
  organizationId: undefined,
  powertoolsTracer: false,
  sourceMaps: false,
  policyFloor: {},
  personBoundRoles: [],
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
    stageName: readString(node, "stageName", d.stageName, /^[A-Za-z0-9_]{1,128}$/),
    approvalTimeout: Duration.days(
      readInteger(node, "approvalTimeoutDays", d.approvalTimeout.toDays(), 1, 365),
    ),
    // Presigned URLs live at most 7 days (and no longer than the credentials that signed them).
    uploadUrlTtlSeconds: readInteger(node, "uploadUrlTtlSeconds", d.uploadUrlTtlSeconds, 60, 7 * 24 * 3600),
    stateRemovalPolicy: readRemovalPolicy(node, "stateRemovalPolicy", d.stateRemovalPolicy),
    corsAllowedOrigins: readStringList(
      node,
      "corsAllowedOrigins",
      d.corsAllowedOrigins,
      /^(\*|https?:\/\/[^\s/]+)$/,
    ),
    noncurrentVersionExpirationDays: readInteger(
      node,
      "noncurrentVersionExpirationDays",
      d.noncurrentVersionExpirationDays,
      1,
    ),
    reservedConcurrency: readOptionalInteger(node, "reservedConcurrency", 1),
    customerManagedKey: readBoolean(node, "customerManagedKey", d.customerManagedKey),
    alarmEmail: readOptionalString(node, "alarmEmail", /^[^\s@]+@[^\s@]+$/),
    alarmTopicArn: readOptionalString(
      node,
      "alarmTopicArn",
      /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/,
    ),
    crossAccountIds: readStringList(node, "crossAccountIds", d.crossAccountIds, /^\d{12}$/),
    organizationId: readOptionalString(node, "organizationId", /^o-[a-z0-9]{10,32}$/),
    powertoolsTracer: readBoolean(node, "powertoolsTracer", d.powertoolsTracer),
    sourceMaps: readBoolean(node, "sourceMaps", d.sourceMaps),
    ...readGovernance(node),
  };
}

/** `policyFloor` and `personBoundRoles`: JSON in `cdk.json`, or a JSON string with `-c`. */
function readGovernance(node: Node): Pick<RegistryConfig, "policyFloor" | "personBoundRoles"> {
  const json = (key: ContextKey): unknown => {
    const value: unknown = node.tryGetContext(key);
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value);
    } catch {
      throw new Error(`context '${key}' must be JSON, got ${JSON.stringify(value)}`);
    }
  };
  try {
    const governance = parseGovernance({
      policyFloor: json("policyFloor"),
      personBoundRoles: json("personBoundRoles"),
    });
    return { policyFloor: governance.policyFloor, personBoundRoles: [...governance.personBoundRoles] };
  } catch (error) {
    throw new Error(`context ${(error as Error).message}`);
  }
}

function readOptionalString(node: Node, key: ContextKey, pattern: RegExp): string | undefined {
  return node.tryGetContext(key) === undefined ? undefined : readString(node, key, "", pattern);
}

/** `none` (or absent) for no value, else an integer >= min. */
function readOptionalInteger(node: Node, key: ContextKey, min: number): number | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === "none") return undefined;
  return readInteger(node, key, 0, min);
}

/** A JSON array in `cdk.json`, or a comma-separated string with `-c key=a,b`. */
function readStringList(node: Node, key: ContextKey, fallback: string[], pattern: RegExp): string[] {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined) return fallback;
  const list = typeof value === "string" ? value.split(",").map((item) => item.trim()) : value;
  if (!Array.isArray(list) || list.some((item) => typeof item !== "string" || !pattern.test(item))) {
    throw new Error(
      `context '${key}' must be a list of values matching ${pattern}, got ${JSON.stringify(value)}`,
    );
  }
  return list as string[];
}

function readRemovalPolicy(node: Node, key: ContextKey, fallback: RemovalPolicy): RemovalPolicy {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined) return fallback;
  if (value === "retain") return RemovalPolicy.RETAIN;
  if (value === "destroy") return RemovalPolicy.DESTROY;
  throw new Error(`context '${key}' must be retain or destroy, got ${JSON.stringify(value)}`);
}

function readString(node: Node, key: ContextKey, fallback: string, pattern: RegExp): string {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !pattern.test(value)) {
    throw new Error(`context '${key}' must match ${pattern}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** `-c key=30` arrives as a string, `cdk.json` may hold a number: accept both. */
function readInteger(
  node: Node,
  key: ContextKey,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined) return fallback;
  const parsed = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof parsed !== "number" || !Number.isInteger(parsed) || parsed < min || parsed > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new Error(`context '${key}' must be an integer ${range}, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function readBoolean(node: Node, key: ContextKey, fallback: boolean): boolean {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined) return fallback;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new Error(`context '${key}' must be true or false, got ${JSON.stringify(value)}`);
}

/** CloudWatch Logs accepts only certain retention periods; `RetentionDays` lists them. */
function readRetention(node: Node, key: ContextKey, fallback: RetentionDays): RetentionDays {
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
