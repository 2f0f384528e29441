/**
 * The deployment's governance settings, parsed and checked: `policyFloor` (a policy every model
 * is held to) and `personBoundRoles` (roles whose session name AWS sets to a person's name). The
 * functions read them from `POLICY_FLOOR` and `PERSON_BOUND_ROLES` (JSON) at cold start, and the
 * CDK app checks the same values at synth (`lib/registry-config.ts`): one parser, so a setting
 * that synthesizes is one the functions accept. Imported only where a setting is given, so a
 * function without one does not build these schemas at cold start.
 */
import * as z from "zod/mini";
import type { Governance } from "./kernel/deps.ts";
import { policyFloorProblem } from "./lifecycle/policy.ts";
import { Policy } from "./schemas/models.ts";

export const PersonBoundRoleSetting = z.strictObject({
  role: z.string().check(z.regex(/^[\w+=,.@-]{1,64}\*?$/, { error: "a role name, optionally ending in *" })),
  account: z.string().check(z.regex(/^(\d{12}|\*)$/, { error: "a 12-digit account id, or * for any" })),
  source: z.enum(["identity-center", "iam-user-session"]),
  userAccount: z.optional(z.string().check(z.regex(/^\d{12}$/, { error: "a 12-digit account id" }))),
});

const issueOf = (error: z.core.$ZodError) => {
  const issue = error.issues[0];
  return `${issue?.path.length ? `${issue.path.join(".")}: ` : ""}${issue?.message ?? "invalid"}`;
};

/** Throws an error naming the setting and what to fix. */
export function parseGovernance(settings: { policyFloor?: unknown; personBoundRoles?: unknown }): Governance {
  const floor = Policy.safeParse(settings.policyFloor ?? {});
  if (!floor.success)
    throw new Error(
      `policyFloor: ${issueOf(floor.error)} (the floor is a policy, as PUT /models/{model}/policy takes)`,
    );
  const problem = policyFloorProblem(floor.data);
  if (problem) throw new Error(`policyFloor: ${problem}`);
  const roles = z.array(PersonBoundRoleSetting).safeParse(settings.personBoundRoles ?? []);
  if (!roles.success) {
    throw new Error(
      `personBoundRoles: ${issueOf(roles.error)} (each entry is {role, account, source: identity-center | iam-user-session, userAccount?})`,
    );
  }
  return { policyFloor: floor.data, personBoundRoles: roles.data };
}

/** From the functions' environment: `POLICY_FLOOR` and `PERSON_BOUND_ROLES`, JSON. */
export function governanceFromEnvironment(env: Record<string, string | undefined>): Governance {
  const json = (name: string): unknown => {
    const text = env[name]?.trim();
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${name} must be JSON`);
    }
  };
  return parseGovernance({ policyFloor: json("POLICY_FLOOR"), personBoundRoles: json("PERSON_BOUND_ROLES") });
}
