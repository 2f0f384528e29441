/**
 * Turns the operation's reply into the API Gateway proxy result: the status is the operation's
 * success status (a replayed idempotent response included), the body is JSON (empty for 204),
 * and the headers say what the client may need: the request id, the ETag on operations that
 * return one, and `idempotent-replayed: true` on a replay.
 */
import type { APIGatewayProxyResult } from "aws-lambda";
import { type ApiMiddleware, stateOf } from "./api-context.ts";

export function httpResponse(): ApiMiddleware {
  return {
    after: (request) => {
      const reply = request.response;
      // Already a proxy result: set by a middleware that answered early, not by the operation.
      if (!reply || "statusCode" in reply) return;
      const { spec } = stateOf(request.context, "operation");
      const headers: Record<string, string> = { "x-amzn-requestid": request.event.requestContext.requestId };
      if (reply.replayed) headers["idempotent-replayed"] = "true";
      const etag = (reply.body as { etag?: unknown } | undefined)?.etag;
      if (spec.etag && typeof etag === "string") headers.etag = etag;
      const status = reply.status ?? spec.success.status;
      request.response =
        status === 204 ? { statusCode: 204, headers, body: "" } : jsonResponse(status, reply.body, headers);
    },
  };
}

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string>,
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
    body: JSON.stringify(body),
  };
}
