/** Aliases: named, movable pointers to versions. */
import { z } from "zod";
import { VersionNumber } from "./numbers.ts";
import { ModelVersion } from "./versions.ts";

export const SetAliasInput = z.object({ version: VersionNumber }).strict().meta({ id: "SetAliasInput" });
export type SetAliasInput = z.infer<typeof SetAliasInput>;

export const Alias = z
  .object({ model: z.string(), alias: z.string(), version: z.number().int() })
  .meta({ id: "Alias" });
export type Alias = z.infer<typeof Alias>;

export const AliasResolution = Alias.extend({ modelVersion: ModelVersion }).meta({ id: "AliasResolution" });
