import { loadLocalSecret } from "./local-secret.ts";
import type { SigningIdentity } from "./sigv4-verify.ts";

/**
 * The registry's own local identity: what its functions sign their S3, EventBridge and other AWS
 * calls with in local mode (the functions' execution role in AWS). The S3 emulator accepts no
 * other signer (as the bucket policy admits no writer but the registry's roles), and the local
 * bus accepts the registry's event source from no one else (as the bus policy does).
 *
 * The access key id is fixed and printed; the secret is random: with a data folder it is created
 * once and kept there (mode 0600), so upload URLs handed out before a restart still work until
 * they expire; in memory it is new every run. It is never one of the documented user keys.
 */
export const REGISTRY_ACCESS_KEY_ID = "AKIALOCALREGISTRY001";
const FILE_NAME = "registry-secret-access-key";

export function loadRegistryCredentials(dataDir: string | undefined): SigningIdentity {
  return { accessKeyId: REGISTRY_ACCESS_KEY_ID, secretAccessKey: loadLocalSecret(dataDir, FILE_NAME, 30) };
}
