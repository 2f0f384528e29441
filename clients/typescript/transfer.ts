/**
 * What uploads and downloads share: the ports they run on (`fetch`, a clock, a sleep), retries
 * with exponential back-off and jitter, progress reporting and a bounded worker pool.
 */

/** Where a transfer stands, reported as bytes move (throttling is the listener's business). */
export interface TransferProgress {
  /** The artifact path whose bytes moved. */
  path: string;
  fileBytes: number;
  fileTotal: number;
  /** All files of the transfer. */
  bytes: number;
  total: number;
}

export type ProgressListener = (progress: TransferProgress) => void;

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  attempts: number;
  /** The first back-off; each next one doubles, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface TransferOptions {
  /** The `fetch` for presigned S3 URLs (tests pass a fake). Default: global `fetch`. */
  fetch?: typeof fetch;
  /** Part uploads (or file downloads) in flight at once. Default 4. */
  parallel?: number;
  retry?: Partial<RetryPolicy>;
  onProgress?: ProgressListener;
  /** Default: `setTimeout`. Tests pass one that does not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Default: `Date.now`. Decides when an upload URL is about to expire. */
  now?: () => number;
  /** Default: `Math.random`. The jitter of back-offs. */
  random?: () => number;
}

export const DEFAULT_PARALLEL = 4;
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 250, maxDelayMs: 10_000 };

export interface TransferContext {
  fetch: typeof fetch;
  parallel: number;
  retry: RetryPolicy;
  onProgress: ProgressListener;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  random: () => number;
}

export function transferContext(options: TransferOptions = {}): TransferContext {
  const parallel = options.parallel ?? DEFAULT_PARALLEL;
  if (!Number.isInteger(parallel) || parallel < 1)
    throw new TypeError(`parallel must be a whole number >= 1`);
  return {
    fetch: options.fetch ?? globalThis.fetch,
    parallel,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    onProgress: options.onProgress ?? (() => {}),
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
  };
}

/**
 * "Full jitter" back-off: a random wait up to base × 2^attempt (capped), so that many clients
 * retrying after one S3 hiccup do not come back in lockstep.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling * random());
}

/** 5xx, 408 and 429 are worth another try; other 4xx answers will not change by themselves. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** A request that failed for good: the last HTTP status (or none: the network) and why. */
export class TransferError extends Error {
  override readonly name = "TransferError";
  constructor(
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Sums bytes per file and over all files, and tells the listener. */
export class ProgressCounter {
  readonly #files = new Map<string, { done: number; total: number }>();
  #bytes = 0;
  #total = 0;

  constructor(readonly listener: ProgressListener) {}

  /** Registers a file; `done` bytes of it are already where they belong (a resumed upload). */
  add(path: string, total: number, done = 0): void {
    // Registering a file again (its upload learnt how much is already there) replaces it.
    const before = this.#files.get(path);
    if (before) {
      this.#total -= before.total;
      this.#bytes -= before.done;
    }
    this.#files.set(path, { done, total });
    this.#total += total;
    this.#bytes += done;
  }

  /** Bytes moved (negative when a failed attempt's bytes must be moved again). */
  advance(path: string, bytes: number): void {
    const file = this.#files.get(path);
    if (!file || bytes === 0) return;
    file.done += bytes;
    this.#bytes += bytes;
    this.listener({
      path,
      fileBytes: file.done,
      fileTotal: file.total,
      bytes: this.#bytes,
      total: this.#total,
    });
  }
}

/** `fn` over `items`, at most `limit` at a time; the first failure stops taking new items. */
export async function forEachConcurrently<T>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  let failed = false;
  const worker = async () => {
    for (let next = iterator.next(); !next.done && !failed; next = iterator.next()) {
      try {
        await fn(next.value);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: limit }, worker));
  const rejected = results.find((result) => result.status === "rejected");
  if (rejected) throw (rejected as PromiseRejectedResult).reason;
}

export function describeCause(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
