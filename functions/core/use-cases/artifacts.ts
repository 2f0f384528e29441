/**
 * Use cases of artifacts: fresh upload URLs (resume), completing a multipart upload, sealing a
 * version, abandoning an unsealed one, downloading a sealed artifact; one exported function per
 * operationId of the route table's `artifacts` group. The verifier's work (`verifyVersion`) is in
 * `../artifacts/verification.ts`.
 *
 * Status: PENDING_UPLOAD → (seal) → VERIFYING → READY | FAILED, or straight to READY when S3
 * holds a full-object SHA-256 equal to the declared one for every artifact. A FAILED version is
 * uploaded again and sealed again. Uploads are open while PENDING_UPLOAD or FAILED. An unsealed
 * version (PENDING_UPLOAD or FAILED) can be abandoned: ABANDONED is final.
 */

import { MAX_PART_URLS_PER_REQUEST, partRange, partsToPresign } from "../artifacts/upload-plan.ts";
import { mapConcurrently, urlExpiry } from "../artifacts/uploads.ts";
import { check, pinnedVersionId, readyFacts } from "../artifacts/verification.ts";
import {
  AliasNotFoundError,
  ArtifactNotFoundError,
  ArtifactsNotVerifiedError,
  UploadIncompleteError,
  ValidationError,
  VersionAbandonedError,
  VersionNotFoundError,
  VersionNotReadyError,
  VersionSealedError,
} from "../errors.ts";
import type { Outcome, RequestContext } from "../kernel/context.ts";
import type { CoreDeps } from "../kernel/deps.ts";
import { changeModel, changeVersion } from "../kernel/model-change.ts";
import { nowIso, ownValue, requireModel, requireVersion } from "../kernel/reads.ts";
import { mutateIdempotently } from "../kernel/unit-of-work.ts";
import type { VerificationRequest } from "../ports.ts";
import { toVersionView, type VersionRecord } from "../records.ts";
import type {
  Artifact,
  ArtifactCheck,
  ArtifactDownload,
  CompletedUpload,
  CompleteUploadInput,
  ModelVersion,
  RequestUploadsInput,
  UploadUrls,
} from "../schemas.ts";

/** HeadObject calls in flight at once during a seal. */
const HEAD_CONCURRENCY = 10;

/** The outcome of a seal: `accepted` (202) when the verifier must still read the bytes. */
export interface SealResult {
  accepted: boolean;
  version: ModelVersion;
}

export async function requestUploadUrls(
  deps: CoreDeps,
  name: string,
  number: number,
  input: RequestUploadsInput,
  ctx: RequestContext,
): Promise<Outcome<UploadUrls>> {
  // Nothing is written (presigning is local arithmetic), so a retry simply gets fresh URLs.
  return mutateIdempotently<UploadUrls>(deps, ctx, `version ${number} of '${name}'`, async () => {
    const version = await requireVersion(deps, name, number);
    assertOpenForUploads(version);
    const artifact = requireArtifact(version, input.path);
    const expiresIn = deps.uploadPolicy.urlTtlSeconds;
    const expiresAt = urlExpiry(deps);
    if (!artifact.upload) {
      if (input.parts !== undefined) {
        throw ValidationError.inInput(
          "parts",
          `'${artifact.path}' is uploaded with one PUT, not in parts: leave parts out`,
        );
      }
      // Before the seal nothing at the key is accepted yet: an object that is there (a wrong
      // upload) may be replaced, by the declared bytes only (the URL stays bound to the SHA-256).
      const existing = await deps.artifacts.head(name, number, artifact.path);
      const put = await deps.artifacts.presignPut(name, number, artifact, {
        expiresIn,
        overwrite: existing !== undefined,
      });
      return { writes: [], result: { path: artifact.path, method: "PUT" as const, ...put, expiresAt } };
    }
    const { uploadId, partSize, partCount } = artifact.upload;
    const asked = askedParts(input.parts, partCount);
    const beyond = asked?.find((n) => n > partCount);
    if (beyond !== undefined) {
      throw ValidationError.inInput(
        "parts",
        `'${artifact.path}' has ${partCount} parts, so there is no part ${beyond}`,
      );
    }
    const uploaded = await deps.artifacts.listParts(name, number, artifact.path, uploadId);
    if (!uploaded) {
      throw new UploadIncompleteError(
        `the multipart upload of '${artifact.path}' is no longer open (completed, or aborted by the bucket's lifecycle rule): seal the version, or create a new version to upload again`,
      );
    }
    const { parts, missing } = partsToPresign(partCount, asked, new Set(uploaded.map((p) => p.partNumber)));
    const urls = await deps.artifacts.presignParts(name, number, artifact.path, uploadId, parts, expiresIn);
    return {
      writes: [],
      result: {
        path: artifact.path,
        uploadId,
        partSize,
        partCount,
        parts: urls,
        missingParts: missing,
        expiresAt,
      },
    };
  });
}

export async function completeUpload(
  deps: CoreDeps,
  name: string,
  number: number,
  input: CompleteUploadInput,
  ctx: RequestContext,
): Promise<Outcome<CompletedUpload>> {
  return mutateIdempotently(deps, ctx, `version ${number} of '${name}'`, async () => {
    const version = await requireVersion(deps, name, number);
    assertOpenForUploads(version);
    const artifact = requireArtifact(version, input.path);
    if (!artifact.upload) {
      throw ValidationError.inInput(
        "path",
        `'${artifact.path}' is uploaded with one PUT: there is nothing to complete`,
      );
    }
    const { uploadId, partCount } = artifact.upload;
    if (input.uploadId !== uploadId) {
      throw new UploadIncompleteError(
        `'${artifact.path}' is uploaded as multipart upload '${uploadId}', not '${input.uploadId}'`,
      );
    }
    const given = new Set(input.parts.map((p) => p.partNumber));
    const missing = partRange(1, partCount).filter((n) => !given.has(n));
    if (missing.length > 0 || given.size !== input.parts.length || given.size !== partCount) {
      throw new UploadIncompleteError(
        `'${artifact.path}' has ${partCount} parts: list each of 1-${partCount} once with its ETag${missing.length > 0 ? ` (missing: ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", ..." : ""})` : ""}`,
      );
    }
    const result = { path: artifact.path, uploadId, size: artifact.size };
    const existing = await deps.artifacts.head(name, number, artifact.path);
    const parts = [...input.parts].sort((a, b) => a.partNumber - b.partNumber);
    const completed = await deps.artifacts.completeMultipartUpload(
      name,
      number,
      artifact.path,
      uploadId,
      parts,
      {
        overwrite: existing !== undefined,
      },
    );
    if (completed.ok) return { writes: [], result };
    // A retry of a completion that went through: S3 forgot the upload and holds the object.
    const now =
      completed.reason === "invalidParts"
        ? undefined
        : await deps.artifacts.head(name, number, artifact.path);
    if (now && now.size === artifact.size) return { writes: [], result };
    throw new UploadIncompleteError(`'${artifact.path}' cannot be completed: ${completed.message}`);
  });
}

export async function sealVersion(
  deps: CoreDeps,
  name: string,
  number: number,
  ctx: RequestContext,
): Promise<Outcome<SealResult>> {
  let verifier: VerificationRequest | undefined;
  const outcome = await mutateIdempotently(deps, ctx, `version ${number} of '${name}'`, async () => {
    verifier = undefined;
    const [model, version] = await Promise.all([
      requireModel(deps, name),
      deps.store.getVersion(name, number),
    ]);
    if (!version) throw new VersionNotFoundError(name, number);
    if (version.status === "ABANDONED") throw new VersionAbandonedError(name, number);
    const now = nowIso(deps);
    if (version.status === "READY")
      return { writes: [], result: { accepted: false, version: toVersionView(version) } };
    if (version.status === "VERIFYING") {
      const startedAt = version.verification?.startedAt ?? version.updatedAt;
      const stale = Date.parse(now) - Date.parse(startedAt) > deps.verificationStaleAfterMs;
      if (!stale) return { writes: [], result: { accepted: true, version: toVersionView(version) } };
    }
    const checks =
      version.status === "VERIFYING"
        ? (version.verification?.artifacts ??
          version.artifacts.map((a) => check(a, undefined, "needsHashing")))
        : await inspect(deps, name, number, version.artifacts);
    const wrong = checks.filter((c) => c.status !== "verified" && c.status !== "needsHashing");
    if (wrong.length > 0) {
      throw new ArtifactsNotVerifiedError(
        `version ${number} of '${name}' cannot be sealed: ${wrong
          .slice(0, 5)
          .map((c) => `'${c.path}' ${describeCheck(c)}`)
          .join(
            "; ",
          )}${wrong.length > 5 ? ` (and ${wrong.length - 5} more)` : ""}. Upload ${wrong.length === 1 ? "it" : "them"} and seal again`,
        { artifacts: checks },
      );
    }
    const ready = checks.every((c) => c.status === "verified");
    const { version: updated, write } = changeVersion(version, ctx, now, {
      status: ready ? "READY" : "VERIFYING",
      verification: {
        status: ready ? "PASSED" : "RUNNING",
        startedAt: now,
        ...(ready && { checkedAt: now }),
        requestedBy: ctx.actor,
        artifacts: checks,
      },
    });
    const change = changeModel(
      model,
      ctx,
      now,
      ready
        ? readyFacts(deps, updated, version.status)
        : {
            action: "VERSION_VERIFICATION_STARTED",
            version: number,
            from: version.status,
            to: "VERIFYING",
            details: {
              artifacts: checks.length,
              needsHashing: checks.filter((c) => c.status === "needsHashing").length,
              restarted: version.status === "VERIFYING",
            },
          },
      { stamp: false },
    );
    if (!ready) verifier = { model: name, version: number, startedAt: now };
    return {
      writes: [...change.writes, write],
      result: { accepted: !ready, version: toVersionView(updated) },
    };
  });
  if (verifier && !outcome.replayed) {
    try {
      await deps.verification.start(verifier);
    } catch (error) {
      // The version is VERIFYING and stays so; sealing it again once it is stale restarts the
      // verifier (`verificationStaleAfterMs`). The caller still gets its 202.
      deps.logger.error("the artifact verifier could not be started", {
        model: name,
        version: number,
        error: String(error),
      });
    }
  }
  return outcome;
}

/**
 * Abandons an unsealed version (PENDING_UPLOAD or FAILED), for good: ABANDONED, with its history
 * entry in the same transaction; then its open multipart uploads are aborted, so S3 stops billing
 * their parts. The number is never handed out again (the model's `latestVersion` does not move
 * back). Abandoning an ABANDONED version answers it as it is and aborts its uploads again, so an
 * abort that failed after the write is retried by calling again. Objects already uploaded stay:
 * no function of the registry may delete an artifact object (lib/artifact-bucket.ts).
 */
export async function abandonVersion(
  deps: CoreDeps,
  name: string,
  number: number,
  ctx: RequestContext,
): Promise<Outcome<ModelVersion>> {
  const outcome = await mutateIdempotently(deps, ctx, `version ${number} of '${name}'`, async () => {
    const [model, version] = await Promise.all([
      requireModel(deps, name),
      deps.store.getVersion(name, number),
    ]);
    if (!version) throw new VersionNotFoundError(name, number);
    if (version.status === "ABANDONED") return { writes: [], result: toVersionView(version) };
    if (version.status === "READY" || version.status === "VERIFYING")
      throw new VersionSealedError(name, number, version.status);
    const now = nowIso(deps);
    const { version: updated, write } = changeVersion(version, ctx, now, { status: "ABANDONED" });
    const change = changeModel(
      model,
      ctx,
      now,
      {
        action: "VERSION_ABANDONED",
        version: number,
        from: version.status,
        to: "ABANDONED",
        details: {
          artifacts: version.artifacts.length,
          multipartUploads: version.artifacts.filter((a) => a.upload !== undefined).length,
        },
      },
      { stamp: false },
    );
    return { writes: [...change.writes, write], result: toVersionView(updated) };
  });
  await mapConcurrently(
    outcome.value.artifacts.filter((a) => a.upload !== undefined),
    HEAD_CONCURRENCY,
    async (artifact) => {
      const uploadId = artifact.upload?.uploadId as string;
      await deps.artifacts.abortMultipartUpload(name, number, artifact.path, uploadId);
    },
  );
  return outcome;
}

export async function getArtifact(
  deps: CoreDeps,
  name: string,
  number: number,
  path: string,
): Promise<ArtifactDownload> {
  return download(deps, await requireVersion(deps, name, number), path);
}

export async function getAliasArtifact(
  deps: CoreDeps,
  name: string,
  alias: string,
  path: string,
): Promise<ArtifactDownload> {
  const model = await requireModel(deps, name);
  const number = ownValue(model.aliases, alias);
  if (number === undefined) throw new AliasNotFoundError(name, alias);
  return download(deps, await requireVersion(deps, name, number), path);
}

async function download(deps: CoreDeps, version: VersionRecord, path: string): Promise<ArtifactDownload> {
  const artifact = requireArtifact(version, path);
  if (version.status !== "READY") {
    throw new VersionNotReadyError(
      version.model,
      version.version,
      version.status,
      "only sealed artifacts can be downloaded",
    );
  }
  const expiresIn = deps.uploadPolicy.urlTtlSeconds;
  // Exactly the sealed bytes: the URL names the version the seal pinned.
  const url = await deps.artifacts.presignGet(
    version.model,
    version.version,
    artifact.path,
    expiresIn,
    pinnedVersionId(version, artifact.path),
  );
  return {
    path: artifact.path,
    url,
    expiresAt: urlExpiry(deps),
    size: artifact.size,
    sha256: artifact.sha256,
  };
}

function assertOpenForUploads(version: VersionRecord): void {
  if (version.status === "ABANDONED") throw new VersionAbandonedError(version.model, version.version);
  if (version.status === "READY" || version.status === "VERIFYING") {
    throw new VersionSealedError(version.model, version.version, version.status);
  }
}

function requireArtifact(version: VersionRecord, path: string): Artifact {
  const artifact = version.artifacts.find((a) => a.path === path);
  if (!artifact) throw new ArtifactNotFoundError(version.model, version.version, path);
  return artifact;
}

/** The listed parts as given (a part the upload lacks is refused), or a range cut at the last part. */
function askedParts(parts: RequestUploadsInput["parts"], partCount: number): number[] | undefined {
  if (parts === undefined) return undefined;
  if (Array.isArray(parts)) return parts;
  const count = parts.count ?? MAX_PART_URLS_PER_REQUEST;
  return partRange(parts.from, Math.min(partCount, parts.from + count - 1));
}

/** HeadObject of every artifact: what S3 can settle without reading the bytes. */
async function inspect(
  deps: CoreDeps,
  name: string,
  number: number,
  artifacts: Artifact[],
): Promise<ArtifactCheck[]> {
  return mapConcurrently(artifacts, HEAD_CONCURRENCY, async (artifact) => {
    const facts = await deps.artifacts.head(name, number, artifact.path);
    if (!facts) return check(artifact, undefined, "missing");
    if (facts.size !== artifact.size) return check(artifact, facts, "sizeMismatch");
    if (facts.sha256 === undefined) return check(artifact, facts, "needsHashing");
    return check(artifact, facts, facts.sha256 === artifact.sha256 ? "verified" : "checksumMismatch");
  });
}

function describeCheck(c: ArtifactCheck): string {
  if (c.status === "missing") return "is missing";
  if (c.status === "sizeMismatch") return `has ${c.actual?.size} bytes, not ${c.expected.size}`;
  return `has SHA-256 ${c.actual?.sha256}, not ${c.expected.sha256}`;
}
