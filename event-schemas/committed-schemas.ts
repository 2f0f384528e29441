/**
 * The published contract: the JSON Schemas committed in event-schemas/schemas/v1/, which `generate.ts`
 * refuses to break and the tests hold the catalog to.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SCHEMA_DIRECTORY } from "../functions/core/events/json-schemas.ts";

export const schemaDirectory = join(fileURLToPath(new URL("..", import.meta.url)), SCHEMA_DIRECTORY);

/** The committed schema files by name, with their text (none before the directory exists). */
export function readCommittedSchemas(): Map<string, string> {
  if (!existsSync(schemaDirectory)) return new Map();
  return new Map(
    readdirSync(schemaDirectory)
      .filter((name) => name.endsWith(".json"))
      .map((name) => [name, readFileSync(join(schemaDirectory, name), "utf8")]),
  );
}
