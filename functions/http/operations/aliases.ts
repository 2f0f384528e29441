/** The operations of the `aliases` route group. */
import * as z from "zod/mini";
import { AliasName, ModelName, SetAliasInput, StoredAliasName } from "#core/schemas.ts";
import type { OperationSpec } from "./spec.ts";

const AliasParams = z.object({ model: ModelName, alias: AliasName });

export const aliasOperations = {
  setAlias: {
    params: AliasParams,
    body: SetAliasInput,
    success: { status: 200, description: "the alias" },
  },
  getAlias: {
    params: AliasParams,
    success: { status: 200, description: "the alias and its version" },
  },
  // A legacy alias named like a stage (set before they were reserved) can still be deleted.
  deleteAlias: {
    params: z.object({ model: ModelName, alias: StoredAliasName }),
    success: { status: 204, description: "deleted" },
  },
} satisfies Record<string, OperationSpec>;
