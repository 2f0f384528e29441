/**
 * Whether the deployed contract suite can run: the deployment's URL, its region, and credentials
 * from the normal AWS chain (environment, SSO, shared config and credentials files, web identity,
 * container and instance roles: `fromNodeProviderChain`, what the AWS CLI and SDKs use).
 * Shared by `npm run test:deployed` (test/deployed/run.ts), which exits with NOT_RUN_EXIT_CODE
 * when it is not ready, and by the suite itself, which fails rather than passes when run directly.
 */
import type { AwsCredentialIdentity } from "@aws-sdk/types";

/** `npm run test:deployed`'s exit status when the suite did not run (sysexits' EX_CONFIG). */
export const NOT_RUN_EXIT_CODE = 78;

export type Readiness =
  | { ready: true; url: string; region: string }
  | { ready: false; missing: string[]; message: string };

/** Resolves credentials as the AWS SDK would; rejects when the chain finds none. */
export type CredentialsResolver = () => Promise<AwsCredentialIdentity>;

export async function nodeChainCredentials(): Promise<AwsCredentialIdentity> {
  const { fromNodeProviderChain } = await import("@aws-sdk/credential-providers");
  return fromNodeProviderChain()();
}

export async function deployedReadiness(
  env: NodeJS.ProcessEnv = process.env,
  resolveCredentials: CredentialsResolver = nodeChainCredentials,
): Promise<Readiness> {
  const url = env.REGISTRY_DEPLOYED_URL?.trim();
  const region = (env.AWS_REGION ?? env.AWS_DEFAULT_REGION)?.trim();
  const missing: string[] = [];
  if (!url) missing.push("REGISTRY_DEPLOYED_URL (the stack's ApiUrl output)");
  if (!region) missing.push("AWS_REGION (the deployment's region)");
  const credentials = await resolveCredentials().then(
    (found) => (found.accessKeyId ? undefined : "the credential chain answered no access key id"),
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  if (credentials !== undefined) {
    missing.push(
      `AWS credentials from the default chain (environment, profile, SSO, web identity or a role): ${credentials}`,
    );
  }
  if (url && region && missing.length === 0) return { ready: true, url, region };
  return {
    ready: false,
    missing,
    message:
      `[deployed] NOT RUN: the contract tests against a real deployment need ${missing.join("; ")}. ` +
      "Deploy (docs/deploying.md) and set them to run `npm run test:deployed`.",
  };
}
