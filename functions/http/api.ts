/**
 * Turns typed operation implementations into an API Gateway (REST, proxy) Lambda handler: a
 * middy chain with one middleware per job (`./middleware/`), so an implementation is only
 * business logic: it receives validated input and the request context, and returns a body.
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { traceInvocations } from "#adapters/tracing.ts";
import { logger } from "#composition/logger.ts";
import { ValidationError } from "#core/errors.ts";
import {
  type ApiReply,
  type ApiRequest,
  type Implementations,
  type OperationSpecs,
  replyOf,
} from "./implementations.ts";
import type { ApiContext, ApiResult } from "./middleware/api-context.ts";
import { stateOf } from "./middleware/api-context.ts";
import { httpErrors } from "./middleware/http-errors.ts";
import { httpResponse } from "./middleware/http-response.ts";
import { idempotencyKey } from "./middleware/idempotency-key.ts";
import { ifMatch } from "./middleware/if-match.ts";
import { parseInput } from "./middleware/parse-input.ts";
import { requestContext } from "./middleware/request-context.ts";
import { routeOperation } from "./middleware/route-operation.ts";
import { type ApiHandler, type UsageMeter, withUsageHeaders } from "./middleware/usage-headers.ts";
import type { OperationSpec } from "./operations/spec.ts";
import type { RouteGroup } from "./route-table.ts";
import { requestMetrics } from "./telemetry.ts";

export type { ApiHandler, ApiReply, ApiRequest, Implementations, OperationSpecs, UsageMeter };
export { replyOf };

export interface ApiHandlerOptions {
  /** Measures what each request cost in storage calls and reports it in response headers. */
  meter?: UsageMeter | undefined;
}

/**
 * `specs` are the group's own (`./operations/<group>.ts`), not the merged `operations`: the
 * handler's bundle then carries no other group's specs or schemas. They also type the
 * implementations, so each must be one of the group's operations.
 */
export function createApiHandler<S extends OperationSpecs>(
  group: RouteGroup,
  specs: S,
  implementations: NoInfer<Implementations<S>>,
  options: ApiHandlerOptions = {},
): ApiHandler {
  const operation = async (event: APIGatewayProxyEvent, context: ApiContext): Promise<ApiResult> => {
    const { implementation } = stateOf(context, "operation");
    const { params, query, body } = stateOf(context, "input");
    const ctx = stateOf(context, "ctx");
    return implementation({ params, query, body, ctx, event } as ApiRequest<OperationSpec>).catch(
      (error: unknown) => {
        // A use case names fields of its input as the domain does; here the input is the body.
        if (error instanceof ValidationError && error.scope === "input") throw error.locatedIn("body");
        throw error;
      },
    );
  };

  // `before` runs top to bottom; `after` and `onError` bottom to top. So `httpErrors` maps an
  // error while the logger still has the request's keys, and `injectLambdaContext` resets them last.
  const chain = middy<APIGatewayProxyEvent, ApiResult, Error, ApiContext>(operation)
    .use(traceInvocations())
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(requestMetrics())
    .use(httpErrors(logger))
    .use(httpResponse())
    .use(routeOperation(group, specs, implementations))
    .use(parseInput())
    .use(requestContext(logger))
    .use(idempotencyKey())
    .use(ifMatch());

  // After `httpErrors` and `httpResponse`, the response is always a proxy result.
  const handler = chain as unknown as ApiHandler;
  return options.meter ? withUsageHeaders(handler, options.meter) : handler;
}
