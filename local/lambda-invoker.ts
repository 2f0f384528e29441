import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";
import { createLambdaContext } from "./lambda-context.ts";

/**
 * Invokes Lambda handlers in this process, the way the Lambda service would: one handler per
 * function name, a fresh `Context` per invocation with a deadline, and a timeout. Shared by
 * everything in local mode that stands in for a Lambda trigger (the API gateway, a stream poller,
 * a workflow runner), so each decides only what a failure means to its caller.
 */

export type LambdaHandler<Event, Result> = (event: Event, context: Context) => Promise<Result>;

/** Why an invocation gave no result. `handler` is the name passed to `invoke`. */
export abstract class LocalInvocationError extends Error {
  constructor(
    readonly handler: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Loading the handler failed (a module that does not import, or exports no handler); see `cause`. */
export class HandlerLoadError extends LocalInvocationError {
  override readonly name = "HandlerLoadError";
}

/** The handler threw or rejected; `cause` is what it threw. */
export class HandlerFailedError extends LocalInvocationError {
  override readonly name = "HandlerFailedError";
}

/** The handler did not settle within the timeout (loading counts, as a cold start does in Lambda). */
export class HandlerTimeoutError extends LocalInvocationError {
  override readonly name = "HandlerTimeoutError";
  constructor(
    handler: string,
    readonly timeoutMs: number,
  ) {
    super(handler, `the ${handler} handler did not answer within ${timeoutMs} ms`);
  }
}

/** The handler returned something the caller's `isResult` refused. */
export class MalformedResultError extends LocalInvocationError {
  override readonly name = "MalformedResultError";
  constructor(
    handler: string,
    readonly result: unknown,
  ) {
    super(handler, `the ${handler} handler returned ${describeValue(result)}`);
  }
}

export interface LocalInvokerOptions<Name extends string, Event, Result> {
  /** Returns the handler for a name; called on every invocation (ES modules are cached by `import`). */
  load: (name: Name) => Promise<LambdaHandler<Event, Result>>;
  timeoutMs: number;
  region: string;
  /** The Lambda function name handlers see in their context; default `model-registry-<name>`. */
  functionName?: (name: Name) => string;
  /**
   * Checks what the handler returned, for callers that need a shape (API Gateway needs
   * `{statusCode, body}`). Handlers are JavaScript at run time, whatever their type says.
   */
  isResult?: (value: unknown) => value is Result;
  /** The clock a handler's deadline is counted on; default `Date.now` (tests pass their own). */
  now?: () => number;
}

export interface InvokeOptions {
  /** `context.awsRequestId`; default a fresh UUID. The gateway passes its own so both ids agree. */
  requestId?: string;
}

export interface LocalInvoker<Name extends string, Event, Result> {
  /** Resolves with the handler's result, or rejects with a `LocalInvocationError`. */
  invoke(name: Name, event: Event, options?: InvokeOptions): Promise<Result>;
}

export function createLocalInvoker<Name extends string, Event, Result>(
  options: LocalInvokerOptions<Name, Event, Result>,
): LocalInvoker<Name, Event, Result> {
  const functionName = options.functionName ?? ((name: Name) => `model-registry-${name}`);

  async function run(name: Name, event: Event, context: Context): Promise<Result> {
    let handler: LambdaHandler<Event, Result>;
    try {
      handler = await options.load(name);
    } catch (error) {
      throw new HandlerLoadError(name, `the ${name} handler could not be loaded`, { cause: error });
    }
    let result: Result;
    try {
      result = await handler(event, context);
    } catch (error) {
      throw new HandlerFailedError(name, `the ${name} handler failed`, { cause: error });
    }
    if (options.isResult && !options.isResult(result)) throw new MalformedResultError(name, result);
    return result;
  }

  return {
    async invoke(name, event, invokeOptions = {}) {
      const now = options.now ?? Date.now;
      const startedAt = now();
      const context = createLambdaContext({
        now,
        functionName: functionName(name),
        requestId: invokeOptions.requestId ?? randomUUID(),
        region: options.region,
        startedAt,
        timeoutMs: options.timeoutMs,
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new HandlerTimeoutError(name, options.timeoutMs)), options.timeoutMs);
      });
      try {
        // Lambda would stop a handler at its timeout; in one process it can only be abandoned.
        // race() stays subscribed to it, so a late rejection is not an unhandled one.
        return await Promise.race([run(name, event, context), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Imports a module that exports `handler`, as the Lambda runtime does for `<file>.handler`.
 * `label` names the module in the error when it exports none.
 */
export async function importHandler<Event, Result>(
  url: URL,
  label: string,
): Promise<LambdaHandler<Event, Result>> {
  const module: { handler?: unknown } = await import(url.href);
  if (typeof module.handler !== "function") throw new Error(`${label} does not export a handler function`);
  return module.handler as LambdaHandler<Event, Result>;
}

export function describeValue(value: unknown): string {
  if (value === null || typeof value !== "object") return String(value);
  return `an object with keys ${Object.keys(value).join(", ") || "(none)"}`;
}
