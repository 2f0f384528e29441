/**
 * Turns upload plans into upload instructions through the storage port: one presigned PUT, or
 * a multipart upload with the URLs of its first parts.
 */
import type { CoreDeps } from "../kernel/deps.ts";
import type { Artifact, UploadInstruction } from "../schemas.ts";
import { firstPartUrlCount, partRange, uploadMethodFor } from "./upload-plan.ts";

/** S3 calls in flight at once while planning (100 artifacts would otherwise open 100 sockets). */
const CONCURRENCY = 10;

export function urlExpiry(deps: CoreDeps): string {
  return new Date(deps.clock.now().getTime() + deps.uploadPolicy.urlTtlSeconds * 1000).toISOString();
}

/**
 * The upload of every declared artifact of a new version: the artifact records (multipart ones
 * carry their upload id and parts) and the instructions for the client. Nothing exists at a new
 * version's keys yet, so every PUT is bound to `If-None-Match: *`.
 */
export async function planUploads(
  deps: CoreDeps,
  model: string,
  version: number,
  declared: Artifact[],
): Promise<{ artifacts: Artifact[]; uploads: UploadInstruction[] }> {
  const policy = deps.uploadPolicy;
  const expiresAt = urlExpiry(deps);
  const firstParts = firstPartUrlCount(declared.length);
  const planned = await mapConcurrently(declared, CONCURRENCY, async (artifact) => {
    const method = uploadMethodFor(artifact.size, policy);
    if (method.kind === "single") {
      const put = await deps.artifacts.presignPut(model, version, artifact, {
        expiresIn: policy.urlTtlSeconds,
        overwrite: false,
      });
      const upload: UploadInstruction = { path: artifact.path, method: "PUT", ...put, expiresAt };
      return { artifact, upload };
    }
    const uploadId = await deps.artifacts.startMultipartUpload(model, version, artifact);
    const parts = await deps.artifacts.presignParts(
      model,
      version,
      artifact.path,
      uploadId,
      partRange(1, Math.min(firstParts, method.partCount)),
      policy.urlTtlSeconds,
    );
    const { partSize, partCount } = method;
    return {
      artifact: { ...artifact, upload: { uploadId, partSize, partCount } },
      upload: { path: artifact.path, uploadId, partSize, partCount, parts, expiresAt },
    };
  });
  return { artifacts: planned.map((p) => p.artifact), uploads: planned.map((p) => p.upload) };
}

/** `fn` over `items`, at most `limit` at a time, results in order. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
