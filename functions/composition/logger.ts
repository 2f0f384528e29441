/**
 * The registry functions' logger (the HTTP functions share one; each worker makes its own): AWS Lambda Powertools, structured JSON on stdout/stderr,
 * created once per function instance. Each request appends its `requestId` (the API Gateway
 * request id the client sees in `x-amzn-requestid`) and its `actor` (see the middlewares), and
 * Powertools adds the Lambda context (function name, cold start, Lambda request id).
 *
 * The level comes from `POWERTOOLS_LOG_LEVEL` (or `LOG_LEVEL`, or Lambda's `AWS_LAMBDA_LOG_LEVEL`),
 * INFO by default. The HTTP layer logs only what needs a human: unhandled errors, at ERROR, so
 * tests and local mode stay quiet while handler crashes still print.
 */
import { Logger } from "@aws-lambda-powertools/logger";

/** What the core needs to log (its `logger` port): Powertools' Logger satisfies it. */
interface LogPort {
  error(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
}

/**
 * A logger of the registry's own. Each worker (verifier, workflow tasks) makes its own: in
 * Lambda a function is a process and has one logger either way, but local mode runs every
 * function in one process, where a worker sharing the HTTP functions' logger would print their
 * Lambda context (function name, request id, actor) on its lines.
 */
export function createLogger(): Logger & LogPort {
  return new Logger({ serviceName: process.env.SERVICE_NAME || "model-registry" });
}

/** The HTTP functions' logger. */
export const logger = createLogger();
