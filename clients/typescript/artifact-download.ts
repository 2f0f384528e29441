/**
 * Downloads a READY version's artifacts through presigned GETs: streamed to disk, hashed on
 * the way, and kept only when size and SHA-256 are the registry's. Each file is written beside
 * its target and renamed into place once verified, so a failed download never leaves a wrong
 * file under the right name.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ArtifactError, DownloadIntegrityError } from "./artifact-errors.ts";
import type { RegistryClient } from "./registry-client.ts";
import {
  backoffDelay,
  describeCause,
  forEachConcurrently,
  isRetryableStatus,
  ProgressCounter,
  TransferError,
  type TransferOptions,
  transferContext,
} from "./transfer.ts";
import type { ArtifactDownload, ModelVersion } from "./types.ts";

export interface DownloadedFile {
  path: string;
  /** Where it was written. */
  file: string;
  size: number;
  sha256: string;
}

export interface DownloadRequest {
  model: string;
  /** A version number, or an alias (resolved once, so every file comes from the same version). */
  version?: number;
  alias?: string;
  /** The folder to write into; artifact paths become sub-folders. */
  to: string;
}

export interface DownloadResult {
  version: ModelVersion;
  files: DownloadedFile[];
}

/** Downloads every artifact of a version (or of the version an alias points at) into `to`. */
export async function downloadVersion(
  client: RegistryClient,
  request: DownloadRequest,
  options: TransferOptions = {},
): Promise<DownloadResult> {
  const ctx = transferContext(options);
  // An alias can move between two requests: resolving it once keeps all files of one version.
  const version =
    request.alias !== undefined
      ? await resolveAlias(client, request.model, request.alias)
      : await client.getVersion(request.model, requireVersion(request.version));
  const counter = new ProgressCounter(ctx.onProgress);
  for (const artifact of version.artifacts) counter.add(artifact.path, artifact.size);
  const files: DownloadedFile[] = [];
  await forEachConcurrently(version.artifacts, ctx.parallel, async (artifact) => {
    const target = targetFile(request.to, artifact.path);
    const link = () => client.getArtifact(version.model, version.version, artifact.path);
    files.push(await downloadArtifact(link, target, { ...options, counter }));
  });
  const order = new Map(version.artifacts.map((a, i) => [a.path, i]));
  files.sort((a, b) => (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0));
  return { version, files };
}

async function resolveAlias(client: RegistryClient, model: string, alias: string): Promise<ModelVersion> {
  const resolved = await client.getAlias(model, alias);
  if (resolved.modelVersion) return resolved.modelVersion;
  return client.getVersion(model, resolved.version);
}

function requireVersion(version: number | undefined): number {
  if (version === undefined) throw new TypeError("give a version or an alias to download");
  return version;
}

/** `to/path`, refusing a path that would land outside `to` (the registry forbids them too). */
export function targetFile(to: string, path: string): string {
  const root = resolve(to);
  const target = resolve(root, ...path.split("/"));
  const inside = relative(root, target);
  if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) {
    throw new ArtifactError("UnsafeArtifactPath", `artifact path ${JSON.stringify(path)} leaves ${to}`);
  }
  return target;
}

/**
 * Downloads one presigned link to `target`, verifying its size and SHA-256. `link` is asked
 * again when the URL has expired (403); 5xx and network errors are retried with back-off.
 */
export async function downloadArtifact(
  link: () => Promise<ArtifactDownload>,
  target: string,
  options: TransferOptions & { counter?: ProgressCounter } = {},
): Promise<DownloadedFile> {
  const ctx = transferContext(options);
  let current = await link();
  const counter = options.counter ?? new ProgressCounter(ctx.onProgress);
  if (!options.counter) counter.add(current.path, current.size);
  await mkdir(dirname(target), { recursive: true });
  const partial = join(dirname(target), `.${current.path.split("/").pop()}.download`);
  let refreshed = false;
  let last = "";
  for (let attempt = 0; attempt < ctx.retry.attempts; attempt++) {
    if (attempt > 0) await ctx.sleep(backoffDelay(ctx.retry, attempt - 1, ctx.random));
    let received = 0;
    const hash = createHash("sha256");
    try {
      const response = await ctx.fetch(current.url);
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        last = `HTTP ${response.status}`;
        if (response.status === 403 && !refreshed) {
          refreshed = true;
          current = await link();
          continue;
        }
        if (isRetryableStatus(response.status)) continue;
        throw new TransferError(`GET ${current.path}: ${last}`, response.status);
      }
      const count = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          hash.update(chunk);
          counter.advance(current.path, chunk.length);
          callback(null, chunk);
        },
      });
      await pipeline(Readable.fromWeb(response.body as never), count, createWriteStream(partial));
    } catch (error) {
      counter.advance(current.path, -received);
      await rm(partial, { force: true });
      if (error instanceof TransferError) throw error;
      last = `network error: ${describeCause(error)}`;
      continue;
    }
    const actual = { size: received, sha256: hash.digest("hex") };
    if (actual.size !== current.size || actual.sha256 !== current.sha256.toLowerCase()) {
      await rm(partial, { force: true });
      throw new DownloadIntegrityError(target, { size: current.size, sha256: current.sha256 }, actual);
    }
    await rename(partial, target);
    return { path: current.path, file: target, ...actual };
  }
  throw new TransferError(`GET ${current.path} failed ${ctx.retry.attempts} times; last: ${last}`);
}
