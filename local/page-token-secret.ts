import { loadLocalSecret } from "./local-secret.ts";

const FILE_NAME = "page-token-secret";

/**
 * The HMAC key for list `nextToken`s. With a data folder it is created once and kept there, so
 * tokens handed out before a restart still work; in memory it is new every run.
 */
export function loadPageTokenSecret(dataDir: string | undefined): string {
  return loadLocalSecret(dataDir, FILE_NAME, 32);
}
