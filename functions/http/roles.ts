/**
 * The rights the platform team hands out, one IAM managed policy each (`lib/access-policies.ts`),
 * and the roles local principals play (`local/principals.ts`). Which routes a role may call is
 * written on each route in `route-table.ts`; this module only names the roles, so both the
 * Lambda code and the CDK app can import it without pulling in the other.
 *
 * `governor` sets the rules (a model's promotion policy, `PUT /models/{model}/policy`) and
 * nothing else: the publisher whose promotions a policy governs cannot change it.
 */
export const registryRoles = ["reader", "publisher", "approver", "governor", "admin"] as const;
export type RegistryRole = (typeof registryRoles)[number];

export function isRegistryRole(value: unknown): value is RegistryRole {
  return typeof value === "string" && (registryRoles as readonly string[]).includes(value);
}
