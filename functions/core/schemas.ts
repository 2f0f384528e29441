/**
 * One zod schema per input and output: validation, the TypeScript types, and (through
 * `functions/http/openapi.ts`) the OpenAPI 3.1 document all come from here. The schemas live
 * in `schemas/`, a file per aggregate or concern; this module is their one import path.
 */

export * from "./schemas/aliases.ts";
export * from "./schemas/artifacts.ts";
export * from "./schemas/error-body.ts";
export * from "./schemas/headers.ts";
export * from "./schemas/history.ts";
export * from "./schemas/lists.ts";
export * from "./schemas/models.ts";
export * from "./schemas/names.ts";
export * from "./schemas/numbers.ts";
export * from "./schemas/transitions.ts";
export * from "./schemas/user-maps.ts";
export * from "./schemas/versions.ts";
