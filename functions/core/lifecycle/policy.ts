/**
 * The rules in force: a model's own policy (set only through `PUT /models/{model}/policy`, the
 * governor's and the admin's route) combined with the organisation's floor (`policyFloor`, from
 * the deployment's configuration). Every check uses the stricter of the two, so a model without a
 * policy, or with a weaker one, is still held to the floor.
 *
 * Pure functions: the digest that names a policy on every transition, tenure and stage-change
 * event, and the list of ways one policy is weaker than another (recorded when a policy changes).
 */
import { createHash } from "node:crypto";
import type * as z from "zod/mini";
import type { Policy, StageRequirements } from "../schemas.ts";

export type PolicyValue = z.infer<typeof Policy>;
type Requirements = z.infer<typeof StageRequirements>;
type PolicyStage = "staging" | "production" | "archived";
const POLICY_STAGES: readonly PolicyStage[] = ["staging", "production", "archived"];

/**
 * The stricter of two policies, field by field: the larger number of approvals, self-approval
 * only where both allow it, every required field and tag of either, and for each metric the
 * narrower range. `demoteProductionTo` and `customValidation` are the model's own (the floor
 * cannot hold them: `policyFloorProblem`).
 */
export function stricterPolicy(floor: PolicyValue, model: PolicyValue): PolicyValue {
  const approvals: NonNullable<PolicyValue["approvals"]> = {};
  const requirements: NonNullable<PolicyValue["requirements"]> = {};
  for (const stage of POLICY_STAGES) {
    const a = floor.approvals?.[stage];
    const b = model.approvals?.[stage];
    if (a || b) {
      approvals[stage] = {
        required: Math.max(a?.required ?? 0, b?.required ?? 0),
        allowSelfApproval: (a?.allowSelfApproval ?? true) && (b?.allowSelfApproval ?? true),
      };
    }
    const merged = stricterRequirements(floor.requirements?.[stage], model.requirements?.[stage]);
    if (merged) requirements[stage] = merged;
  }
  return {
    ...(Object.keys(approvals).length > 0 && { approvals }),
    ...(Object.keys(requirements).length > 0 && { requirements }),
    ...(model.demoteProductionTo !== undefined && { demoteProductionTo: model.demoteProductionTo }),
  };
}

function stricterRequirements(
  a: Requirements | undefined,
  b: Requirements | undefined,
): Requirements | undefined {
  if (!a) return b;
  if (!b) return a;
  const metrics: NonNullable<Requirements["metrics"]> = {};
  for (const name of new Set([...Object.keys(a.metrics ?? {}), ...Object.keys(b.metrics ?? {})])) {
    const x = a.metrics && Object.hasOwn(a.metrics, name) ? a.metrics[name] : undefined;
    const y = b.metrics && Object.hasOwn(b.metrics, name) ? b.metrics[name] : undefined;
    const mins = [x?.min, y?.min].filter((v): v is number => v !== undefined);
    const maxes = [x?.max, y?.max].filter((v): v is number => v !== undefined);
    metrics[name] = {
      ...(mins.length > 0 && { min: Math.max(...mins) }),
      ...(maxes.length > 0 && { max: Math.min(...maxes) }),
    };
  }
  const union = <T>(p: readonly T[] | undefined, q: readonly T[] | undefined) =>
    p || q ? [...new Set([...(p ?? []), ...(q ?? [])])] : undefined;
  const lineage = union(a.lineage, b.lineage);
  const tags = union(a.tags, b.tags);
  const custom = b.customValidation ?? a.customValidation;
  return {
    ...(Object.keys(metrics).length > 0 && { metrics }),
    ...((a.signature || b.signature) && { signature: true }),
    ...((a.modelCard || b.modelCard) && { modelCard: true }),
    ...(lineage && { lineage }),
    ...(tags && { tags }),
    ...((a.compatibleSignature || b.compatibleSignature) && { compatibleSignature: true }),
    ...(custom && { customValidation: custom }),
  };
}

/** What the floor may not hold, in words (undefined: it is a valid floor). */
export function policyFloorProblem(floor: PolicyValue): string | undefined {
  if (floor.demoteProductionTo !== undefined) {
    return "demoteProductionTo is a model's own choice, not a minimum: remove it from the floor";
  }
  for (const stage of POLICY_STAGES) {
    if (floor.requirements?.[stage]?.customValidation) {
      return `requirements.${stage}.customValidation cannot be part of the floor (a model's policy names its own function): remove it`;
    }
  }
  return undefined;
}

/** JSON with every object's keys sorted: one text per policy, whatever order it was written in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * `sha256:<hex>` of the policy's canonical JSON (defaults filled in: `allowSelfApproval: false`
 * and an absent one name the same rule). The digest on a transition, a tenure or a stage-change
 * event is the *effective* policy's (floor and model combined): `GET /models/{model}/policy`
 * answers the same digest while that policy is in force.
 */
export function policyDigest(policy: PolicyValue): string {
  return `sha256:${createHash("sha256")
    .update(canonical(normalised(policy)))
    .digest("hex")}`;
}

function normalised(policy: PolicyValue): PolicyValue {
  return stricterPolicy({}, policy);
}

/**
 * Every way `after` is weaker than `before`, in words (empty: not weaker anywhere). Recorded on
 * the history entry of a policy change, so a weakening is never silent.
 */
export function weakenings(before: PolicyValue, after: PolicyValue): string[] {
  const found: string[] = [];
  for (const stage of POLICY_STAGES) {
    const a = before.approvals?.[stage];
    const b = after.approvals?.[stage];
    if ((b?.required ?? 0) < (a?.required ?? 0)) {
      found.push(`approvals.${stage}.required ${a?.required ?? 0} → ${b?.required ?? 0}`);
    }
    if ((a?.required ?? 0) > 0 && !(a?.allowSelfApproval ?? false) && (b?.allowSelfApproval ?? false)) {
      found.push(`approvals.${stage}.allowSelfApproval false → true`);
    }
    const r = before.requirements?.[stage];
    const s = after.requirements?.[stage];
    if (!r) continue;
    for (const [name, range] of Object.entries(r.metrics ?? {})) {
      const next = s?.metrics && Object.hasOwn(s.metrics, name) ? s.metrics[name] : undefined;
      if (range.min !== undefined && (next?.min === undefined || next.min < range.min)) {
        found.push(`requirements.${stage}.metrics.${name}.min ${range.min} → ${next?.min ?? "none"}`);
      }
      if (range.max !== undefined && (next?.max === undefined || next.max > range.max)) {
        found.push(`requirements.${stage}.metrics.${name}.max ${range.max} → ${next?.max ?? "none"}`);
      }
    }
    for (const flag of ["signature", "modelCard", "compatibleSignature"] as const) {
      if (r[flag] && !s?.[flag]) found.push(`requirements.${stage}.${flag} true → false`);
    }
    for (const field of r.lineage ?? []) {
      if (!s?.lineage?.includes(field))
        found.push(`requirements.${stage}.lineage no longer requires ${field}`);
    }
    for (const tag of r.tags ?? []) {
      if (!s?.tags?.includes(tag)) found.push(`requirements.${stage}.tags no longer requires ${tag}`);
    }
    if (r.customValidation && r.customValidation.functionArn !== s?.customValidation?.functionArn) {
      found.push(
        `requirements.${stage}.customValidation ${r.customValidation.functionArn} removed or replaced`,
      );
    }
  }
  return found;
}
