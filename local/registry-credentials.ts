import { createHmac } from "node:crypto";
import { loadLocalSecret } from "./local-secret.ts";
import type { SigningIdentity } from "./sigv4-verify.ts";

/**
 * The registry's own local identity: what its functions sign their DynamoDB, S3, EventBridge and
 * other AWS calls with in local mode (the functions' execution role in AWS). DynamoDB Local
 * answers no other key, the S3 emulator accepts no other signer (as the bucket policy admits no
 * writer but the registry's roles), and the local bus accepts the registry's event source from no
 * one else (as the bus policy does).
 *
 * The secret is random: with a data folder it is created once and kept there (mode 0600), so
 * upload URLs handed out before a restart still work until they expire; in memory it is new every
 * run, unless the caller passes one (tests that start several registries in one process, whose
 * handlers keep their SDK clients as Lambda does). The access key id is derived from the secret,
 * so it is as unguessable, never printed, and never one of the documented user keys: DynamoDB
 * Local, which sees only the key id (its signature is not checked), is as closed as the rest.
 */
const FILE_NAME = "registry-secret-access-key";

export function loadRegistryCredentials(dataDir: string | undefined, secret?: string): SigningIdentity {
  return registryCredentialsFor(loadLocalSecret(dataDir, FILE_NAME, 30, secret));
}

/** `AKIA` and 16 characters of base32 derived from the secret: the shape of an IAM user's key id. */
export function registryCredentialsFor(secretAccessKey: string): SigningIdentity {
  const digest = createHmac("sha256", secretAccessKey).update("local-registry-access-key-id").digest();
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const id = Array.from(digest.subarray(0, 16), (byte) => alphabet[byte & 31]).join("");
  return { accessKeyId: `AKIA${id}`, secretAccessKey };
}
