import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import type { ArtifactInput } from "../lib/types.ts";
import { UsageError } from "./usage-error.ts";

/** Size and SHA-256 of a local file, streamed, declared under the file's base name. */
export async function describeArtifactFile(filePath: string): Promise<ArtifactInput> {
  const info = await stat(filePath).catch(() => undefined);
  if (!info?.isFile()) throw new UsageError(`--artifact-file ${filePath}: not a readable file`);
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(filePath)) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    size += bytes.length;
  }
  return { path: basename(filePath), size, sha256: hash.digest("hex") };
}
