/**
 * The MLflow routes' Lambda handler: finds the operation by `event.resource` and
 * `event.httpMethod` (as API Gateway fills them in), reads MLflow's parameters (the JSON body, or
 * for a GET the query string, where a repeated key such as `order_by` is a list), runs the
 * operation with the caller's IAM identity as the actor, and answers MLflow's JSON, or MLflow's
 * error shape (`errors.ts`). A 5xx shows only the request id; its cause goes to the log.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { logger } from "#composition/logger.ts";
import type { CoreDeps } from "#core/kernel/deps.ts";
import type { ApiHandler, UsageMeter } from "#http/middleware/usage-headers.ts";
import { withUsageHeaders } from "#http/middleware/usage-headers.ts";
import { MlflowApiError, toMlflowError } from "./errors.ts";
import { type MlflowInput, mlflowOperations } from "./operations.ts";
import { mlflowRoutes } from "./routes.ts";

const byKey = new Map(mlflowRoutes.map((route) => [`${route.method} ${route.path}`, route]));

function json(statusCode: number, body: unknown, requestId: string): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { "content-type": "application/json; charset=utf-8", "x-amzn-requestid": requestId },
    body: JSON.stringify(body),
  };
}

/** MLflow's parameters of the request. */
export function inputOf(event: APIGatewayProxyEvent): MlflowInput {
  if (event.httpMethod === "GET") {
    const input: MlflowInput = Object.create(null);
    const multi = event.multiValueQueryStringParameters ?? {};
    for (const [key, values] of Object.entries(multi)) {
      if (!values) continue;
      input[key] = values.length === 1 ? values[0] : values;
    }
    // Without multi-value parameters (a hand-built event), the single ones.
    if (Object.keys(multi).length === 0) Object.assign(input, event.queryStringParameters ?? {});
    return { ...input };
  }
  if (event.body === null || event.body === undefined || event.body === "") return {};
  const text = event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MlflowApiError(
      "BAD_REQUEST",
      `the request body is not valid JSON${error instanceof SyntaxError ? `: ${error.message}` : ""}`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new MlflowApiError("BAD_REQUEST", "the request body must be a JSON object");
  }
  return parsed as MlflowInput;
}

export function createMlflowHandler(
  core: CoreDeps,
  options: { meter?: UsageMeter | undefined } = {},
): ApiHandler {
  const handler = async (event: APIGatewayProxyEvent, _context: Context): Promise<APIGatewayProxyResult> => {
    const requestId = event.requestContext?.requestId ?? "unknown";
    try {
      const route = byKey.get(`${event.httpMethod} ${event.resource}`);
      if (!route) {
        throw new MlflowApiError(
          "ENDPOINT_NOT_FOUND",
          `no MLflow route ${event.httpMethod} ${event.resource} in this function`,
        );
      }
      const actor = event.requestContext.identity?.userArn;
      if (!actor) {
        throw new MlflowApiError(
          "PERMISSION_DENIED",
          "the request carries no IAM identity: sign it with SigV4",
        );
      }
      const input = inputOf(event);
      const body = await mlflowOperations[route.operationId](core, input, { actor, requestId });
      return json(200, body, requestId);
    } catch (error) {
      const { status, body, expose } = toMlflowError(error, requestId);
      if (!expose) logger.error("MLflow request failed with an internal error", { requestId, error });
      return json(status, body, requestId);
    }
  };
  return options.meter ? withUsageHeaders(handler, options.meter) : handler;
}
