import type { Context } from "aws-lambda";
import { LOCAL_ACCOUNT_ID } from "./principals.ts";

/** API Gateway REST APIs give up on an integration after 29 seconds; local mode keeps that limit. */
export const INTEGRATION_TIMEOUT_MS = 29_000;

/** The Lambda `Context` a handler in function `functionName` would receive. */
export function createLambdaContext(options: {
  functionName: string;
  requestId: string;
  region: string;
  startedAt: number;
  /** The function's timeout: `getRemainingTimeInMillis()` counts down to `startedAt + timeoutMs`. */
  timeoutMs: number;
  /** The clock `getRemainingTimeInMillis()` reads; default `Date.now` (tests pass their own). */
  now?: () => number;
}): Context {
  const now = options.now ?? Date.now;
  const { functionName } = options;
  const deadline = options.startedAt + options.timeoutMs;
  const today = new Date(options.startedAt).toISOString().slice(0, 10).replaceAll("-", "/");
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${options.region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: options.requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${today}/[$LATEST]local`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    // The callback-era methods are unused by async handlers; they are present only to satisfy the type.
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
