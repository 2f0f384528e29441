/**
 * Every CDK context key the app reads, with what it means: the one source of `readRegistryConfig`'s
 * key names (its readers take a `ContextKey`, so a key read here but not described fails the
 * type-check) and of the CDK context table in docs/configuration.md (`npm run docs`). A key's
 * default is taken from `defaultRegistryConfig` through `configField`, never written here.
 *
 * `meaning` is Markdown for that page: links are relative to `docs/`.
 */
/**
 * `Field` is `keyof RegistryConfig` where the docs read the defaults (scripts/docs-config.ts), so
 * a misspelt `configField` fails the type-check there; this module does not import the config,
 * which imports it.
 */
export interface ContextKeyDoc<Field extends string = string> {
  /** The `RegistryConfig` field whose default the docs show; absent: no default (`none`). */
  configField?: Field;
  meaning: string;
}

export const contextKeys = {
  stackPrefix: {
    configField: "stackPrefix",
    meaning:
      "stacks are `<prefix>-Data` and `<prefix>-Api`; function roles live under the IAM path `/model-registry/<prefix>-Api/`",
  },
  stageName: { configField: "stageName", meaning: "API Gateway stage: the first path segment of every URL" },
  eventSource: { configField: "eventSource", meaning: "`source` of every event" },
  busName: { configField: "busName", meaning: "the EventBridge bus deploy pipelines attach rules to" },
  eventArchiveRetentionDays: {
    configField: "eventArchiveRetentionDays",
    meaning: "how long the bus archive keeps the registry's events for replay (0: forever)",
  },
  approvalTimeoutDays: {
    configField: "approvalTimeout",
    meaning:
      "how long a stage transition waits for an approval before it times out (1 to 365 days; the tasks function's `APPROVAL_TIMEOUT_SECONDS`)",
  },
  uploadUrlTtlSeconds: {
    configField: "uploadUrlTtlSeconds",
    meaning:
      "lifetime of presigned upload and download URLs (60 s to 7 days), the functions' `UPLOAD_URL_TTL_SECONDS`",
  },
  stateRemovalPolicy: {
    configField: "stateRemovalPolicy",
    meaning:
      "`retain` or `destroy`: what deleting the data stack does to the table, bucket and access log ([Teardown](deploying.md#teardown))",
  },
  customerManagedKey: {
    configField: "customerManagedKey",
    meaning:
      "encrypt the table and the bucket with a KMS key of the registry's own (rotated yearly; $1 a month, see [cost](alarms-and-cost.md#what-it-costs)); needs the region at synth (a profile or `AWS_REGION`)",
  },
  corsAllowedOrigins: {
    configField: "corsAllowedOrigins",
    meaning:
      "origins allowed to use presigned URLs from a browser (comma-separated); the signature is the authorization, so `*` exposes nothing",
  },
  noncurrentVersionExpirationDays: {
    configField: "noncurrentVersionExpirationDays",
    meaning: "days an overwritten artifact object version is kept",
  },
  functionLogRetentionDays: {
    configField: "functionLogRetention",
    meaning:
      "CloudWatch Logs retention (one of the periods CloudWatch accepts) of the functions', the workflow's and the stage's execution logs (errors only)",
  },
  accessLogRetentionDays: {
    configField: "accessLogRetention",
    meaning: "CloudWatch Logs retention of the API access log (the audit trail of reads)",
  },
  apiThrottleRateLimit: {
    configField: "apiThrottleRateLimit",
    meaning: "stage-wide steady-state requests per second",
  },
  apiThrottleBurstLimit: { configField: "apiThrottleBurstLimit", meaning: "stage-wide burst" },
  reservedConcurrency: {
    configField: "reservedConcurrency",
    meaning:
      "reserved concurrency of each HTTP function (a number, or `none`): with the throttle, caps what a burst can ask of the table",
  },
  apiCloudWatchRole: {
    configField: "apiCloudWatchRole",
    meaning: "`false` where the platform team already manages API Gateway's account-wide logging role",
  },
  alarmEmail: {
    configField: "alarmEmail",
    meaning:
      "subscribe this address to a new SNS topic that every alarm notifies, when it fires and when it is OK again (its TLS-only policy lets this account's CloudWatch alarms publish). SNS first emails a confirmation link: nothing reaches the address until it is followed. Without this or `alarmTopicArn` the alarms notify nobody (`cdk synth` warns)",
  },
  alarmTopicArn: {
    configField: "alarmTopicArn",
    meaning:
      "notify an existing SNS topic instead (same account and region; if it has a policy of its own, that policy must let `cloudwatch.amazonaws.com` publish)",
  },
  crossAccountIds: {
    configField: "crossAccountIds",
    meaning:
      "AWS account ids allowed to invoke the API (resource policy; see [Callers in other accounts](deploying.md#callers-in-other-accounts))",
  },
  organizationId: {
    configField: "organizationId",
    meaning: "an AWS Organizations id (`o-…`) whose accounts may invoke the API",
  },
  powertoolsTracer: {
    configField: "powertoolsTracer",
    meaning:
      "bundle Powertools Tracer into every function: an X-Ray subsegment per AWS SDK call and per invocation (cold start and service annotated), on top of Lambda's active tracing, which is always on; costs ~124 KiB per bundle ([Benchmarks](benchmarks.md#lambda-bundles-sizes-and-cold-start))",
  },
  sourceMaps: {
    configField: "sourceMaps",
    meaning:
      "start every function with `--enable-source-maps`, so logged stack traces point at the TypeScript sources; costs each cold start 3–9 ms here ([Benchmarks](benchmarks.md#lambda-bundles-sizes-and-cold-start)). Without it, traces name `index.mjs` lines and columns, which the `index.mjs.map` shipped in every asset decodes offline",
  },
  webhooks: {
    configField: "webhooks",
    meaning:
      "a JSON array of `{name, endpoint, pattern, secretName}`: events POSTed to HTTPS endpoints (`lib/webhook-targets.ts`, [Events](events.md#consumers-outside-aws))",
  },
  policyFloor: {
    meaning:
      "the organisation's minimum promotion policy (JSON, as `PUT /models/{model}/policy` takes): every check uses the stricter of it and a model's own policy ([Governance](governance.md#the-organisations-floor-policyfloor))",
  },
  personBoundRoles: {
    meaning:
      "a JSON array of `{role, account, source, userAccount?}`: roles whose session name AWS sets to a person's name, so approvals through them count per person ([Governance](governance.md#person-bound-approvers))",
  },
} as const satisfies Record<string, ContextKeyDoc>;

export type ContextKey = keyof typeof contextKeys;
