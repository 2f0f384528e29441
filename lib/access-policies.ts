import { Stack } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import { ManagedPolicy, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { type RegistryRole, registryRoles } from "#http/roles.ts";
import type { HttpMethod, RouteDefinition } from "#http/route-table.ts";
import { executeApiPath } from "./route-paths.ts";

/** One `execute-api:Invoke` permission: a method on the resource part of an execute-api ARN. */
export interface InvokePermission {
  method: HttpMethod;
  /** As in the ARN: each `{param}` of the route path becomes `*`. */
  resourcePath: string;
}

/**
 * What a role's policy grants: exactly the routes that list the role, as ARN parts. Several routes
 * can share one ARN (`{model}` and `{alias}` both become `*`), so each appears once.
 *
 * Admin is generated like the others rather than given one `*` wildcard. The route table is then
 * the only place that says what admin may do, local mode (which enforces the table) and IAM cannot
 * disagree, and a route that leaves admin out really keeps admin out. The cost is a longer policy,
 * still shorter than IAM's managed-policy limit for as long as the publisher's (almost as long) is.
 */
export function invokePermissions(
  role: RegistryRole,
  routes: readonly Pick<RouteDefinition, "method" | "path" | "roles">[],
): InvokePermission[] {
  const unique = new Map<string, InvokePermission>();
  for (const route of routes) {
    if (!route.roles.includes(role)) continue;
    const resourcePath = executeApiPath(route.path);
    unique.set(`${route.method} ${resourcePath}`, { method: route.method, resourcePath });
  }
  return [...unique.values()];
}

const descriptions: Record<RegistryRole, string> = {
  reader: "Model registry: read models, versions, aliases and history",
  publisher: "Model registry: read, and register models, versions and aliases (no approvals, no deletes)",
  approver: "Model registry: read, and approve or reject stage transitions",
  admin: "Model registry: every route, deletes included",
};

export interface RegistryAccessPoliciesProps {
  api: RestApi;
  routes: readonly RouteDefinition[];
}

/** One IAM managed policy per registry role, granting `execute-api:Invoke` on its routes. */
export class RegistryAccessPolicies extends Construct {
  readonly policies: Record<RegistryRole, ManagedPolicy>;

  constructor(scope: Construct, id: string, props: RegistryAccessPoliciesProps) {
    super(scope, id);
    const { api, routes } = props;
    const stage = api.deploymentStage.stageName;
    const stackName = Stack.of(this).stackName;

    const policy = (role: RegistryRole): ManagedPolicy => {
      const permissions = invokePermissions(role, routes);
      if (permissions.length === 0) {
        // IAM refuses a statement without resources; say which fact is missing instead.
        throw new Error(`no route in the route table lists the role '${role}': give it at least one route`);
      }
      return new ManagedPolicy(this, role, {
        // A stable, readable name so the platform team can attach it by name.
        managedPolicyName: `${stackName}-${role}`,
        description: descriptions[role],
        statements: [
          new PolicyStatement({
            actions: ["execute-api:Invoke"],
            resources: permissions.map((p) => api.arnForExecuteApi(p.method, p.resourcePath, stage)),
          }),
        ],
      });
    };

    this.policies = Object.fromEntries(registryRoles.map((role) => [role, policy(role)])) as Record<
      RegistryRole,
      ManagedPolicy
    >;
  }
}
