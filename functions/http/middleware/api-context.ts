/**
 * What the middlewares of `createApiHandler` hand to each other and to the operation: one typed
 * field, `context.api`, on the Lambda context middy passes along (the middy way to type what
 * middlewares add). Each middleware sets its part; `stateOf` reads a part and fails loudly if the
 * middleware that sets it was left out of the chain or put after its reader.
 */
import type { MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import type { RequestContext } from "#core/kernel/context.ts";
import type { ApiReply, ApiRequest } from "../implementations.ts";
import type { OperationId, OperationSpec } from "../operations.ts";
import type { RouteDefinition } from "../route-table.ts";

export interface ResolvedOperation {
  id: OperationId;
  spec: OperationSpec;
  route: RouteDefinition;
  implementation: (request: ApiRequest<OperationSpec>) => Promise<ApiReply>;
}

interface ParsedInput {
  params: unknown;
  query: unknown;
  body: unknown;
  /** The request body as parsed JSON, before the schema (defaults, transforms) touched it. */
  json: unknown;
}

interface ApiState {
  /** Set by `routeOperation`. */
  operation: ResolvedOperation;
  /** Set by `parseInput`. */
  input: ParsedInput;
  /** Set by `requestContext`; `idempotencyKey` and `ifMatch` add to it. */
  ctx: RequestContext;
}

export type ApiContext = Context & { api?: Partial<ApiState> };

/** The operation returns an `ApiReply`; `httpResponse` turns it into the proxy result. */
export type ApiResult = ApiReply | APIGatewayProxyResult;

export type ApiMiddleware = MiddlewareObj<APIGatewayProxyEvent, ApiResult, Error, ApiContext>;

export function stateOf<K extends keyof ApiState>(context: ApiContext, key: K): ApiState[K] {
  const value = context.api?.[key];
  if (value === undefined) {
    throw new Error(`context.api.${key} is not set: the middleware that sets it must come earlier`);
  }
  return value as ApiState[K];
}

export function setState<K extends keyof ApiState>(context: ApiContext, key: K, value: ApiState[K]): void {
  context.api ??= {};
  context.api[key] = value;
}

/** A request header by name, whatever its case (API Gateway keeps the client's; Node lowercases). */
export function headerOf(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  let found: string | undefined;
  // The last one wins if a client sent the name twice in different cases, as before the rewrite.
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) found = value;
  }
  return found;
}

/**
 * The middleware of a header that only some operations honour: `use` runs with the header's value
 * when the operation's spec sets `flag` and the request carries the header. Other operations
 * ignore the header.
 */
export function operationHeader(
  flag: "idempotent" | "conditional",
  name: string,
  use: (value: string, event: APIGatewayProxyEvent, context: ApiContext) => void,
): ApiMiddleware {
  return {
    before: ({ event, context }) => {
      if (!stateOf(context, "operation").spec[flag]) return;
      const value = headerOf(event, name);
      if (value !== undefined) use(value, event, context);
    },
  };
}
