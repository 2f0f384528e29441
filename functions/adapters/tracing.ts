/**
 * Powertools Tracer, where a deployment turns it on (context `powertoolsTracer`): an X-Ray
 * subsegment for every AWS SDK call (`traceClient`) and for each invocation, annotated with the
 * cold start and the service (`traceInvocations`), on top of what Lambda's active tracing
 * records for every function anyway.
 *
 * Off by default because it costs ~124 KiB in every bundle (aws-xray-sdk-core, semver,
 * cls-hooked), against the 350 KiB target (bench/results/bundles-latest.json). When it is off,
 * the bundler replaces this module with `tracing-off.ts`, whose exports do nothing
 * (lib/bundling/): the Tracer is then not in the bundle at all. Run from source (local mode,
 * tests), it loads, and Powertools keeps it idle outside Lambda.
 */
import { Tracer } from "@aws-lambda-powertools/tracer";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import middy, { type MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";

const tracer = new Tracer({ serviceName: process.env.SERVICE_NAME || "model-registry" });

/** Whether this bundle carries the Tracer (the bundler swaps in `tracing-off.ts` otherwise). */
export const tracerBundled: boolean = true;

/** The SDK client, each of its calls recorded as a subsegment (with the AWS request id). */
export function traceClient<Client>(client: Client): Client {
  return tracer.captureAWSv3Client(client);
}

/**
 * A subsegment around each invocation. Responses are not recorded: they can be large (a page of
 * versions) and are the API's business, not the trace's. An error is recorded as the
 * subsegment's fault, unless the chain below already answered it below 500 (a 4xx is the
 * caller's mistake, not the function's): the outermost middleware sees errors last.
 */
export function traceInvocations(): MiddlewareObj[] {
  const capture = captureLambdaHandler(tracer, { captureResponse: false });
  return [
    {
      before: capture.before,
      after: capture.after,
      onError: (request) => {
        const status = (request.response as { statusCode?: unknown } | undefined)?.statusCode;
        return typeof status === "number" && status < 500
          ? capture.after?.(request)
          : capture.onError?.(request);
      },
    },
  ];
}

/** A handler outside the HTTP chain (workers, the workflow's tasks, the publisher), traced the same way. */
export function traceHandler<Event, Result>(
  handler: (event: Event, context: Context) => Promise<Result>,
): (event: Event, context: Context) => Promise<Result> {
  return middy(handler).use(traceInvocations());
}
