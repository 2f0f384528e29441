/**
 * What a refused call is told, in one place for both gateways: API Gateway's ACCESS_DENIED
 * gateway response in AWS (`lib/registry-api.ts`, a template of plain `$context` substitutions,
 * so it names the route but cannot know its roles) and the local gateway (`local/gateway.ts`,
 * which knows both). IAM's own sentence goes into `details.iam`; the message says what to do.
 */

/** The OpenAPI extension on every operation that lists the roles that may call it. */
export const ROLES_EXTENSION = "x-registry-roles";

/** Where a caller reads the roles of every route. */
export const WHERE_ROLES_ARE_LISTED = `GET /openapi.json lists the roles that may call each operation (${ROLES_EXTENSION}), as does docs/http-api.md#roles`;

/** The route as API Gateway names it (`$context.httpMethod $context.resourcePath`): `GET /models/{name}`. */
export interface DeniedRoute {
  method: string;
  path: string;
}

/**
 * The message of a 403 `AccessDenied`. With the roles (local mode): which roles may call the
 * route and which the caller plays. Without (AWS): where the roles are listed.
 */
export function accessDeniedMessage(
  route: DeniedRoute,
  roles?: { allowed: readonly string[]; callerPlays: string },
): string {
  const who = roles
    ? `may be called by the roles ${roles.allowed.join(", ")}; this principal plays ${roles.callerPlays}: sign with a principal that plays one of them`
    : "may not be called by this principal, whose IAM policy grants no role that may call it: sign with a principal granted one of those roles (docs/deploying.md#granting-access-notebooks-a-deploy-pipeline-approvers-governors)";
  return `${route.method} ${route.path} ${who}. ${WHERE_ROLES_ARE_LISTED}.`;
}

/** `details` of a 403 `AccessDenied`: the route, and IAM's sentence as it said it. */
export function accessDeniedDetails(route: DeniedRoute, iamMessage: string) {
  return { route: `${route.method} ${route.path}`, iam: iamMessage };
}
