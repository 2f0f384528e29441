/**
 * Writes the catalog's JSON Schemas to event-schemas/schemas/v1/ (`npm run events:schemas`).
 * `--check` only reports whether the files are up to date (exit 1 when not), for CI.
 *
 * It refuses to overwrite a published schema with one that is not backwards compatible: within
 * eventVersion 1 fields are only ever added. A breaking change is eventVersion 2.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compatibilityProblems } from "../functions/core/events/compatibility.ts";
import {
  generateSchemaFiles,
  parseSchemaFile,
  SCHEMA_DIRECTORY,
} from "../functions/core/events/json-schemas.ts";
import { schemaDirectory as directory, readCommittedSchemas } from "./committed-schemas.ts";

const checkOnly = process.argv.includes("--check");

const breaking: string[] = [];
const stale: string[] = [];
const files = generateSchemaFiles();
const published = readCommittedSchemas();
for (const [name, text] of files) {
  const committed = published.get(name);
  if (committed === text) continue;
  if (committed !== undefined) {
    const problems = compatibilityProblems(parseSchemaFile(committed), parseSchemaFile(text));
    breaking.push(...problems.map((p) => `${name} ${p}`));
    if (problems.length > 0) continue;
  }
  stale.push(name);
}
// A published detail-type that the catalog no longer has is the most breaking change of all.
for (const name of published.keys()) {
  if (!files.has(name)) breaking.push(`${name}: the detail-type was removed`);
}

if (breaking.length > 0) {
  console.error(
    `These changes to the catalog would break subscribers of eventVersion 1 (not written):\n  ${breaking.join("\n  ")}`,
  );
}
if (checkOnly) {
  if (stale.length > 0) console.error(`Out of date (run npm run events:schemas): ${stale.join(", ")}`);
} else {
  mkdirSync(directory, { recursive: true });
  for (const name of stale) writeFileSync(join(directory, name), files.get(name)!);
  console.log(stale.length > 0 ? `wrote ${stale.join(", ")}` : `${SCHEMA_DIRECTORY} is up to date`);
}
process.exitCode = breaking.length > 0 || (checkOnly && stale.length > 0) ? 1 : 0;
