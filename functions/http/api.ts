/**
 * Turns typed operation implementations into an API Gateway (REST, proxy) Lambda handler:
 * a middy chain that routes on `event.resource` + `event.httpMethod`, validates path, query
 * and body against the operation's schemas, builds the request context (actor, request id,
 * Idempotency-Key, If-Match), and maps every error in one place.
 */
import { createHash } from "node:crypto";
import middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { z } from "zod";
import { ValidationError } from "#core/errors.ts";
import type { RequestContext } from "#core/kernel/context.ts";
import { parseInput } from "#core/validation.ts";
import { HttpError, toErrorResponse } from "./errors.ts";
import { type OperationId, type Operations, operations } from "./operations.ts";
import { type RouteGroup, routes } from "./route-table.ts";

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface ApiRequest<K extends OperationId> {
  params: Out<Operations[K] extends { params: infer P } ? P : undefined>;
  query: Out<Operations[K] extends { query: infer Q } ? Q : undefined>;
  body: Out<Operations[K] extends { body: infer B } ? B : undefined>;
  ctx: RequestContext;
}

export interface ApiReply {
  body?: unknown;
  /** The response is the stored first response of an idempotent request. */
  replayed?: boolean;
}

export type Implementations = { [K in OperationId]?: (request: ApiRequest<K>) => Promise<ApiReply> };

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const EmptyQuery = z.object({}).strict();

export type UsageMeter = <T>(
  fn: () => Promise<T>,
) => Promise<{ result: T; usage: { roundTrips: number; capacityUnits: number; operations: string[] } }>;

export interface ApiHandlerOptions {
  /** Measures what each request cost in storage calls and reports it in response headers. */
  meter?: UsageMeter | undefined;
}

export function createApiHandler(
  group: RouteGroup,
  implementations: Implementations,
  options: ApiHandlerOptions = {},
) {
  const routeByKey = new Map(
    routes.filter((r) => r.group === group).map((r) => [`${r.method} ${r.path}`, r]),
  );

  const dispatch = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const requestId = event.requestContext.requestId;
    const route = routeByKey.get(`${event.httpMethod} ${event.resource}`);
    const operationId = route?.operationId as OperationId | undefined;
    const implementation = operationId ? implementations[operationId] : undefined;
    if (!route || !operationId || !implementation) {
      throw new HttpError(
        404,
        "RouteNotFound",
        `no route ${event.httpMethod} ${event.resource} in this function`,
      );
    }
    const spec = operations[operationId];
    const headers = lowerCaseHeaders(event.headers);

    const params = "params" in spec ? parseInput(spec.params, event.pathParameters ?? {}, "path") : undefined;
    const query = parseInput(
      "query" in spec ? spec.query : EmptyQuery,
      event.queryStringParameters ?? {},
      "query",
    );
    const rawBody = "body" in spec ? readJsonBody(event) : undefined;
    const body = "body" in spec ? parseInput(spec.body, rawBody, "body") : undefined;

    // In AWS, IAM auth guarantees an identity on every route; local mode serves /health unsigned.
    const actor =
      event.requestContext.identity?.userArn ?? (route.localUnauthenticated ? "anonymous" : undefined);
    if (!actor)
      throw new HttpError(403, "MissingIdentity", "the request carries no IAM identity: sign it with SigV4");
    const ctx: RequestContext = { actor, requestId };
    const key = headers["idempotency-key"];
    if (key !== undefined && "idempotent" in spec) {
      if (!IDEMPOTENCY_KEY.test(key)) {
        throw new HttpError(
          400,
          "ValidationError",
          "header Idempotency-Key must be 1-255 visible ASCII characters",
        );
      }
      ctx.idempotency = { key, fingerprint: fingerprint(event.httpMethod, event.path, rawBody) };
    }
    const ifMatch = headers["if-match"];
    if (ifMatch !== undefined && "conditional" in spec) ctx.ifMatch = ifMatch;

    const call = implementation as (request: ApiRequest<OperationId>) => Promise<ApiReply>;
    const reply = await call({ params, query, body, ctx } as unknown as ApiRequest<OperationId>).catch(
      (error: unknown) => {
        // A use case names fields of its input as the domain does; the input came from the body.
        if (error instanceof ValidationError && error.scope === "input") throw error.locatedIn("body");
        throw error;
      },
    );

    const responseHeaders: Record<string, string> = { "x-amzn-requestid": requestId };
    if (reply.replayed) responseHeaders["idempotent-replayed"] = "true";
    const etag = (reply.body as { etag?: unknown } | undefined)?.etag;
    if ("etag" in spec && typeof etag === "string") responseHeaders.etag = etag;
    if (spec.success.status === 204) return { statusCode: 204, headers: responseHeaders, body: "" };
    return json(spec.success.status, reply.body, responseHeaders);
  };

  const meter = options.meter;
  const measured = meter
    ? async (event: APIGatewayProxyEvent) => {
        const { result, usage } = await meter(() =>
          dispatch(event).catch((error: unknown) => errorResult(error, event)),
        );
        result.headers = {
          ...result.headers,
          "x-registry-dynamodb-round-trips": String(usage.roundTrips),
          "x-registry-dynamodb-capacity-units": String(usage.capacityUnits),
          "x-registry-dynamodb-operations": usage.operations.join(",") || "none",
        };
        return result;
      }
    : dispatch;

  return middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>(measured).use({
    onError: async (request) => {
      request.response = errorResult(request.error, request.event, request.context?.awsRequestId);
    },
  });
}

function errorResult(error: unknown, event: APIGatewayProxyEvent | undefined, fallbackId?: string) {
  const requestId = event?.requestContext?.requestId ?? fallbackId ?? "unknown";
  const { status, body } = toErrorResponse(error, requestId);
  return json(status, body, { "x-amzn-requestid": requestId });
}

function readJsonBody(event: APIGatewayProxyEvent): unknown {
  if (event.body === null || event.body === undefined || event.body === "") return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof SyntaxError ? `: ${error.message}` : "";
    throw new HttpError(400, "InvalidJson", `the request body is not valid JSON${detail}`);
  }
}

/** Same method, path and JSON content (whatever the key order or spacing) → same fingerprint. */
function fingerprint(method: string, path: string, body: unknown): string {
  return createHash("sha256")
    .update(`${method} ${path}\n${canonicalJson(body)}`)
    .digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function lowerCaseHeaders(headers: APIGatewayProxyEvent["headers"] | null): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {}))
    if (value !== undefined) result[name.toLowerCase()] = value;
  return result;
}

function json(statusCode: number, body: unknown, headers: Record<string, string>): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
    body: JSON.stringify(body),
  };
}
