/**
 * With a meter (local mode and benchmarks, see `functions/composition/build-core.ts`), every response, error responses
 * included, reports the DynamoDB round trips, capacity units and operations the request cost.
 *
 * Not a middy middleware object but a wrapper around the whole chain: the meter attributes calls
 * to the request through AsyncLocalStorage, which needs the request to run inside its `run()`
 * callback, and middy's before/after hooks cannot put the handler inside a callback.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";

export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export type UsageMeter = <T>(
  fn: () => Promise<T>,
) => Promise<{ result: T; usage: { roundTrips: number; capacityUnits: number; operations: string[] } }>;

export function withUsageHeaders(handler: ApiHandler, meter: UsageMeter): ApiHandler {
  return async (event, context) => {
    const { result, usage } = await meter(() => handler(event, context));
    result.headers = {
      ...result.headers,
      "x-registry-dynamodb-round-trips": String(usage.roundTrips),
      "x-registry-dynamodb-capacity-units": String(usage.capacityUnits),
      "x-registry-dynamodb-operations": usage.operations.join(",") || "none",
    };
    return result;
  };
}
