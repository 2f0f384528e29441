/**
 * Reads a Secrets Manager secret's string value (the page-token key). Loaded on first use by
 * `buildCore()`, so a function that never lists never loads the client nor calls the service.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { traceClient } from "#adapters/tracing.ts";

export async function readSecretString(arn: string): Promise<string> {
  const { SecretString } = await traceClient(new SecretsManagerClient({})).send(
    new GetSecretValueCommand({ SecretId: arn }),
  );
  if (!SecretString) throw new Error(`secret ${arn} has no string value`);
  return SecretString;
}
