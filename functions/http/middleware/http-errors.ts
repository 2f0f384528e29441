/**
 * Every error, from any middleware or the operation, becomes the registry's error response here
 * (statuses from `../errors.ts`). What the client is not shown (a 5xx's cause) goes to the log.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import { toErrorResponse } from "../errors.ts";
import type { ApiMiddleware } from "./api-context.ts";
import { jsonResponse } from "./http-response.ts";

export function httpErrors(logger: Logger): ApiMiddleware {
  return {
    onError: (request) => {
      const requestId =
        request.event?.requestContext?.requestId ?? request.context?.awsRequestId ?? "unknown";
      const { status, body, expose } = toErrorResponse(request.error, requestId);
      if (!expose) logger.error("request failed with an internal error", { requestId, error: request.error });
      request.response = jsonResponse(status, body, { "x-amzn-requestid": requestId });
    },
  };
}
