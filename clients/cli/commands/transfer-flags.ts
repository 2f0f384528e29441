import { ArtifactError } from "../../typescript/artifact-errors.ts";
import type { UploadOptions, UploadResult } from "../../typescript/artifact-upload.ts";
import type { ModelVersion } from "../../typescript/types.ts";
import { parseInteger } from "../flag-values.ts";
import type { CommandContext } from "./command.ts";

export const MAX_PARALLEL = 32;

/** `--parallel N`: part uploads (or file downloads) in flight at once. */
export function parallelFlag(context: CommandContext): number | undefined {
  const raw = context.flags.parallel;
  return raw === undefined ? undefined : parseInteger("--parallel", raw, 1, MAX_PARALLEL);
}

/**
 * Runs an upload with the flags' settings (`--parallel`, `--no-wait`) and a progress bar. When
 * it fails, the user is told the command that resumes it before the error is printed.
 */
export async function uploadWithProgress(
  context: CommandContext,
  model: string,
  version: number,
  upload: (options: UploadOptions) => Promise<UploadResult>,
): Promise<ModelVersion> {
  const parallel = parallelFlag(context);
  const bar = context.progress("uploading");
  // Ctrl-C: the version stays PENDING_UPLOAD; say how to finish it, or give it up.
  const removeInterrupt = context.onInterrupt(() => {
    bar.done();
    context.note(
      `\nregistry: upload of version ${version} of '${model}' interrupted; resume it with: ${resumeCommand(context, model, version)}\n` +
        `registry: or give it up with: registry versions abandon ${quote(model)} ${version}\n`,
    );
  });
  let result: UploadResult;
  try {
    result = await upload({
      ...context.transfer,
      ...(parallel !== undefined && { parallel }),
      wait: !context.flags["no-wait"],
      onProgress: bar.update,
    });
  } catch (error) {
    bar.done();
    // A sealed version's local files that differ cannot be resumed: the error says what to do.
    if (!(error instanceof ArtifactError && NOT_RESUMABLE.has(error.code)))
      context.note(
        `registry: the upload stopped; resume it with: ${resumeCommand(context, model, version)}\n`,
      );
    throw error;
  } finally {
    removeInterrupt();
  }
  bar.done();
  if (result.notUploaded.length > 0) {
    context.note(
      `registry: version ${version} of '${model}' is not sealed: no local file for ${result.notUploaded.join(", ")}; ` +
        `upload them with 'registry versions upload ${model} ${version} --artifact-file FILE...'\n`,
    );
  }
  return result.version;
}

const NOT_RESUMABLE = new Set([
  "VersionSealed",
  "VersionAbandoned",
  "UndeclaredArtifact",
  "LocalFileMismatch",
]);

const quote = (word: string) => (/^[\w./@=+:-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

function resumeCommand(context: CommandContext, model: string, version: number): string {
  const files = (context.flags["artifact-file"] ?? []).flatMap((file) => ["--artifact-file", file]);
  const dirs = (context.flags["artifact-dir"] ?? []).flatMap((dir) => ["--artifact-dir", dir]);
  return ["registry", "versions", "upload", model, String(version), ...files, ...dirs].map(quote).join(" ");
}
