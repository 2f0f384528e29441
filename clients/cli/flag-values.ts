import type { ArtifactInput } from "../typescript/types.ts";
import { UsageError } from "./usage-error.ts";

/** `a=b=c` → `["a", "b=c"]`: the key ends at the first `=`. */
export function splitKeyValue(flag: string, raw: string): [string, string] {
  const at = raw.indexOf("=");
  if (at <= 0) throw new UsageError(`--${flag} ${JSON.stringify(raw)}: expected KEY=VALUE`);
  return [raw.slice(0, at), raw.slice(at + 1)];
}

function toMap<T>(flag: string, raws: readonly string[], convert: (value: string, raw: string) => T) {
  const map = new Map<string, T>();
  for (const raw of raws) {
    const [key, value] = splitKeyValue(flag, raw);
    if (map.has(key)) throw new UsageError(`--${flag}: key ${JSON.stringify(key)} is given more than once`);
    map.set(key, convert(value, raw));
  }
  // Object.fromEntries defines own properties, so a key such as `__proto__` stays a plain key.
  return Object.fromEntries(map) as Record<string, T>;
}

export function parseStringMap(flag: string, raws: readonly string[] | undefined) {
  return raws?.length ? toMap(flag, raws, (value) => value) : undefined;
}

export function parseNumberMap(flag: string, raws: readonly string[] | undefined) {
  if (!raws?.length) return undefined;
  return toMap(flag, raws, (value, raw) => {
    const number = value.trim() === "" ? Number.NaN : Number(value);
    if (!Number.isFinite(number)) {
      throw new UsageError(`--${flag} ${JSON.stringify(raw)}: ${JSON.stringify(value)} is not a number`);
    }
    return number;
  });
}

export function parseInteger(name: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range =
      max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new UsageError(`${name} ${JSON.stringify(raw)}: expected ${range}`);
  }
  return value;
}

export function parseLimit(raw: string | undefined): number | undefined {
  return raw === undefined ? undefined : parseInteger("--limit", raw, 1, 100);
}

/** `--next-token`: the `nextToken` a list printed, passed back as it was. */
export function parseNextToken(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (raw.trim() === "") throw new UsageError("--next-token: empty; pass the nextToken of the page before");
  return raw;
}

export function parseVersion(name: string, raw: string): number {
  return parseInteger(name, raw, 1);
}

const ARTIFACT_KEYS = ["path", "size", "sha256", "contentType"] as const;

/** `path=model.onnx,size=123,sha256=<64 hex>[,contentType=...]` */
export function parseArtifactSpec(raw: string): ArtifactInput {
  const fields = new Map<string, string>();
  for (const part of raw.split(",")) {
    const [key, value] = splitKeyValue("artifact", part);
    if (!(ARTIFACT_KEYS as readonly string[]).includes(key)) {
      throw new UsageError(
        `--artifact ${JSON.stringify(raw)}: unknown key ${JSON.stringify(key)} (use ${ARTIFACT_KEYS.join(", ")})`,
      );
    }
    fields.set(key, value);
  }
  const path = fields.get("path");
  const size = fields.get("size");
  const sha256 = fields.get("sha256");
  if (!path || size === undefined || sha256 === undefined) {
    throw new UsageError(`--artifact ${JSON.stringify(raw)}: path, size and sha256 are required`);
  }
  if (!/^[0-9a-fA-F]{64}$/.test(sha256)) {
    throw new UsageError(`--artifact ${JSON.stringify(raw)}: sha256 must be 64 hexadecimal characters`);
  }
  const artifact: ArtifactInput = {
    path,
    size: parseInteger(`--artifact ${JSON.stringify(raw)}: size`, size, 0),
    sha256: sha256.toLowerCase(),
  };
  const contentType = fields.get("contentType");
  if (contentType) artifact.contentType = contentType;
  return artifact;
}
