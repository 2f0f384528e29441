import type { LocalArtifact } from "../../typescript/artifact-upload.ts";
import type { ArtifactInput, CreateVersionInput } from "../../typescript/types.ts";
import type { Flags } from "../args.ts";
import { collectArtifactFiles, describeArtifactFile } from "../artifact-file.ts";
import { parseArtifactSpec, parseNumberMap, parseStringMap } from "../flag-values.ts";
import { type ReadStdin, readJsonObject } from "../input-files.ts";
import { UsageError } from "../usage-error.ts";

function objectField(base: Record<string, unknown>, field: string): Record<string, unknown> | undefined {
  const value = base[field];
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`--file: "${field}" must be an object`);
  }
  return value as Record<string, unknown>;
}

function merged<T>(base: Record<string, unknown>, field: string, extra: Record<string, T> | undefined) {
  const from = objectField(base, field);
  return from || extra ? { ...from, ...extra } : undefined;
}

/**
 * The create-version body: `--file` (JSON, `-` for stdin) as the base, then the flags. Scalar flags
 * replace the file's value, map flags (`--metric`, `--param`, `--tag`) add keys, artifacts are appended.
 * `files` are the local files behind `--artifact-file` and `--artifact-dir`, to upload;
 * `fieldFlags` names the flag behind each artifact the flags declared (`body.artifacts.N`).
 */
export async function buildVersionInput(
  flags: Flags,
  stdin: ReadStdin,
): Promise<{ input: CreateVersionInput; files: LocalArtifact[]; fieldFlags: Map<string, string> }> {
  const base = flags.file ? await readJsonObject("file", flags.file, stdin) : {};
  const baseArtifacts = base.artifacts ?? [];
  if (!Array.isArray(baseArtifacts)) throw new UsageError('--file: "artifacts" must be an array');

  // Which flag declared each artifact, by its index in the body: a 400 about one names that flag.
  const fieldFlags = new Map<string, string>();
  const artifacts: unknown[] = [...baseArtifacts];
  for (const spec of flags.artifact ?? []) {
    fieldFlags.set(`body.artifacts.${artifacts.length}`, `--artifact ${spec}`);
    artifacts.push(parseArtifactSpec(spec));
  }
  const files = await collectArtifactFiles(flags["artifact-file"], flags["artifact-dir"]);
  for (const { path, file, flag } of files) {
    fieldFlags.set(`body.artifacts.${artifacts.length}`, flag);
    artifacts.push(await describeArtifactFile(file, path));
  }

  // Whatever the file holds goes to the server, whose validation names any field that is wrong.
  const input = { ...base } as CreateVersionInput;
  for (const field of ["description", "framework", "format"] as const) {
    const value = flags[field];
    if (value !== undefined) input[field] = value;
  }
  const metrics = merged(base, "metrics", parseNumberMap("metric", flags.metric));
  const params = merged(base, "params", parseStringMap("param", flags.param));
  const tags = merged(base, "tags", parseStringMap("tag", flags.tag));
  if (metrics) input.metrics = metrics as Record<string, number>;
  if (params) input.params = params as Record<string, string>;
  if (tags) input.tags = tags as Record<string, string>;
  if (artifacts.length > 0) input.artifacts = artifacts as ArtifactInput[];
  return { input, files, fieldFlags };
}
