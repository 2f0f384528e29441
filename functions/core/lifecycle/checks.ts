/**
 * The checks of a transition's validation, as pure functions of the version, the stage's
 * requirements (as they were when the request was made) and the version now holding the target
 * stage. Each check says what was expected and what was found, so a FAILED report explains itself.
 */

import type * as z from "zod/mini";
import { compareVersions } from "../compare.ts";
import type { TransitionRecord, VersionRecord } from "../records.ts";
import type { StageRequirements, ValidationCheck } from "../schemas.ts";
import { STAGES_REQUIRING_READY, type StageName } from "./stages.ts";

type Requirements = z.infer<typeof StageRequirements>;

export function stageChecks(
  transition: Pick<TransitionRecord, "from" | "to" | "kind" | "requirements" | "floorRequirements">,
  version: VersionRecord,
  holder: VersionRecord | undefined,
): ValidationCheck[] {
  const checks: ValidationCheck[] = [
    {
      check: "stage",
      expected: `the version is still in ${transition.from}`,
      actual: version.stage,
      passed: version.stage === transition.from,
    },
  ];
  if (STAGES_REQUIRING_READY.includes(transition.to as StageName)) {
    checks.push({
      check: "status",
      expected: "READY (sealed: every artifact verified)",
      actual: version.status,
      passed: version.status === "READY",
    });
  }
  const requirements = transition.requirements;
  if (transition.kind === "rollback") {
    // A rollback restores a version that met the stage's requirements when it held the stage;
    // the requirements may have tightened since, and an incident is no time to re-litigate them.
    // Approvals still apply (README, "Rollback"), and so does the organisation's floor: a former
    // holder that entered under a weaker policy does not come back below the floor.
    if (requirements) {
      checks.push({
        check: "requirements",
        expected: "skipped: a rollback restores a former holder (the policy floor still applies)",
        actual: "skipped",
        passed: true,
      });
    }
    const floor = transition.floorRequirements;
    return floor ? [...checks, ...requirementChecks(floor, version, holder).map(asFloorCheck)] : checks;
  }
  if (!requirements) return checks;
  return [...checks, ...requirementChecks(requirements, version, holder)];
}

function requirementChecks(
  requirements: Requirements,
  version: VersionRecord,
  holder: VersionRecord | undefined,
): ValidationCheck[] {
  const checks: ValidationCheck[] = [];
  for (const [metric, range] of Object.entries(requirements.metrics ?? {})) {
    const value = Object.hasOwn(version.metrics, metric) ? version.metrics[metric] : undefined;
    const expected =
      range.min !== undefined && range.max !== undefined
        ? `between ${range.min} and ${range.max}`
        : range.min !== undefined
          ? `>= ${range.min}`
          : `<= ${range.max}`;
    const passed =
      value !== undefined &&
      (range.min === undefined || value >= range.min) &&
      (range.max === undefined || value <= range.max);
    checks.push({
      check: `metrics.${metric}`,
      expected,
      actual: value === undefined ? "missing" : String(value),
      passed,
    });
  }
  if (requirements.signature) {
    checks.push(presence("signature", version.signature !== undefined));
  }
  if (requirements.modelCard) {
    checks.push(presence("modelCard", version.modelCard !== undefined && version.modelCard.length > 0));
  }
  for (const field of requirements.lineage ?? []) {
    const value = version.lineage?.[field];
    const present = Array.isArray(value) ? value.length > 0 : value !== undefined && value !== "";
    checks.push(presence(`lineage.${field}`, present));
  }
  for (const tag of requirements.tags ?? []) {
    checks.push(presence(`tags.${tag}`, Object.hasOwn(version.tags, tag)));
  }
  if (requirements.compatibleSignature) checks.push(signatureCheck(version, holder));
  return checks;
}

const asFloorCheck = (check: ValidationCheck): ValidationCheck => ({
  ...check,
  check: `floor.${check.check}`,
});

function presence(check: string, present: boolean): ValidationCheck {
  return { check, expected: "present", actual: present ? "present" : "missing", passed: present };
}

/** No breaking signature change against the version now holding the target stage. */
function signatureCheck(version: VersionRecord, holder: VersionRecord | undefined): ValidationCheck {
  if (!holder || holder.version === version.version) {
    return {
      check: "compatibleSignature",
      expected: "no breaking signature change against the current holder",
      actual: "no other version holds the stage",
      passed: true,
    };
  }
  const { signature } = compareVersions(holder, version);
  const breaking = signature.changes.filter((c) => c.breaking);
  return {
    check: "compatibleSignature",
    expected: `no breaking signature change against version ${holder.version}`,
    actual:
      breaking.length === 0
        ? "compatible"
        : `breaking: ${breaking.map((c) => `${c.side}.${c.name} ${c.change}`).join(", ")}`,
    passed: breaking.length === 0,
  };
}
