import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { LocalArtifact } from "../typescript/artifact-upload.ts";
import { digestFile } from "../typescript/file-bytes.ts";
import type { ArtifactInput } from "../typescript/types.ts";
import { UsageError } from "./usage-error.ts";

/** Size and SHA-256 of a local file, streamed, declared as `path` (default: the file's base name). */
export async function describeArtifactFile(
  filePath: string,
  path = basename(filePath),
  flag = "--artifact-file",
): Promise<ArtifactInput> {
  const info = await stat(filePath).catch(() => undefined);
  if (!info?.isFile()) throw new UsageError(`${flag} ${filePath}: not a readable file`);
  const digest = await digestFile(filePath).catch((error: unknown) => {
    throw new UsageError(`${flag} ${filePath}: cannot read the file (${(error as Error).message})`);
  });
  return { path, ...digest };
}

/**
 * The local files named by `--artifact-file` (declared under their base names) and
 * `--artifact-dir` (every file below the folder, declared under its path relative to it, with
 * `/` separators), each with the flag that named it (`--artifact-file model.onnx`). Two files may
 * not claim the same artifact path.
 */
export async function collectArtifactFiles(
  files: readonly string[] = [],
  dirs: readonly string[] = [],
): Promise<(LocalArtifact & { flag: string })[]> {
  const found: (LocalArtifact & { flag: string })[] = files.map((file) => ({
    path: basename(file),
    file,
    flag: `--artifact-file ${file}`,
  }));
  for (const dir of dirs) {
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) throw new UsageError(`--artifact-dir ${dir}: not a readable folder`);
    const inside = await filesBelow(dir, "");
    if (inside.length === 0) throw new UsageError(`--artifact-dir ${dir}: the folder holds no files`);
    for (const path of inside)
      found.push({ path, file: join(dir, ...path.split("/")), flag: `--artifact-dir ${dir}` });
  }
  const seen = new Map<string, string>();
  for (const { path, file } of found) {
    const other = seen.get(path);
    if (other !== undefined) {
      throw new UsageError(`${other} and ${file} would both be the artifact ${JSON.stringify(path)}`);
    }
    seen.set(path, file);
  }
  return found.map(({ path, file, flag }) => ({ path, file, flag }));
}

/** Regular files below `dir`, sorted; symbolic links to files count, links to folders are not followed. */
async function filesBelow(dir: string, prefix: string): Promise<string[]> {
  const entries = await readdir(join(dir, prefix), { withFileTypes: true });
  const paths: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) paths.push(...(await filesBelow(dir, path)));
    else if (entry.isFile()) paths.push(path);
    else if (entry.isSymbolicLink() && (await stat(join(dir, path)).catch(() => undefined))?.isFile())
      paths.push(path);
  }
  return paths;
}
