import { createApiHandler } from "#http/api.ts";
import { openApiDocument } from "#http/openapi.ts";
import { serviceOperations } from "#http/operations/service.ts";
import { isRegistryRole } from "#http/roles.ts";

export const handler = createApiHandler("service", serviceOperations, {
  health: async () => ({ body: { status: "ok" } }),
  getOpenApi: async () => ({ body: openApiDocument() }),
  // In AWS, IAM decides each call from the managed policies attached to the caller, which the
  // registry cannot see: `roles` is null there. The local gateway passes the role its principal
  // plays in `requestContext.authorizer` (which no client can set: API Gateway fills it only
  // from an authorizer, and IAM-authorized routes have none).
  whoami: async ({ ctx, event }) => {
    const role: unknown = event.requestContext.authorizer?.registryRole;
    return {
      body: {
        arn: ctx.actor,
        account: event.requestContext.identity?.accountId ?? null,
        roles: isRegistryRole(role) ? [role] : null,
      },
    };
  },
});
