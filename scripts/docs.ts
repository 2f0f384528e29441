/**
 * `npm run docs`: rewrites every generated section of the README from its source (the role
 * matrix, the allowed stage transitions, the error table, the CLI synopsis). `test/unit/scripts`
 * fails when a section in the README differs from what this prints.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cliSynopsisSection } from "./docs-cli.ts";
import { errorsSection } from "./docs-errors.ts";
import { roleMatrixSection, transitionsSection } from "./docs-roles.ts";
import { type GeneratedSection, readmePath, sectionIn, withSection } from "./readme-sections.ts";

export const generatedSections: readonly GeneratedSection[] = [
  roleMatrixSection,
  transitionsSection,
  errorsSection,
  cliSynopsisSection,
];

/** The README with every generated section rewritten, and the names of those that changed. */
export function regenerate(readme: string): { readme: string; changed: string[] } {
  const changed: string[] = [];
  let updated = readme;
  for (const section of generatedSections) {
    const text = section.render();
    if (sectionIn(updated, section) !== text) changed.push(section.name);
    updated = withSection(updated, section, text);
  }
  return { readme: updated, changed };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const before = readFileSync(readmePath, "utf8");
  const { readme, changed } = regenerate(before);
  if (readme !== before) writeFileSync(readmePath, readme);
  process.stdout.write(
    readme === before
      ? `README.md: ${generatedSections.map((s) => s.name).join(", ")} are up to date.\n`
      : `README.md: ${changed.join(", ") || "generated sections"} rewritten from their sources.\n`,
  );
}
