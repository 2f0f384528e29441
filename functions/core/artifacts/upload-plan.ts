/**
 * How each declared artifact is uploaded: pure rules, no S3. The S3 adapter only carries out
 * what this decides (create a multipart upload, presign a PUT or some part URLs).
 *
 * S3's limits (AWS documentation): one PUT carries at most 5 GiB; a multipart upload has at most
 * 10,000 parts of 5 MiB to 5 GiB each (the last part may be smaller), so an object is at most
 * 5 TiB.
 */

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** S3's largest single PUT. */
export const MAX_SINGLE_PUT_BYTES = 5 * GiB;
/** S3's largest object (multipart). */
export const MAX_OBJECT_BYTES = 5 * 1024 * GiB;
/** S3's part-count limit. */
export const MAX_PARTS = 10_000;
/** S3's smallest part (all parts but the last). */
export const S3_MIN_PART_BYTES = 5 * MiB;
/** S3's largest part. */
export const S3_MAX_PART_BYTES = 5 * GiB;

/**
 * A whole create-version response (and its stored idempotent copy, one DynamoDB item of at most
 * 400 KB) holds at most this many presigned URLs. A URL signed with a Lambda role's session token
 * is about 1.5-2.5 KB, so 100 URLs stay near 250 KB at worst, beside a version of at most 100
 * artifacts. The client asks for the remaining part URLs with `POST .../uploads`.
 */
export const MAX_URLS_PER_RESPONSE = 100;
/** At most this many first-part URLs per multipart artifact in a create-version response. */
export const MAX_FIRST_PART_URLS = 10;
/** At most this many part URLs answer one `POST .../uploads`. */
export const MAX_PART_URLS_PER_REQUEST = 100;

export interface UploadPolicy {
  /** Artifacts larger than this are uploaded in parts (default 64 MiB; at most 5 GiB). */
  multipartThresholdBytes: number;
  /** The smallest part size the planner chooses (default 8 MiB; at least S3's 5 MiB). */
  minPartBytes: number;
  /** How long presigned URLs stay valid (default 15 minutes). */
  urlTtlSeconds: number;
}

export const defaultUploadPolicy: UploadPolicy = {
  multipartThresholdBytes: 64 * MiB,
  minPartBytes: 8 * MiB,
  urlTtlSeconds: 15 * 60,
};

export type UploadMethod =
  | { kind: "single" }
  | {
      kind: "multipart";
      /** Bytes per part, a whole number of MiB; the last part holds the rest. */
      partSize: number;
      partCount: number;
    };

/** Why a policy cannot be used; `undefined` when it can. */
export function uploadPolicyProblem(policy: UploadPolicy): string | undefined {
  const { multipartThresholdBytes: threshold, minPartBytes, urlTtlSeconds } = policy;
  if (!Number.isInteger(minPartBytes) || minPartBytes < S3_MIN_PART_BYTES || minPartBytes % MiB !== 0) {
    return `the minimum part size must be a whole number of MiB, at least 5 MiB (${S3_MIN_PART_BYTES})`;
  }
  if (!Number.isInteger(threshold) || threshold < minPartBytes || threshold > MAX_SINGLE_PUT_BYTES) {
    return `the multipart threshold must be a whole number of bytes from the minimum part size (${minPartBytes}) to 5 GiB (${MAX_SINGLE_PUT_BYTES})`;
  }
  if (!Number.isInteger(urlTtlSeconds) || urlTtlSeconds < 60 || urlTtlSeconds > 7 * 24 * 3600) {
    return "the URL lifetime must be a whole number of seconds between 60 and 604800 (7 days, S3's limit)";
  }
  return undefined;
}

/**
 * Single PUT up to the threshold; above it, parts of at least `minPartBytes`, in whole MiB, just
 * large enough that 10,000 parts cover the size (so a 5 TiB object takes 525 MiB parts).
 */
export function uploadMethodFor(size: number, policy: UploadPolicy): UploadMethod {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_OBJECT_BYTES) {
    throw new RangeError(`an artifact size must be a whole number of bytes from 0 to ${MAX_OBJECT_BYTES}`);
  }
  if (size <= policy.multipartThresholdBytes) return { kind: "single" };
  const needed = Math.ceil(size / MAX_PARTS / MiB) * MiB;
  const partSize = Math.max(policy.minPartBytes, needed);
  return { kind: "multipart", partSize, partCount: Math.ceil(size / partSize) };
}

/** How many first-part URLs each multipart artifact gets in a response declaring `artifactCount` files. */
export function firstPartUrlCount(artifactCount: number): number {
  return Math.max(
    1,
    Math.min(MAX_FIRST_PART_URLS, Math.floor(MAX_URLS_PER_RESPONSE / Math.max(1, artifactCount))),
  );
}

/** Part numbers `from..to`, inclusive. */
export function partRange(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/**
 * Which parts a resume request gets URLs for: the ones asked for (checked against the part
 * count), or else the ones not uploaded yet; at most `MAX_PART_URLS_PER_REQUEST`, lowest first.
 */
export function partsToPresign(
  partCount: number,
  asked: number[] | undefined,
  uploaded: ReadonlySet<number>,
): { parts: number[]; missing: number } {
  const missing = partRange(1, partCount).filter((n) => !uploaded.has(n));
  const wanted = asked ?? missing;
  return {
    parts: [...new Set(wanted)].sort((a, b) => a - b).slice(0, MAX_PART_URLS_PER_REQUEST),
    missing: missing.length,
  };
}
