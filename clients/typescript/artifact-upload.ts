/**
 * Uploads a version's artifacts through the registry's presigned URLs, seals the version and
 * waits for READY. Files are streamed by offset (never held whole), parts go up in parallel,
 * every PUT is retried with back-off and a fresh URL when its URL expired, and the same code
 * resumes an interrupted upload: S3 says which parts it lacks, only those are sent.
 */
import { ArtifactError, VerificationFailedError } from "./artifact-errors.ts";
import { digestFile, md5OfRange, rangeBody } from "./file-bytes.ts";
import type { RegistryClient } from "./registry-client.ts";
import { RegistryError } from "./registry-error.ts";
import {
  backoffDelay,
  describeCause,
  forEachConcurrently,
  isRetryableStatus,
  ProgressCounter,
  type TransferContext,
  TransferError,
  type TransferOptions,
  transferContext,
} from "./transfer.ts";
import type { ArtifactUpload, ModelVersion, UploadUrls } from "./types.ts";

/** A local file and the artifact path it is uploaded as. */
export interface LocalArtifact {
  path: string;
  file: string;
}

export interface WaitOptions {
  /** The first pause between polls; each next one is 1.5 times longer, up to `maxIntervalMs`. */
  intervalMs?: number;
  maxIntervalMs?: number;
  /** Give up waiting (the version stays VERIFYING and can be polled later). Default 30 minutes. */
  timeoutMs?: number;
}

export interface UploadOptions extends TransferOptions {
  /** Seal once every declared artifact is uploaded. Default true. */
  seal?: boolean;
  /** After sealing, poll until READY (or FAILED, thrown). Default true. */
  wait?: boolean;
  poll?: WaitOptions;
}

export interface UploadResult {
  /** The version as last seen: READY after a wait, VERIFYING without one, PENDING_UPLOAD unsealed. */
  version: ModelVersion;
  /** Bytes sent in this run (a resume sends only what was missing). */
  uploadedBytes: number;
  /** Declared artifacts that had no local file, so the version was not sealed. */
  notUploaded: string[];
}

/** URLs are renewed this long before they expire, so no PUT starts on a URL about to die. */
const EXPIRY_MARGIN_MS = 60_000;
/** How often one PUT may ask for a fresh URL after a 403 before the 403 is taken as final. */
const MAX_REFRESHES = 2;
const MAX_URLS_PER_REQUEST = 100;

/**
 * Uploads the files of a version just created (`uploads` of the create response), then seals
 * and waits. Declared artifacts without a local file are left out and the version is not sealed.
 */
export async function uploadCreatedVersion(
  client: RegistryClient,
  created: ModelVersion,
  files: readonly LocalArtifact[],
  options: UploadOptions = {},
): Promise<UploadResult> {
  const uploader = new Uploader(client, created.model, created.version, transferContext(options));
  const instructions = new Map((created.uploads ?? []).map((upload) => [upload.path, upload]));
  const jobs = plan(created, files, (artifact, file) => {
    const instruction = instructions.get(artifact.path);
    if (!instruction)
      throw new ArtifactError("NoUploadInstruction", `the registry sent no upload for ${artifact.path}`);
    return () => uploader.upload(file, artifact.size, instruction);
  });
  return runAndSeal(uploader, created, jobs, options);
}

/**
 * Uploads what an existing version still lacks (an interrupted upload, or a FAILED version's
 * wrong files), then seals and waits. Each local file is checked against its declaration first.
 */
export async function resumeUpload(
  client: RegistryClient,
  model: string,
  versionNumber: number,
  files: readonly LocalArtifact[],
  options: UploadOptions = {},
): Promise<UploadResult> {
  const version = await client.getVersion(model, versionNumber);
  const uploader = new Uploader(client, model, version.version, transferContext(options));
  if (version.status === "ABANDONED") {
    throw new ArtifactError(
      "VersionAbandoned",
      `version ${version.version} of '${model}' was abandoned: nothing can be uploaded to it. Register a new version with 'registry versions create ${model} --artifact-file FILE...'`,
    );
  }
  // A sealed version's bytes never change: files that differ from its declaration are an error,
  // not a success that leaves the old bytes in place (a retrained model.onnx).
  if (version.status === "READY" || version.status === "VERIFYING") await assertSameFiles(version, files);
  if (version.status === "READY") return { version, uploadedBytes: 0, notUploaded: [] };
  if (version.status === "VERIFYING") {
    const waited =
      options.wait === false ? version : await waitUntilVerified(client, model, version.version, options);
    return { version: waited, uploadedBytes: 0, notUploaded: [] };
  }
  // A FAILED version names the files it found wrong; the others are in place.
  const failed = new Set(
    version.status === "FAILED"
      ? (version.verification?.artifacts ?? []).filter((c) => c.status !== "verified").map((c) => c.path)
      : version.artifacts.map((a) => a.path),
  );
  const jobs = plan(version, files, (artifact, file) => async () => {
    const local = await digestFile(file);
    if (local.size !== artifact.size || local.sha256 !== artifact.sha256) {
      throw new ArtifactError(
        "LocalFileMismatch",
        `${file} is not the declared ${artifact.path}: it has ${local.size} bytes with SHA-256 ${local.sha256}, the version declares ${artifact.size} bytes with SHA-256 ${artifact.sha256}`,
        { file, path: artifact.path },
      );
    }
    if (failed.has(artifact.path))
      await uploader.resume(file, artifact.path, artifact.size, version.status === "FAILED");
    else uploader.counter.add(artifact.path, artifact.size, artifact.size);
  });
  return runAndSeal(uploader, version, jobs, options);
}

/**
 * Checks local files against a sealed version's declaration; a file that differs is an error
 * that says the version is sealed and how to register a new one.
 */
async function assertSameFiles(version: ModelVersion, files: readonly LocalArtifact[]): Promise<void> {
  const { ready } = plan(version, files, () => async () => {});
  const declared = new Map(version.artifacts.map((a) => [a.path, a]));
  const byPath = new Map(files.map((f) => [f.path, f.file]));
  const differ: string[] = [];
  for (const { path } of ready) {
    const artifact = declared.get(path) as ModelVersion["artifacts"][number];
    const file = byPath.get(path) as string;
    const local = await digestFile(file);
    if (local.size !== artifact.size || local.sha256 !== artifact.sha256)
      differ.push(
        `${file} (${local.size} bytes, SHA-256 ${local.sha256}) is not its declared ${path} (${artifact.size} bytes, SHA-256 ${artifact.sha256})`,
      );
  }
  if (differ.length === 0) return;
  const args = files.map((f) => `--artifact-file ${f.file}`).join(" ");
  throw new ArtifactError(
    "VersionSealed",
    `version ${version.version} of '${version.model}' is sealed (${version.status}) and its bytes never change: ${differ.join("; ")}. ` +
      `To publish these files, register a new version: 'registry versions create ${version.model} ${args}'`,
    { model: version.model, version: version.version, status: version.status },
  );
}

/** Seals the version and, unless `wait` is false, polls until READY; FAILED throws with the report. */
export async function sealAndWait(
  client: RegistryClient,
  model: string,
  version: number,
  options: Pick<UploadOptions, "wait" | "poll" | "sleep" | "now"> = {},
): Promise<ModelVersion> {
  const sealed = await client.sealVersion(model, version);
  if (!sealed.accepted || options.wait === false) return sealed.version;
  return waitUntilVerified(client, model, version, options);
}

/** Polls a VERIFYING version with growing pauses until the verifier has decided. */
export async function waitUntilVerified(
  client: RegistryClient,
  model: string,
  version: number,
  options: Pick<UploadOptions, "poll" | "sleep" | "now"> = {},
): Promise<ModelVersion> {
  const { sleep, now } = transferContext(options);
  const { intervalMs = 500, maxIntervalMs = 5_000, timeoutMs = 30 * 60_000 } = options.poll ?? {};
  const deadline = now() + timeoutMs;
  let pause = intervalMs;
  for (;;) {
    const current = await client.getVersion(model, version);
    if (current.status === "READY") return current;
    if (current.status === "FAILED") throw new VerificationFailedError(current);
    if (now() >= deadline) {
      throw new ArtifactError(
        "StillVerifying",
        `version ${version} of '${model}' is still ${current.status} after ${Math.round(timeoutMs / 1000)} s; check later with 'registry versions get ${model} ${version}'`,
      );
    }
    await sleep(pause);
    pause = Math.min(maxIntervalMs, Math.round(pause * 1.5));
  }
}

interface Job {
  path: string;
  size: number;
  run: () => Promise<void>;
}

/** Pairs declared artifacts with local files; files the version does not declare are a mistake. */
function plan(
  version: ModelVersion,
  files: readonly LocalArtifact[],
  job: (artifact: ModelVersion["artifacts"][number], file: string) => () => Promise<void>,
): { ready: Job[]; missing: string[] } {
  const byPath = new Map(files.map((file) => [file.path, file.file]));
  const declared = new Set(version.artifacts.map((a) => a.path));
  const stray = files.filter((file) => !declared.has(file.path));
  if (stray.length > 0) {
    throw new ArtifactError(
      "UndeclaredArtifact",
      `version ${version.version} of '${version.model}' declares no ${stray.map((f) => `'${f.path}' (${f.file})`).join(", ")}; it declares ${[...declared].join(", ")}`,
    );
  }
  const ready: Job[] = [];
  const missing: string[] = [];
  for (const artifact of version.artifacts) {
    const file = byPath.get(artifact.path);
    if (file === undefined) missing.push(artifact.path);
    else ready.push({ path: artifact.path, size: artifact.size, run: job(artifact, file) });
  }
  return { ready, missing };
}

/** Counts every job's bytes for progress, runs the jobs in turn, then seals unless files are missing. */
async function runAndSeal(
  uploader: Uploader,
  version: ModelVersion,
  { ready, missing }: { ready: Job[]; missing: string[] },
  options: UploadOptions,
): Promise<UploadResult> {
  for (const job of ready) uploader.counter.add(job.path, job.size);
  for (const job of ready) await job.run();
  const uploadedBytes = uploader.sentBytes;
  if (missing.length > 0 || options.seal === false) return { version, uploadedBytes, notUploaded: missing };
  const sealed = await uploader.registryCall(() =>
    sealAndWait(uploader.client, version.model, version.version, options),
  );
  return { version: sealed, uploadedBytes, notUploaded: [] };
}

interface PutTarget {
  url: string;
  headers: Record<string, string>;
  expiresAt: number;
}

class Uploader {
  readonly counter: ProgressCounter;
  sentBytes = 0;

  constructor(
    readonly client: RegistryClient,
    readonly model: string,
    readonly version: number,
    readonly ctx: TransferContext,
  ) {
    this.counter = new ProgressCounter(ctx.onProgress);
  }

  /** Upload one file as the create response instructs. */
  async upload(file: string, size: number, instruction: ArtifactUpload): Promise<void> {
    if (instruction.uploadId === undefined) {
      await this.#single(file, size, instruction);
      return;
    }
    const { uploadId, partSize, partCount } = multipartFacts(instruction);
    const urls = new PartUrls(this, instruction.path);
    urls.seed(instruction.parts ?? [], instruction.expiresAt);
    const etags = new Map<number, string>();
    await this.#parts(file, instruction.path, size, partSize, range(1, partCount), urls, etags);
    await this.#complete(file, instruction.path, size, partSize, uploadId, etags, []);
  }

  /**
   * Upload what S3 lacks of one file. Single PUTs: a fresh URL without `If-None-Match` means an
   * object is already at the key (the registry drops the condition so that a wrong object can be
   * replaced); before a seal it can only be an earlier PUT of these bytes, bound to their SHA-256.
   */
  async resume(file: string, path: string, size: number, replace: boolean): Promise<void> {
    let fresh: UploadUrls;
    try {
      fresh = await this.registryCall(() =>
        this.client.requestUploadUrls(this.model, this.version, { path }),
      );
    } catch (error) {
      // The multipart upload is no longer open: an earlier run completed it (the seal checks it).
      if (error instanceof RegistryError && error.code === "UploadIncomplete") {
        this.counter.add(path, size, size);
        return;
      }
      throw error;
    }
    if (fresh.uploadId === undefined) {
      const present = fresh.headers !== undefined && !("if-none-match" in fresh.headers);
      if (present && !replace) {
        this.counter.add(path, size, size);
        return;
      }
      await this.#single(file, size, fresh);
      return;
    }
    const { uploadId, partSize, partCount } = multipartFacts(fresh);
    const missingBytes = (fresh.missingParts ?? 0) * partSize;
    this.counter.add(path, size, Math.max(0, size - missingBytes));
    const urls = new PartUrls(this, path);
    const etags = new Map<number, string>();
    // Each answer lists up to 100 of the parts S3 lacks; once they are sent, ask again.
    for (let round = 0; round <= Math.ceil(partCount / MAX_URLS_PER_REQUEST); round++) {
      const parts = fresh.parts ?? [];
      if (parts.length === 0) break;
      urls.seed(parts, fresh.expiresAt);
      await this.#parts(
        file,
        path,
        size,
        partSize,
        parts.map((p) => p.partNumber),
        urls,
        etags,
        false,
      );
      if ((fresh.missingParts ?? 0) <= parts.length) break;
      fresh = await this.registryCall(() =>
        this.client.requestUploadUrls(this.model, this.version, { path }),
      );
    }
    // Parts an earlier run sent: S3's ETag of a part is the MD5 of its bytes (SSE-S3). A guess
    // that is wrong (another encryption) fails the completion, and those parts are sent again.
    const guessed = range(1, partCount).filter((n) => !etags.has(n));
    await forEachConcurrently(guessed, this.ctx.parallel, async (n) => {
      const { start, length } = partRange(n, partSize, size);
      etags.set(n, `"${await md5OfRange(file, start, length)}"`);
    });
    await this.#complete(file, path, size, partSize, uploadId, etags, guessed, urls);
  }

  async #single(
    file: string,
    size: number,
    instruction: { path: string; url?: string; headers?: Record<string, string>; expiresAt: string },
  ) {
    const path = instruction.path;
    if (!instruction.url)
      throw new ArtifactError("NoUploadUrl", `the registry sent no upload URL for ${path}`);
    this.counter.add(path, size);
    let target: PutTarget = {
      url: instruction.url,
      headers: instruction.headers ?? {},
      expiresAt: expiry(instruction.expiresAt),
    };
    await this.#put(file, path, 0, size, `${path}`, {
      target: async (refresh) => {
        if (refresh || target.expiresAt - EXPIRY_MARGIN_MS <= this.ctx.now()) {
          const fresh = await this.registryCall(() =>
            this.client.requestUploadUrls(this.model, this.version, { path }),
          );
          if (!fresh.url)
            throw new ArtifactError("NoUploadUrl", `the registry sent no upload URL for ${path}`);
          target = { url: fresh.url, headers: fresh.headers ?? {}, expiresAt: expiry(fresh.expiresAt) };
        }
        return target;
      },
      // A retried PUT whose first attempt did land: the object is there, bound to the checksum.
      alreadyThere: (status, headers) => status === 412 && "if-none-match" in headers,
    });
  }

  async #parts(
    file: string,
    path: string,
    size: number,
    partSize: number,
    partNumbers: number[],
    urls: PartUrls,
    etags: Map<number, string>,
    count = true,
  ): Promise<void> {
    if (count) this.counter.add(path, size);
    urls.expect(partNumbers);
    await forEachConcurrently(partNumbers, this.ctx.parallel, async (n) => {
      const { start, length } = partRange(n, partSize, size);
      const response = await this.#put(file, path, start, length, `${path} part ${n}`, {
        target: async (refresh) => ({
          url: await urls.get(n, refresh),
          headers: {},
          expiresAt: Number.POSITIVE_INFINITY,
        }),
      });
      const etag = response?.headers.get("etag");
      if (!etag) throw new TransferError(`${path} part ${n}: S3 answered without an ETag`);
      etags.set(n, etag);
      urls.done(n);
    });
  }

  async #complete(
    file: string,
    path: string,
    size: number,
    partSize: number,
    uploadId: string,
    etags: Map<number, string>,
    guessed: number[],
    urls?: PartUrls,
  ): Promise<void> {
    const parts = () =>
      [...etags].sort(([a], [b]) => a - b).map(([partNumber, etag]) => ({ partNumber, etag }));
    try {
      await this.registryCall(() =>
        this.client.completeUpload(this.model, this.version, { path, uploadId, parts: parts() }),
      );
    } catch (error) {
      if (!(error instanceof RegistryError && error.code === "UploadIncomplete" && guessed.length > 0))
        throw error;
      // Some guessed ETag was wrong (or an earlier part held other bytes): send those parts again.
      const book = urls ?? new PartUrls(this, path);
      const guessedBytes = guessed.reduce((sum, n) => sum + partRange(n, partSize, size).length, 0);
      this.counter.advance(path, -guessedBytes);
      await this.#parts(file, path, size, partSize, guessed, book, etags, false);
      await this.registryCall(() =>
        this.client.completeUpload(this.model, this.version, { path, uploadId, parts: parts() }),
      );
    }
  }

  /** One PUT of a byte range, retried on 5xx and network errors, with a fresh URL after a 403. */
  async #put(
    file: string,
    path: string,
    start: number,
    length: number,
    label: string,
    how: {
      target: (refresh: boolean) => Promise<PutTarget>;
      alreadyThere?: (status: number, headers: Record<string, string>) => boolean;
    },
  ): Promise<Response | undefined> {
    const { retry, random, sleep } = this.ctx;
    let refreshes = 0;
    let refresh = false;
    let last = "";
    for (let attempt = 0; attempt < retry.attempts; attempt++) {
      if (attempt > 0) await sleep(backoffDelay(retry, attempt - 1, random));
      const target = await how.target(refresh);
      refresh = false;
      let sent = 0;
      const body = rangeBody(file, start, length, (bytes) => {
        sent += bytes;
        this.counter.advance(path, bytes);
      });
      let response: Response;
      try {
        response = await this.ctx.fetch(target.url, {
          method: "PUT",
          headers: { ...target.headers, "content-length": String(length) },
          body,
          duplex: "half",
        } as RequestInit);
      } catch (error) {
        this.counter.advance(path, -sent);
        last = `network error: ${describeCause(error)}`;
        continue;
      }
      if (response.ok) {
        await response.body?.cancel();
        this.counter.advance(path, length - sent);
        this.sentBytes += length;
        return response;
      }
      const text = await response.text().catch(() => "");
      this.counter.advance(path, -sent);
      if (how.alreadyThere?.(response.status, target.headers)) {
        this.counter.advance(path, length);
        return undefined;
      }
      last = `HTTP ${response.status}${s3Message(text)}`;
      if (response.status === 403 && refreshes < MAX_REFRESHES) {
        // Most often an expired URL (a slow link, a laptop that slept): ask for a fresh one.
        refreshes++;
        refresh = true;
        attempt--;
        continue;
      }
      if (!isRetryableStatus(response.status))
        throw new TransferError(`PUT ${label}: ${last}`, response.status);
    }
    throw new TransferError(`PUT ${label} failed ${retry.attempts} times; last: ${last}`);
  }

  /** A registry call retried like a PUT on 5xx and network errors (all of these are idempotent). */
  async registryCall<T>(call: () => Promise<T>): Promise<T> {
    const { retry, random, sleep } = this.ctx;
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const transient =
          error instanceof RegistryError
            ? isRetryableStatus(error.status)
            : !(error instanceof ArtifactError);
        if (!transient || attempt + 1 >= retry.attempts || error instanceof TypeError) throw error;
        await sleep(backoffDelay(retry, attempt, random));
      }
    }
  }
}

/**
 * Part URLs, fetched as they are needed: the create response carries only the first ones, the
 * rest come 100 a call, and an expired URL is replaced. Workers that need the same missing URL
 * share one request.
 */
class PartUrls {
  readonly #urls = new Map<number, { url: string; expiresAt: number }>();
  readonly #pending = new Map<number, Promise<void>>();
  #order: number[] = [];
  readonly #done = new Set<number>();

  constructor(
    readonly uploader: Uploader,
    readonly path: string,
  ) {}

  seed(parts: readonly { partNumber: number; url: string }[], expiresAt: string): void {
    for (const part of parts)
      this.#urls.set(part.partNumber, { url: part.url, expiresAt: expiry(expiresAt) });
  }

  /** The parts about to be uploaded, in order: a missing URL is fetched with those after it. */
  expect(partNumbers: number[]): void {
    this.#order = partNumbers;
    for (const n of partNumbers) this.#done.delete(n);
  }

  done(partNumber: number): void {
    this.#done.add(partNumber);
  }

  async get(partNumber: number, refresh: boolean): Promise<string> {
    if (refresh) this.#urls.delete(partNumber);
    for (let tries = 0; tries < 2; tries++) {
      const known = this.#urls.get(partNumber);
      if (known && known.expiresAt - EXPIRY_MARGIN_MS > this.uploader.ctx.now()) return known.url;
      await (this.#pending.get(partNumber) ?? this.#fetch(partNumber));
    }
    const url = this.#urls.get(partNumber)?.url;
    if (!url)
      throw new ArtifactError("NoUploadUrl", `the registry sent no URL for ${this.path} part ${partNumber}`);
    return url;
  }

  #fetch(partNumber: number): Promise<void> {
    const { ctx } = this.uploader;
    const fresh = (n: number) => {
      const known = this.#urls.get(n);
      return known !== undefined && known.expiresAt - EXPIRY_MARGIN_MS > ctx.now();
    };
    const batch = [partNumber];
    const from = this.#order.indexOf(partNumber);
    for (let i = from + 1; from >= 0 && i < this.#order.length && batch.length < MAX_URLS_PER_REQUEST; i++) {
      const n = this.#order[i] as number;
      if (!fresh(n) && !this.#pending.has(n) && !this.#done.has(n)) batch.push(n);
    }
    const contiguous = batch.every((n, i) => n === partNumber + i);
    const parts = contiguous ? { from: partNumber, count: batch.length } : batch;
    const { client, model, version } = this.uploader;
    const request = this.uploader
      .registryCall(() => client.requestUploadUrls(model, version, { path: this.path, parts }))
      .then((answer) => this.seed(answer.parts ?? [], answer.expiresAt))
      .finally(() => {
        for (const n of batch) this.#pending.delete(n);
      });
    for (const n of batch) this.#pending.set(n, request);
    return request;
  }
}

function multipartFacts(upload: { path: string; uploadId?: string; partSize?: number; partCount?: number }) {
  const { uploadId, partSize, partCount } = upload;
  if (uploadId === undefined || !partSize || !partCount) {
    throw new ArtifactError(
      "BadUploadInstruction",
      `the multipart upload of ${upload.path} lacks its part size or count`,
    );
  }
  return { uploadId, partSize, partCount };
}

/** Byte range of part `n` (1-based): every part is `partSize` long but the last, which holds the rest. */
export function partRange(n: number, partSize: number, size: number): { start: number; length: number } {
  const start = (n - 1) * partSize;
  return { start, length: Math.max(0, Math.min(partSize, size - start)) };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

function expiry(iso: string): number {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? Number.POSITIVE_INFINITY : at;
}

/** S3's `<Message>` of an error document, when there is one. */
function s3Message(text: string): string {
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text.slice(0, 200);
  return message ? `: ${message.trim()}` : "";
}
