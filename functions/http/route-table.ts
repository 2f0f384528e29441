/**
 * Every HTTP route of the registry, as plain data.
 *
 * Read by: the CDK API construct (to create API Gateway resources and methods, and to decide
 * which Lambda function serves each route), the local API gateway (to route requests to the
 * same handlers), and the OpenAPI generator. Handlers live in `functions/entry-points/<group>.ts`
 * and export `handler`; a group is one Lambda function that dispatches on `event.resource` and
 * `event.httpMethod`, exactly as API Gateway fills them in.
 *
 * Each route also names the roles that may call it. The IAM managed policies are generated from
 * that (`lib/access-policies.ts`), local mode enforces it (`local/gateway.ts`), and the README's
 * role matrix is printed from it (`npm run docs`). `test/unit/http/route-roles.test.ts`
 * holds the table to the rules of API.md.
 */
import type { RegistryRole } from "./roles.ts";

export const routeGroups = ["service", "models", "versions", "aliases", "artifacts", "transitions"] as const;
export type RouteGroup = (typeof routeGroups)[number];

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * The function of a route: a native route group, or `mlflow`, the MLflow-compatible routes
 * (`functions/mlflow/routes.ts`), which are served by a function of their own over the same core
 * and are not part of the OpenAPI document (MLflow's REST API describes them).
 */
export type FunctionGroup = RouteGroup | "mlflow";

export interface RouteDefinition<G extends FunctionGroup = RouteGroup> {
  method: HttpMethod;
  /** API Gateway resource path, with `{param}` placeholders (`{param+}` for greedy). */
  path: string;
  group: G;
  operationId: string;
  summary: string;
  /**
   * Who may call the route. Written out in full on every route, `admin` included, so that a new
   * route grants nobody anything until its author decides who gets it.
   */
  roles: readonly RegistryRole[];
  /** Local mode only: served without a signature (in AWS every route uses IAM auth). */
  localUnauthenticated?: boolean;
}

export const routes: readonly RouteDefinition[] = [
  {
    method: "GET",
    path: "/health",
    group: "service",
    operationId: "health",
    summary: "Liveness check",
    roles: ["reader", "publisher", "approver", "governor", "admin"],
    localUnauthenticated: true,
  },
  {
    method: "GET",
    path: "/whoami",
    group: "service",
    operationId: "whoami",
    summary:
      "The caller's IAM principal ARN, its account, and (where the gateway knows them) its registry roles",
    roles: ["reader", "publisher", "approver", "governor", "admin"],
  },
  {
    method: "GET",
    path: "/openapi.json",
    group: "service",
    operationId: "getOpenApi",
    summary: "The OpenAPI 3.1 document",
    roles: ["reader", "publisher", "approver", "governor", "admin"],
  },

  {
    method: "POST",
    path: "/models",
    group: "models",
    operationId: "createModel",
    summary: "Register a model",
    roles: ["publisher", "admin"],
  },
  {
    method: "GET",
    path: "/models",
    group: "models",
    operationId: "listModels",
    summary: "List models",
    roles: ["reader", "publisher", "approver", "governor", "admin"],
  },
  {
    method: "GET",
    path: "/models/{model}",
    group: "models",
    operationId: "getModel",
    summary: "Get a model",
    roles: ["reader", "publisher", "approver", "governor", "admin"],
  },
  {
    method: "PATCH",
    path: "/models/{model}",
    group: "models",
    operationId: "updateModel",
    summary: "Update a model's description, owner or tags",
    roles: ["publisher", "admin"],
  },
  // The rules that govern a model's promotions are a resource of their own, so that IAM (which
  // decides per route, not per field) keeps them from the publisher whose promotions they govern.
  {
    method: "GET",
    path: "/models/{model}/policy",
    group: "models",
    operationId: "getModelPolicy",
    summary: "A model's policy, the organisation's floor, and the policy in force with its digest",
    roles: ["reader", "publisher", "approver", "governor", "admin"],
  },
  {
    method: "PUT",
    path: "/models/{model}/policy",
    group: "models",
    operationId: "setModelPolicy",
    summary: "Replace a model's promotion policy (governor, admin)",
    roles: ["governor", "admin"],
  },
  {
    method: "DELETE",
    path: "/models/{model}",
    group: "models",
    operationId: "deleteModel",
    summary: "Delete a model and its versions",
    roles: ["admin"],
  },
  {
    method: "GET",
    path: "/models/{model}/history",
    group: "models",
    operationId: "listHistory",
    summary: "A model's history, newest first",
    roles: ["reader", "publisher", "approver", "governor", "admin"],
  },

  {
    method: "POST",
    path: "/models/{model}/versions",
    group: "versions",
    operationId: "createVersion",
    summary: "Create a model version",
    roles: ["publisher", "admin"],
  },
  {
    method: "GET",
    path: "/models/{model}/versions",
    group: "versions",
    operationId: "listVersions",
    summary: "List a model's versions, newest first",
    roles: ["reader", "publisher", "approver", "governor", "admin"],
  },
  {
    method: "GET",
    path: "/models/{model}/versions/{version}",
    group: "versions",
    operationId: "getVersion",
    summary: "Get a model version",
    roles: ["reader", "publisher", "approver", "governor", "admin"],
  },
  {
    method: "PATCH",
    path: "/models/{model}/versions/{version}",
    group: "versions",
    operationId: "updateVersion",
    summary: "Update a version's editable fields",
    roles: ["publisher", "admin"],
  },
  {
    method: "GET",
    path: "/models/{model}/versions/{version}/compare/{other}",
    group: "versions",
    operationId: "compareVersions",
    summary: "Compare two versions",
    roles: ["reader", "publisher", "approver", "governor", "admin"],
  },

  {
    method: "PUT",
    path: "/models/{model}/aliases/{alias}",
    group: "aliases",
    operationId: "setAlias",
    summary: "Point an alias at a version",
    roles: ["publisher", "admin"],
  },
  {
    method: "GET",
    path: "/models/{model}/aliases/{alias}",
    group: "aliases",
    operationId: "getAlias",
    summary: "Resolve an alias",
    roles: ["reader", "publisher", "approver", "governor", "admin"],
  },
  {
    method: "DELETE",
    path: "/models/{model}/aliases/{alias}",
    group: "aliases",
    operationId: "deleteAlias",
    summary: "Delete an alias",
    roles: ["admin"],
  },

  // Artifact paths contain '/', and API Gateway allows a greedy `{path+}` only as the last part
  // of a resource path: so uploads and completion name the artifact in the body, and only the
  // downloads (GET, no body) carry it in the path. See the README's design decisions.
  {
    method: "POST",
    path: "/models/{model}/versions/{version}/uploads",
    group: "artifacts",
    operationId: "requestUploadUrls",
    summary: "Fresh upload URLs for an artifact (resume a multipart upload, or URLs expired)",
    roles: ["publisher", "admin"],
  },
  {
    method: "POST",
    path: "/models/{model}/versions/{version}/uploads/complete",
    group: "artifacts",
    operationId: "completeUpload",
    summary: "Complete an artifact's multipart upload",
    roles: ["publisher", "admin"],
  },
  {
    method: "POST",
    path: "/models/{model}/versions/{version}/seal",
    group: "artifacts",
    operationId: "sealVersion",
    summary:
      "Seal a version: verify every artifact; READY at once, or VERIFYING while the registry hashes them",
    roles: ["publisher", "admin"],
  },
  {
    method: "POST",
    path: "/models/{model}/versions/{version}/abandon",
    group: "artifacts",
    operationId: "abandonVersion",
    summary:
      "Abandon an unsealed version (PENDING_UPLOAD or FAILED): ABANDONED for good, its multipart uploads aborted, its number never reused",
    roles: ["publisher", "admin"],
  },
  {
    method: "GET",
    path: "/models/{model}/versions/{version}/artifacts/{path+}",
    group: "artifacts",
    operationId: "getArtifact",
    summary: "A download URL of a sealed artifact",
    roles: ["reader", "publisher", "approver", "governor", "admin"],
  },
  {
    method: "GET",
    path: "/models/{model}/aliases/{alias}/artifacts/{path+}",
    group: "artifacts",
    operationId: "getAliasArtifact",
    summary: "A download URL of an artifact of the version an alias points at",
    roles: ["reader", "publisher", "approver", "governor", "admin"],
  },
  // Stage transitions. Approve and reject are the approver's (and the admin's) and nobody
  // else's; cancel is the requester's own (publisher), DELETE is the admin's cancel of any.
  {
    method: "POST",
    path: "/models/{model}/versions/{version}/transitions",
    group: "transitions",
    operationId: "requestTransition",
    summary:
      "Request a move of a version to another stage (validated, approved where the policy says, then applied)",
    roles: ["publisher", "admin"],
  },
  {
    method: "GET",
    path: "/models/{model}/versions/{version}/transitions",
    group: "transitions",
    operationId: "listVersionTransitions",
    summary: "A version's transition requests, newest first",
    roles: ["reader", "publisher", "approver", "governor", "admin"],
  },
  {
    method: "GET",
    path: "/models/{model}/transitions",
    group: "transitions",
    operationId: "listTransitions",
    summary: "A model's transition requests, newest first",
    roles: ["reader", "publisher", "approver", "governor", "admin"],
  },
  {
    method: "GET",
    path: "/models/{model}/transitions/{transition}",
    group: "transitions",
    operationId: "getTransition",
    summary: "A transition request, with its validation report and approvals",
    roles: ["reader", "publisher", "approver", "governor", "admin"],
  },
  {
    method: "POST",
    path: "/models/{model}/transitions/{transition}/approve",
    group: "transitions",
    operationId: "approveTransition",
    summary: "Approve a transition awaiting approval (not your own, unless the policy allows it)",
    roles: ["approver", "admin"],
  },
  {
    method: "POST",
    path: "/models/{model}/transitions/{transition}/reject",
    group: "transitions",
    operationId: "rejectTransition",
    summary: "Reject a transition awaiting approval (a comment is required)",
    roles: ["approver", "admin"],
  },
  {
    method: "POST",
    path: "/models/{model}/transitions/{transition}/cancel",
    group: "transitions",
    operationId: "cancelTransition",
    summary: "Cancel your own open transition request",
    roles: ["publisher", "admin"],
  },
  {
    method: "DELETE",
    path: "/models/{model}/transitions/{transition}",
    group: "transitions",
    operationId: "forceCancelTransition",
    summary: "Cancel anyone's open transition request (admin)",
    roles: ["admin"],
  },
  {
    method: "GET",
    path: "/approvals",
    group: "transitions",
    operationId: "listApprovals",
    summary: "Transitions awaiting approval across every model, oldest first (an approver's queue)",
    roles: ["reader", "publisher", "approver", "governor", "admin"],
  },
  {
    method: "POST",
    path: "/models/{model}/rollback",
    group: "transitions",
    operationId: "rollback",
    summary: "Request the previous holder of a stage back into it (same workflow and policy)",
    roles: ["publisher", "admin"],
  },
  {
    method: "GET",
    path: "/models/{model}/stages/{stage}/history",
    group: "transitions",
    operationId: "getStageHistory",
    summary: "Which version held a stage, from when to when, moved by whom (newest first)",
    roles: ["reader", "publisher", "approver", "governor", "admin"],
  },
];
