/**
 * What `tracing.ts` becomes in a bundle built without Powertools Tracer (the default;
 * lib/bundling/ swaps it in): the same exports, doing nothing. Typed against `tracing.ts`, so
 * the two cannot drift apart.
 */
import type * as Tracing from "./tracing.ts";

export const tracerBundled: typeof Tracing.tracerBundled = false;

export const traceClient: typeof Tracing.traceClient = (client) => client;

export const traceInvocations: typeof Tracing.traceInvocations = () => [];

export const traceHandler: typeof Tracing.traceHandler = (handler) => handler;
