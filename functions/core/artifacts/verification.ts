/**
 * The verifier's rules: what an artifact check says, the history entry of a READY version, and
 * `verifyVersion`, the work behind a seal that S3's checksums cannot settle (the
 * `functions/entry-points/verify-artifacts.ts` handler runs it). Not an HTTP operation, so it lives
 * beside the use cases rather than among them.
 */
import type { RequestContext } from "../kernel/context.ts";
import type { CoreDeps } from "../kernel/deps.ts";
import { changeModel, changeVersion } from "../kernel/model-change.ts";
import { nowIso, requireModel } from "../kernel/reads.ts";
import { mutate } from "../kernel/unit-of-work.ts";
import type { VerificationRequest } from "../ports.ts";
import type { VersionRecord } from "../records.ts";
import type { Artifact, ArtifactCheck } from "../schemas.ts";

/**
 * The verifier: reads every artifact S3 could not vouch for through SHA-256, then commits READY
 * (history VERSION_READY) or FAILED (VERSION_VERIFICATION_FAILED) with the per-artifact report.
 * A request for a version that is no longer VERIFYING under the same seal is ignored, so a
 * retried or late invocation changes nothing.
 */
export async function verifyVersion(
  deps: CoreDeps,
  request: VerificationRequest,
  requestId: string,
): Promise<"READY" | "FAILED" | "skipped"> {
  const { model: name, version: number } = request;
  const current = await deps.store.getVersion(name, number);
  if (!isRun(current, request)) return "skipped";
  const earlier = new Map((current.verification?.artifacts ?? []).map((c) => [c.path, c]));
  const checks: ArtifactCheck[] = [];
  // One at a time: the memory is one stream buffer, and the time is the bytes read either way.
  for (const artifact of current.artifacts) {
    if (earlier.get(artifact.path)?.status === "verified") {
      checks.push(earlier.get(artifact.path) as ArtifactCheck);
      continue;
    }
    // The version the seal saw, when it saw one: bytes written at the key since are not the sealed ones.
    const digest = await deps.artifacts.digest(
      name,
      number,
      artifact.path,
      earlier.get(artifact.path)?.actual?.versionId,
    );
    checks.push(
      check(
        artifact,
        digest,
        !digest
          ? "missing"
          : digest.size !== artifact.size
            ? "sizeMismatch"
            : digest.sha256 !== artifact.sha256
              ? "checksumMismatch"
              : "verified",
      ),
    );
  }
  const passed = checks.every((c) => c.status === "verified");
  return mutate(deps, `version ${number} of '${name}'`, async () => {
    const [model, version] = await Promise.all([
      requireModel(deps, name),
      deps.store.getVersion(name, number),
    ]);
    if (!isRun(version, request)) return { writes: [], result: "skipped" as const };
    const now = nowIso(deps);
    const verification = version.verification;
    const actor = verification?.requestedBy ?? version.updatedBy;
    // The verifier acts for whoever asked for the seal: the version's update and history name them.
    const ctx: RequestContext = { actor, requestId };
    const { version: updated, write } = changeVersion(version, ctx, now, {
      status: passed ? "READY" : "FAILED",
      verification: {
        status: passed ? "PASSED" : "FAILED",
        startedAt: request.startedAt,
        checkedAt: now,
        requestedBy: actor,
        artifacts: checks,
      },
    });
    const change = changeModel(
      model,
      ctx,
      now,
      passed
        ? readyFacts(deps, updated, "VERIFYING")
        : {
            action: "VERSION_VERIFICATION_FAILED",
            version: number,
            from: "VERIFYING",
            to: "FAILED",
            details: {
              artifacts: checks
                .filter((c) => c.status !== "verified")
                .map((c) => ({ path: c.path, status: c.status })),
            },
          },
      { stamp: false },
    );
    return {
      writes: [...change.writes, write],
      result: updated.status as "READY" | "FAILED",
    };
  });
}

export function isRun(
  version: VersionRecord | undefined,
  request: VerificationRequest,
): version is VersionRecord {
  return version?.status === "VERIFYING" && version.verification?.startedAt === request.startedAt;
}

export function check(
  artifact: Artifact,
  actual: { size: number; sha256?: string; versionId?: string } | undefined,
  status: ArtifactCheck["status"],
): ArtifactCheck {
  return {
    path: artifact.path,
    status,
    expected: { size: artifact.size, sha256: artifact.sha256 },
    actual: actual
      ? {
          size: actual.size,
          ...(actual.sha256 !== undefined && { sha256: actual.sha256 }),
          ...(actual.versionId !== undefined && { versionId: actual.versionId }),
        }
      : null,
  };
}

/**
 * The S3 version id a sealed artifact is pinned to: the version its seal (or the verifier)
 * checked. Undefined for a version sealed before pinning existed, or on a bucket without
 * versioning: then the key's current object is used, as before.
 */
export function pinnedVersionId(version: VersionRecord, path: string): string | undefined {
  return version.verification?.artifacts?.find((c) => c.path === path)?.actual?.versionId;
}

/**
 * Where a sealed artifact lives, as events and deploy pipelines get it: `s3://bucket/key`, and
 * the version id that holds exactly the sealed bytes (fetch with it, not by key alone).
 */
export function artifactLocations(deps: CoreDeps, version: VersionRecord) {
  return version.artifacts.map((a) => {
    const versionId = pinnedVersionId(version, a.path);
    return {
      path: a.path,
      uri: deps.artifacts.uri(version.model, version.version, a.path),
      size: a.size,
      sha256: a.sha256,
      ...(versionId !== undefined && { versionId }),
    };
  });
}

/**
 * Apply's last look at the bytes: each artifact's pinned version must still exist with the
 * sealed size (and SHA-256, when S3 has one). Undefined when they do; else what is wrong.
 */
export async function sealedBytesProblem(
  deps: CoreDeps,
  version: VersionRecord,
): Promise<string | undefined> {
  for (const artifact of version.artifacts) {
    const pin = pinnedVersionId(version, artifact.path);
    const facts = await deps.artifacts.head(version.model, version.version, artifact.path, pin);
    const what = pin === undefined ? `'${artifact.path}'` : `'${artifact.path}' (S3 version ${pin})`;
    if (!facts) return `the sealed artifact ${what} is no longer in the bucket`;
    if (facts.size !== artifact.size) {
      return `the sealed artifact ${what} has ${facts.size} bytes, not the ${artifact.size} sealed`;
    }
    if (facts.sha256 !== undefined && facts.sha256 !== artifact.sha256) {
      return `the sealed artifact ${what} has SHA-256 ${facts.sha256}, not the one sealed`;
    }
  }
  return undefined;
}

/** The history entry of a version becoming READY: what deploy tooling needs to fetch it. */
export function readyFacts(deps: CoreDeps, version: VersionRecord, from: string) {
  return {
    action: "VERSION_READY" as const,
    version: version.version,
    from,
    to: "READY",
    details: {
      artifacts: artifactLocations(deps, version),
      metrics: version.metrics,
      format: version.format ?? null,
    },
  };
}
