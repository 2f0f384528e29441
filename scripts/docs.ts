/**
 * `npm run docs`: rewrites every generated section of the README and of the pages under `docs/`
 * from its source (the role matrix, the allowed stage transitions, the error table, the CLI
 * synopsis, the configuration tables), wherever its markers are. `test/unit/scripts` fails when a
 * section differs from what this prints, and when a section's markers are on no page.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cliSynopsisSection } from "./docs-cli.ts";
import { contextKeysSection, lambdaEnvironmentSection } from "./docs-config.ts";
import { errorsSection } from "./docs-errors.ts";
import { roleMatrixSection, transitionsSection } from "./docs-roles.ts";
import { docPages, type GeneratedSection, hasSection, pageName, withSection } from "./readme-sections.ts";

export const generatedSections: readonly GeneratedSection[] = [
  roleMatrixSection,
  transitionsSection,
  errorsSection,
  cliSynopsisSection,
  contextKeysSection,
  lambdaEnvironmentSection,
];

/** One page with every generated section it holds rewritten, and the names of those that changed. */
export function regenerate(page: string): { page: string; changed: string[] } {
  const changed: string[] = [];
  let updated = page;
  for (const section of generatedSections.filter((s) => hasSection(page, s))) {
    const before = updated;
    updated = withSection(updated, section, section.render());
    if (updated !== before) changed.push(section.name);
  }
  return { page: updated, changed };
}

/** Every page's generated sections rewritten; sections whose markers are on no page are named. */
export function regenerateAll(write: boolean): { changed: string[]; missing: string[] } {
  const changed: string[] = [];
  const found = new Set<string>();
  for (const path of docPages()) {
    const before = readFileSync(path, "utf8");
    for (const section of generatedSections) if (hasSection(before, section)) found.add(section.name);
    const { page, changed: names } = regenerate(before);
    changed.push(...names.map((name) => `${pageName(path)}: ${name}`));
    if (write && page !== before) writeFileSync(path, page);
  }
  return { changed, missing: generatedSections.map((s) => s.name).filter((name) => !found.has(name)) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { changed, missing } = regenerateAll(true);
  process.stdout.write(
    changed.length === 0
      ? `${generatedSections.map((s) => s.name).join(", ")}: up to date.\n`
      : `rewritten from their sources: ${changed.join(", ")}.\n`,
  );
  if (missing.length > 0) {
    process.stderr.write(`on no page (add their markers where they belong): ${missing.join(", ")}\n`);
    process.exitCode = 1;
  }
}
