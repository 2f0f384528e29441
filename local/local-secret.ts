import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A random secret of local mode's (`bytes` random bytes, base64url). With a data folder it is
 * created once and kept there in `fileName` (mode 0600), so what was signed with it before a
 * restart still verifies; in memory it is new every run. A stored value shorter than 32
 * characters is not trusted and replaced. A `given` secret (at least 32 characters) is used
 * instead, and kept in the data folder for the next start.
 */
export function loadLocalSecret(
  dataDir: string | undefined,
  fileName: string,
  bytes: number,
  given?: string,
): string {
  if (given !== undefined && given.length < 32)
    throw new Error(`a local secret has at least 32 characters (${fileName})`);
  const fresh = () => given ?? randomBytes(bytes).toString("base64url");
  if (dataDir === undefined) return fresh();
  const file = join(dataDir, fileName);
  if (given === undefined && existsSync(file)) {
    const stored = readFileSync(file, "utf8").trim();
    if (stored.length >= 32) return stored;
  }
  const secret = fresh();
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
