/**
 * Configuration, read and checked once when a function starts: a missing variable fails the
 * cold start with a message naming it, not a request halfway through.
 */
export interface Config {
  tableName: string;
  artifactBucket: string;
  /** Either the HMAC key itself (local mode) or the ARN of the Secrets Manager secret holding it. */
  pageTokenSecret: { value: string } | { arn: string };
  /** Path-style S3 URLs (needed by the local S3 emulator). */
  s3ForcePathStyle: boolean;
  uploadUrlTtlSeconds: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const missing: string[] = [];
  const required = (name: string) => {
    const value = env[name];
    if (!value) missing.push(name);
    return value ?? "";
  };
  const tableName = required("TABLE_NAME");
  const artifactBucket = required("ARTIFACT_BUCKET");
  const secret = env.PAGE_TOKEN_SECRET;
  const secretArn = env.PAGE_TOKEN_SECRET_ARN;
  if (!secret && !secretArn) missing.push("PAGE_TOKEN_SECRET or PAGE_TOKEN_SECRET_ARN");
  if (missing.length > 0) throw new Error(`missing configuration: set ${missing.join(", ")}`);
  const ttl = Number(env.UPLOAD_URL_TTL_SECONDS ?? 3600);
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 7 * 24 * 3600) {
    throw new Error(
      "UPLOAD_URL_TTL_SECONDS must be a whole number of seconds between 60 and 604800 (7 days)",
    );
  }
  return {
    tableName,
    artifactBucket,
    pageTokenSecret: secret ? { value: secret } : { arn: secretArn as string },
    s3ForcePathStyle: env.S3_FORCE_PATH_STYLE === "true",
    uploadUrlTtlSeconds: ttl,
  };
}
