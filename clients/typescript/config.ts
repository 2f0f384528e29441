import type { Credentials, CredentialsProvider } from "./signer.ts";

export const DEFAULT_ENDPOINT = "http://127.0.0.1:8787";
export const DEFAULT_REGION = "us-east-1";

type Env = Record<string, string | undefined>;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

export function resolveEndpoint(explicit: string | undefined, env: Env = process.env): URL {
  const raw = nonEmpty(explicit) ?? nonEmpty(env.REGISTRY_ENDPOINT) ?? DEFAULT_ENDPOINT;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(`endpoint ${JSON.stringify(raw)} is not a URL (expected e.g. ${DEFAULT_ENDPOINT})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`endpoint ${JSON.stringify(raw)} must use http or https`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new TypeError(`endpoint ${JSON.stringify(raw)} must not carry a query, fragment or user info`);
  }
  return url;
}

export function resolveRegion(explicit: string | undefined, env: Env = process.env): string {
  return nonEmpty(explicit) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? DEFAULT_REGION;
}

/**
 * Explicit credentials win; then `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`(/`AWS_SESSION_TOKEN`);
 * then the SDK's default Node provider chain (profiles, SSO, container and instance roles), loaded
 * lazily so that a client with credentials never pays for importing it.
 */
export function resolveCredentials(
  explicit: Credentials | CredentialsProvider | undefined,
  env: Env = process.env,
): Credentials | CredentialsProvider {
  if (explicit) return explicit;
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (accessKeyId && secretAccessKey) {
    const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
    return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
  }
  let chain: CredentialsProvider | undefined;
  return async () => {
    if (!chain) {
      // The bundled CLI (clients/cli/build.mjs) imports this CommonJS package as a chunk whose
      // exports sit on `default`; run from source they are named exports.
      const loaded = await import("@aws-sdk/credential-providers");
      const { fromNodeProviderChain } =
        "fromNodeProviderChain" in loaded ? loaded : (loaded as { default: typeof loaded }).default;
      chain = fromNodeProviderChain();
    }
    try {
      return await chain();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `no AWS credentials found (${reason}); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ` +
          "(local mode prints them at start) or configure a profile",
      );
    }
  };
}
