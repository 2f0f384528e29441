/**
 * Every environment variable the registry's functions read (or hand to Powertools), with what it
 * means: the one source of the Lambda environment table in docs/configuration.md (`npm run docs`).
 * The readers name variables through `EnvironmentVariable` (`functions/composition/config.ts`,
 * `functions/publisher/config.ts`), so reading one that is not described here fails the type-check;
 * `test/unit/scripts/docs-config.test.ts` fails when a function reads `process.env` for a name
 * that is not here, or when a name here is read and set nowhere.
 *
 * Only `import type` this module from a handler's code: the descriptions are for the docs, not
 * for the bundles.
 */
export const environmentVariables = {
  TABLE_NAME: "the registry table (required)",
  ARTIFACT_BUCKET: "the artifact bucket (required)",
  PAGE_TOKEN_SECRET:
    "the page-token HMAC key itself, for tests and benchmarks that run a bundle without a table; unset in AWS and local mode, where the key is kept in the table (`REGISTRY#PAGE_TOKENS`), created by the first list and read once per function instance",
  UPLOAD_URL_TTL_SECONDS:
    "lifetime of presigned upload and download URLs (default 900, 60 s to 7 days; context `uploadUrlTtlSeconds`)",
  MULTIPART_THRESHOLD_BYTES:
    "artifacts above this are uploaded in parts (default 67108864 = 64 MiB, at most 5 GiB)",
  S3_FORCE_PATH_STYLE: "`true`: path-style S3 URLs (local mode: the S3 emulator needs them)",
  VERIFIER_FUNCTION_NAME: "the artifact verifier the seal invokes asynchronously (artifacts function only)",
  APPROVAL_TIMEOUT_SECONDS:
    "how long a transition waits for its approvals (default 604800 = 7 days, at most a year; the workflow's tasks function; context `approvalTimeoutDays`)",
  PUBLIC_API_URL: "the API's base URL: `Approval Requested` links point there (default: the API path alone)",
  EVENT_BUS_NAME: "the bus the publisher puts events on (publisher only; context `busName`)",
  EVENT_SOURCE: "the `source` of every event (publisher only; context `eventSource`)",
  SERVICE_NAME: "the `service` of every log line, metric and trace (default `model-registry`)",
  POWERTOOLS_SERVICE_NAME: "the same service name, for Powertools' own use (set to `SERVICE_NAME`'s value)",
  POWERTOOLS_METRICS_NAMESPACE: "the metrics namespace (default `ModelRegistry`)",
  POWERTOOLS_METRICS_DISABLED:
    "`false` (set in AWS) turns on Powertools Metrics: a `ColdStart` count per function in the `ModelRegistry` namespace; unset in local mode and tests, whose stdout it would share",
  POWERTOOLS_LOG_LEVEL:
    "log level of the Powertools logger (default `INFO`; 5xx are logged at `ERROR` with the request id and actor)",
  POWERTOOLS_TRACE_ENABLED:
    "`true` with context `powertoolsTracer`, whose bundles carry the Tracer (without it there is no Tracer to turn on)",
  POWERTOOLS_TRACER_CAPTURE_RESPONSE: "`false` with context `powertoolsTracer`: responses stay out of traces",
  NODE_OPTIONS: "`--enable-source-maps` with context `sourceMaps`; unset by default",
  POLICY_FLOOR:
    "the organisation's minimum promotion policy, JSON (context `policyFloor`; unset: none). Parsed at cold start only when set ([Governance](governance.md#the-organisations-floor-policyfloor))",
  PERSON_BOUND_ROLES:
    "roles whose session name is a person's, JSON (context `personBoundRoles`; unset: none) ([Governance](governance.md#person-bound-approvers))",
  REPORT_DYNAMODB_USAGE:
    "`true`: responses carry `x-registry-dynamodb-round-trips`, `-capacity-units` and `-operations` headers (local mode and benchmarks)",
} as const;

export type EnvironmentVariable = keyof typeof environmentVariables;
