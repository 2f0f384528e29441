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
  body?: z.ZodMiniType;
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
}

export const ModelParams = z.object({ model: ModelName });
export const VersionParams = z.object({ model: ModelName, version: VersionParam });
