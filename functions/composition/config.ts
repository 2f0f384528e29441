/**
 * Configuration, read and checked once when a function starts: a missing variable fails the
 * cold start with a message naming it, not a request halfway through.
 */
import { randomBytes } from "node:crypto";
import { defaultUploadPolicy, uploadPolicyProblem } from "#core/artifacts/upload-plan.ts";
import { DEFAULT_APPROVAL_TIMEOUT_SECONDS } from "#core/kernel/deps.ts";
import type { EnvironmentVariable } from "./environment.ts";

/** A Standard execution lives at most a year: an approval cannot wait longer. */
const MAX_APPROVAL_TIMEOUT_SECONDS = 365 * 24 * 60 * 60;

export interface Config {
  tableName: string;
  artifactBucket: string;
  /**
   * The page-token HMAC key when given (`PAGE_TOKEN_SECRET`: tests and benchmarks that run a
   * bundle without a table); otherwise (`undefined`) the key kept in the registry's table, read on
   * a function instance's first list, as in AWS and local mode.
   */
  pageTokenSecret: string | undefined;
  /** Path-style S3 URLs (needed by the local S3 emulator). */
  s3ForcePathStyle: boolean;
  /** Lifetime of presigned upload and download URLs (default 900 s). */
  uploadUrlTtlSeconds: number;
  /** Artifacts above this size are uploaded in parts (default 64 MiB). */
  multipartThresholdBytes: number;
  /** The artifact verifier's Lambda function (the artifacts group starts it after a seal). */
  verifierFunctionName: string | undefined;
  /** How long a transition waits for its approvals (`APPROVAL_TIMEOUT_SECONDS`, default 7 days). */
  approvalTimeoutSeconds: number;
  /** The API's public base URL (`PUBLIC_API_URL`): approval links point there when set. */
  publicApiUrl: string | undefined;
  /**
   * `POLICY_FLOOR` (the organisation's minimum policy) and `PERSON_BOUND_ROLES` (roles whose
   * session name is a person's), JSON as given: parsed by `#core/governance-config.ts` when the
   * core is built, only if one is set (docs/governance.md).
   */
  governance: { POLICY_FLOOR?: string; PERSON_BOUND_ROLES?: string };
}

/**
 * `pageTokens: false` for functions that never list (the verifier): they never read the table's
 * key, and any page token they could issue is made with a random key nobody can read back.
 */
export function readConfig(
  env: Partial<Record<EnvironmentVariable, string>> = process.env,
  options: { pageTokens?: boolean } = {},
): Config {
  const missing: string[] = [];
  const required = (name: EnvironmentVariable) => {
    const value = env[name];
    if (!value) missing.push(name);
    return value ?? "";
  };
  const tableName = required("TABLE_NAME");
  const artifactBucket = required("ARTIFACT_BUCKET");
  if (missing.length > 0) throw new Error(`missing configuration: set ${missing.join(", ")}`);
  const ttl = Number(env.UPLOAD_URL_TTL_SECONDS ?? defaultUploadPolicy.urlTtlSeconds);
  const threshold = Number(env.MULTIPART_THRESHOLD_BYTES ?? defaultUploadPolicy.multipartThresholdBytes);
  const problem = uploadPolicyProblem({
    urlTtlSeconds: ttl,
    multipartThresholdBytes: threshold,
    minPartBytes: defaultUploadPolicy.minPartBytes,
  });
  if (problem) {
    const variable = problem.startsWith("the URL") ? "UPLOAD_URL_TTL_SECONDS" : "MULTIPART_THRESHOLD_BYTES";
    throw new Error(`${variable}: ${problem}`);
  }
  const approvalTimeoutSeconds = Number(env.APPROVAL_TIMEOUT_SECONDS ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS);
  if (
    !Number.isInteger(approvalTimeoutSeconds) ||
    approvalTimeoutSeconds < 1 ||
    approvalTimeoutSeconds > MAX_APPROVAL_TIMEOUT_SECONDS
  ) {
    throw new Error(
      `APPROVAL_TIMEOUT_SECONDS: a whole number of seconds from 1 to ${MAX_APPROVAL_TIMEOUT_SECONDS}, got ${env.APPROVAL_TIMEOUT_SECONDS}`,
    );
  }
  return {
    tableName,
    artifactBucket,
    pageTokenSecret:
      options.pageTokens === false ? randomBytes(32).toString("base64") : env.PAGE_TOKEN_SECRET || undefined,
    s3ForcePathStyle: env.S3_FORCE_PATH_STYLE === "true",
    uploadUrlTtlSeconds: ttl,
    multipartThresholdBytes: threshold,
    verifierFunctionName: env.VERIFIER_FUNCTION_NAME || undefined,
    approvalTimeoutSeconds,
    publicApiUrl: env.PUBLIC_API_URL?.replace(/\/+$/, "") || undefined,
    governance: {
      ...(env.POLICY_FLOOR?.trim() && { POLICY_FLOOR: env.POLICY_FLOOR }),
      ...(env.PERSON_BOUND_ROLES?.trim() && { PERSON_BOUND_ROLES: env.PERSON_BOUND_ROLES }),
    },
  };
}
