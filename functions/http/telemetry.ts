/**
 * Powertools Metrics for the HTTP functions: CloudWatch metrics written as embedded-metric-format
 * log lines (no API call, no extra latency). Each function records a `ColdStart` count per
 * function and service, so cold starts are a graph instead of a log search.
 *
 * On only where the deployment says so: `RegistryFunction` sets `POWERTOOLS_METRICS_DISABLED=false`
 * in AWS. Local mode, tests and benchmarks share stdout with their own output and leave it unset,
 * which keeps the metrics middleware out of the chain.
 *
 * Powertools Tracer is not here: it is opt-in (context `powertoolsTracer`, off by default), and
 * `functions/adapters/tracing.ts` wires it in where it is on. It adds ~122 KiB and 20–29 ms of
 * import to every function (bench/results/bundles-latest.json); with it off, Lambda's active
 * tracing still traces every invocation and API Gateway request, without SDK subsegments.
 */
import { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import type { MiddlewareObj } from "@middy/core";

export const metricsEnabled = process.env.POWERTOOLS_METRICS_DISABLED === "false";

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || "ModelRegistry",
  serviceName: process.env.SERVICE_NAME || "model-registry",
});

/** The middy middlewares that flush metrics after each request (and count cold starts): none when off. */
export function requestMetrics(): MiddlewareObj[] {
  return metricsEnabled ? [logMetrics(metrics, { captureColdStartMetric: true })] : [];
}
