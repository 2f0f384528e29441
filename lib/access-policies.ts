import { Stack } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import { ManagedPolicy, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import type { HttpMethod, RouteDefinition } from "#http/route-table.ts";
import { executeApiPath } from "./route-paths.ts";

/** The four rights the platform team hands out by attaching a managed policy to a role. */
export const registryRoles = ["reader", "publisher", "approver", "admin"] as const;
export type RegistryRole = (typeof registryRoles)[number];

/** One `execute-api:Invoke` permission, in route-table terms. */
export interface RoutePermission {
  method: HttpMethod;
  path: string;
}

/**
 * Approving or rejecting a stage transition. These routes are not in the route table yet; the
 * approver's right to them is declared now so the policies need no change when they land.
 */
export const approvalDecisionRoutes: readonly RoutePermission[] = [
  { method: "POST", path: "/models/{model}/transitions/{id}/approve" },
  { method: "POST", path: "/models/{model}/transitions/{id}/reject" },
];

const writeMethods: ReadonlySet<HttpMethod> = new Set(["POST", "PUT", "PATCH"]);

function isApprovalDecision(route: RoutePermission): boolean {
  return route.method === "POST" && /\/transitions\/\{[^}/]+\}\/(approve|reject)$/.test(route.path);
}

/**
 * The routes a role may call, derived from the route table so policies follow the routes.
 * - reader: every GET.
 * - publisher: reader, plus POST/PUT/PATCH under `/models` (models, versions, aliases and
 *   what hangs off them), except approval decisions: publishing must not imply approving.
 *   No DELETE.
 * - approver: reader, plus approval decisions.
 * - admin: everything (not listed here: it is one wildcard).
 */
export function routePermissions(
  role: Exclude<RegistryRole, "admin">,
  routes: readonly RoutePermission[],
): RoutePermission[] {
  const reads = routes.filter((route) => route.method === "GET");
  switch (role) {
    case "reader":
      return reads;
    case "publisher":
      return [
        ...reads,
        ...routes.filter(
          (route) =>
            writeMethods.has(route.method) &&
            (route.path === "/models" || route.path.startsWith("/models/")) &&
            !isApprovalDecision(route),
        ),
      ];
    case "approver":
      return [...reads, ...routes.filter(isApprovalDecision), ...approvalDecisionRoutes];
  }
}

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

    const policy = (role: RegistryRole, description: string, resources: string[]): ManagedPolicy =>
      new ManagedPolicy(this, role, {
        // A stable, readable name so the platform team can attach it by name.
        managedPolicyName: `${stackName}-${role}`,
        description,
        statements: [new PolicyStatement({ actions: ["execute-api:Invoke"], resources })],
      });

    const arnsFor = (role: Exclude<RegistryRole, "admin">): string[] => {
      // Several routes can share one ARN (`{model}` and `{alias}` both become `*`).
      const unique = new Map<string, RoutePermission>();
      for (const route of routePermissions(role, routes)) {
        unique.set(`${route.method} ${executeApiPath(route.path)}`, route);
      }
      return [...unique.values()].map((route) =>
        api.arnForExecuteApi(route.method, executeApiPath(route.path), stage),
      );
    };

    this.policies = {
      reader: policy(
        "reader",
        "Model registry: read models, versions, aliases and history",
        arnsFor("reader"),
      ),
      publisher: policy(
        "publisher",
        "Model registry: read, and register models, versions and aliases (no approvals, no deletes)",
        arnsFor("publisher"),
      ),
      approver: policy(
        "approver",
        "Model registry: read, and approve or reject stage transitions",
        arnsFor("approver"),
      ),
      admin: policy("admin", "Model registry: every route", [api.arnForExecuteApi("*", "/*", stage)]),
    };
  }
}
