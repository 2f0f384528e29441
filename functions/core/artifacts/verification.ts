/**
 * The verifier's rules: what an artifact check says, the history entry of a READY version, and
 * `verifyVersion`, the work behind a seal that S3's checksums cannot settle (the
 * `functions/workers/verify-artifacts.ts` handler runs it). Not an HTTP operation, so it lives
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
    const digest = await deps.artifacts.digest(name, number, artifact.path);
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
  actual: { size: number; sha256?: string } | undefined,
  status: ArtifactCheck["status"],
): ArtifactCheck {
  return {
    path: artifact.path,
    status,
    expected: { size: artifact.size, sha256: artifact.sha256 },
    actual: actual
      ? { size: actual.size, ...(actual.sha256 !== undefined && { sha256: actual.sha256 }) }
      : null,
  };
}

/** The history entry of a version becoming READY: what deploy tooling needs to fetch it. */
export function readyFacts(deps: CoreDeps, version: VersionRecord, from: string) {
  return {
    action: "VERSION_READY" as const,
    version: version.version,
    from,
    to: "READY",
    details: {
      artifacts: version.artifacts.map((a) => ({
        path: a.path,
        uri: deps.artifacts.uri(version.model, version.version, a.path),
        size: a.size,
        sha256: a.sha256,
      })),
      metrics: version.metrics,
      format: version.format ?? null,
    },
  };
}
