/**
 * One zod schema per input and output: validation, the TypeScript types, and (through
 * `functions/http/openapi.ts`) the OpenAPI 3.1 document all come from here. The schemas live
 * in `schemas/`, a file per aggregate or concern; this module is their one import path. The one
 * exception: the enumerations as plain values, for code that must not load zod, are also
 * importable from `schemas/vocabulary.ts`, which this module re-exports through `names.ts`.
 *
 * They are written with `zod/mini` (functions and `.check(...)` instead of methods): every Lambda
 * bundle carries them, and mini is about a quarter of classic zod's size. Metadata (ids for the
 * document's components, descriptions, examples) is registered on the schema it describes with
 * `.register(z.globalRegistry, {...})`; where a shared schema needs its own description in one
 * place, `.check(z.meta({...}))` makes the described copy, as classic's `.meta()` did.
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
