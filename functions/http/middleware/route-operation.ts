/**
 * Finds the operation this function serves for the request, by `event.resource` and
 * `event.httpMethod` exactly as API Gateway fills them in, and its implementation.
 */
import type { Implementations } from "../api.ts";
import { HttpError } from "../errors.ts";
import { type OperationId, operations } from "../operations.ts";
import { type RouteGroup, routes } from "../route-table.ts";
import { type ApiMiddleware, type ResolvedOperation, setState } from "./api-context.ts";

export function routeOperation(group: RouteGroup, implementations: Implementations): ApiMiddleware {
  const byKey = new Map<string, ResolvedOperation>();
  for (const route of routes) {
    if (route.group !== group) continue;
    const id = route.operationId as OperationId;
    const implementation = implementations[id] as ResolvedOperation["implementation"] | undefined;
    if (!implementation) continue;
    byKey.set(`${route.method} ${route.path}`, { id, spec: operations[id], route, implementation });
  }
  return {
    before: ({ event, context }) => {
      const operation = byKey.get(`${event.httpMethod} ${event.resource}`);
      if (!operation) {
        throw new HttpError(
          "RouteNotFound",
          `no route ${event.httpMethod} ${event.resource} in this function`,
        );
      }
      setState(context, "operation", operation);
    },
  };
}
