import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const FILE_NAME = "page-token-secret";

/**
 * The HMAC key for list `nextToken`s. With a data folder it is created once and kept there, so
 * tokens handed out before a restart still work; in memory it is new every run.
 */
export function loadPageTokenSecret(dataDir: string | undefined): string {
  if (dataDir === undefined) return randomSecret();
  const file = join(dataDir, FILE_NAME);
  if (existsSync(file)) {
    const stored = readFileSync(file, "utf8").trim();
    if (stored.length >= 32) return stored;
  }
  const secret = randomSecret();
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

function randomSecret(): string {
  return randomBytes(32).toString("base64url");
}
