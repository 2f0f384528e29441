/**
 * The evidence a transition's validation looked at, and the rule that keeps it from changing
 * afterwards (issue 18, item 4).
 *
 * - `snapshotOf` records, in the validation report, a digest of every field of the version the
 *   checks (and a policy's custom validation function, which is sent the whole version) could
 *   read, and the same for the version holding the target stage (`compatibleSignature` compares
 *   against it). Apply re-runs the stage checks against the versions as they are then and refuses
 *   a version whose digest moved: whatever a custom function approved is what moves.
 * - `frozenEvidence` says which fields an edit may not touch: every evidence field while the
 *   version has an open request, and while it holds an exclusive stage (production), so what
 *   the approvers saw is what serves.
 */
import { createHash } from "node:crypto";
import type { ModelRecord, VersionRecord } from "../records.ts";
import type { EvidenceSnapshot, UpdateVersionInput } from "../schemas.ts";
import { EXCLUSIVE_STAGES, holderOf } from "./stages.ts";

/** The fields of `UpdateVersionInput` that are evidence (all of them but `description`). */
export const EDITABLE_EVIDENCE = [
  "metrics",
  "params",
  "tags",
  "lineage",
  "signature",
  "framework",
  "format",
  "modelCard",
] as const satisfies readonly (keyof UpdateVersionInput & keyof VersionRecord)[];

/**
 * Every field of a version that a check may read, in the order they are digested (its stage and
 * status are checked again by Apply itself, so a seal meanwhile is no change of evidence). Only
 * `description` is not evidence: free prose that stays editable (a custom validation function
 * must not base its verdict on it; docs/governance.md, "Evidence").
 */
export const EVIDENCE_FIELDS = [
  ...EDITABLE_EVIDENCE,
  "artifacts",
] as const satisfies readonly (keyof VersionRecord)[];

/** SHA-256 of the version's evidence fields as canonical JSON (object keys sorted). */
export function evidenceDigest(version: VersionRecord): string {
  const evidence = Object.fromEntries(
    EVIDENCE_FIELDS.map((field) => [field, field === "artifacts" ? artifactFacts(version) : version[field]]),
  );
  return `sha256:${createHash("sha256").update(canonical(evidence)).digest("hex")}`;
}

/** What validation checked: the version and the holder of the target stage, each by digest. */
export function snapshotOf(version: VersionRecord, holder: VersionRecord | undefined): EvidenceSnapshot {
  return {
    version: { version: version.version, rev: version.rev, digest: evidenceDigest(version) },
    holder: holder ? { version: holder.version, rev: holder.rev, digest: evidenceDigest(holder) } : null,
  };
}

/**
 * The evidence fields `input` may not change on `version` now, and why; undefined when the edit
 * is allowed.
 */
export function frozenEvidence(
  model: ModelRecord,
  version: VersionRecord,
  input: UpdateVersionInput,
): { fields: string[]; why: string } | undefined {
  const fields = EDITABLE_EVIDENCE.filter((field) => input[field] !== undefined);
  if (fields.length === 0) return undefined;
  const open = Object.entries(model.openTransitions ?? {}).filter(([key]) =>
    key.startsWith(`${version.version}:`),
  );
  if (open.length > 0) {
    const ids = open.map(([key, id]) => `${id} (to ${key.slice(key.indexOf(":") + 1)})`).join(", ");
    return {
      fields,
      why: `it has an open transition request, ${ids}, whose validation checks them: cancel the request, edit, and request again`,
    };
  }
  const held = EXCLUSIVE_STAGES.find((stage) => holderOf(model, stage) === version.version);
  if (held) {
    return {
      fields,
      why: `it holds ${held}, which it entered on that evidence: create a new version and promote it instead`,
    };
  }
  return undefined;
}

function artifactFacts(version: VersionRecord) {
  return version.artifacts.map((a) => ({ path: a.path, size: a.size, sha256: a.sha256 }));
}

function canonical(value: unknown): string {
  if (value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
