/**
 * The request bodies of the `versions` group that are built on first use (`deferredBody` in
 * `./versions.ts`): imported by the handler when the first create or update arrives, and by
 * `../operations.ts` for the OpenAPI document.
 */
import { CreateVersionInput, UpdateVersionInput } from "#core/schemas.ts";

export const versionBodies = { createVersion: CreateVersionInput, updateVersion: UpdateVersionInput };
