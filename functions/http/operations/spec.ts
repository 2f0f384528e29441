/**
 * What an operation's spec holds, and the path parameters that operations of several route
 * groups share. Each group's specs live in their own module (`./<group>.ts`) so that a handler's
 * bundle carries only its group's specs and the schemas they use; `../operations.ts` merges them.
 */
import * as z from "zod/mini";
import { ModelName, VersionParam } from "#core/schemas.ts";

export interface OperationSpec {
  params?: z.ZodMiniObject;
  query?: z.ZodMiniObject;
  /** The JSON body's schema, or one built on first use (`deferredBody`). */
  body?: z.ZodMiniType | DeferredBody;
  /** The success status and its body schema (none for 204). */
  success: { status: number; schema?: z.ZodMiniType; description: string };
  /** Other success statuses the operation answers (a seal's 202 while the verifier runs). */
  alternatives?: { status: number; schema?: z.ZodMiniType; description: string }[];
  /** Accepts `Idempotency-Key` (every POST). */
  idempotent?: boolean;
  /** Honours `If-Match`. */
  conditional?: boolean;
  /** Returns an `ETag` header. */
  etag?: boolean;
  /** A read that answers 409 when the state forbids it (a download of a version that is not READY). */
  conflicts?: boolean;
}

export const ModelParams = z.object({ model: ModelName });
export const VersionParams = z.object({ model: ModelName, version: VersionParam });

/**
 * A request body's schema whose module is imported, and whose schemas are constructed, when the
 * first request that carries such a body arrives. Building schemas is most of a handler's own
 * cold start (bench/results/bundles-latest.json), and the bodies of creates and updates are the
 * largest: a cold start whose first request reads (most of them: deploy pipelines and notebooks
 * read far more than they write) no longer builds them. The bundler puts the module in a chunk
 * of its own (`await import()`); the merged `../operations.ts` holds the same schemas statically
 * for the OpenAPI document.
 */
export interface DeferredBody<T extends z.ZodMiniType = z.ZodMiniType> {
  readonly deferred: true;
  /** The schema: imported on the first call, the same promise afterwards (a failed import is retried). */
  load(): Promise<T>;
}

export function deferredBody<T extends z.ZodMiniType>(load: () => Promise<T>): DeferredBody<T> {
  let loading: Promise<T> | undefined;
  return {
    deferred: true,
    load: () => {
      loading ??= load().catch((error: unknown) => {
        loading = undefined;
        throw error;
      });
      return loading;
    },
  };
}

export const isDeferred = (body: z.ZodMiniType | DeferredBody): body is DeferredBody =>
  "deferred" in body && body.deferred === true;
