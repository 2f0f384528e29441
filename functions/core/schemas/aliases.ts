/** Aliases: named, movable pointers to versions. */
import * as z from "zod/mini";
import { VersionNumber } from "./numbers.ts";
import { ModelVersion } from "./versions.ts";

export const SetAliasInput = z
  .strictObject({ version: VersionNumber })
  .register(z.globalRegistry, { id: "SetAliasInput" });
export type SetAliasInput = z.infer<typeof SetAliasInput>;

export const Alias = z
  .object({ model: z.string(), alias: z.string(), version: z.int() })
  .register(z.globalRegistry, { id: "Alias" });
export type Alias = z.infer<typeof Alias>;

export const AliasResolution = z
  .extend(Alias, { modelVersion: ModelVersion })
  .register(z.globalRegistry, { id: "AliasResolution" });
