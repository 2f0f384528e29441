/**
 * Finds the operation this function serves for the request, by `event.resource` and
 * `event.httpMethod` exactly as API Gateway fills them in, and its implementation.
 */

import { HttpError } from "../errors.ts";
import type { Implementations, OperationSpecs } from "../implementations.ts";
import type { OperationId } from "../operations.ts";
import { type RouteGroup, routes } from "../route-table.ts";
import { type ApiMiddleware, type ResolvedOperation, setState } from "./api-context.ts";

/** `specs` are the group's own: looking them up in the merged `operations` would bundle every group's. */
export function routeOperation<S extends OperationSpecs>(
  group: RouteGroup,
  specs: S,
  implementations: Implementations<S>,
): ApiMiddleware {
  const byKey = new Map<string, ResolvedOperation>();
  for (const route of routes) {
    if (route.group !== group) continue;
    const id = route.operationId as OperationId;
    const spec = specs[id];
    const implementation = (
      implementations as Record<string, ResolvedOperation["implementation"] | undefined>
    )[id];
    if (!spec) continue;
    // The type requires every implementation; a JavaScript caller could still leave one out.
    if (!implementation) throw new Error(`the ${group} function has no implementation of ${id}`);
    byKey.set(`${route.method} ${route.path}`, { id, spec, route, implementation });
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
