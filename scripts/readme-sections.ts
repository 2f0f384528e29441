/**
 * The README's generated sections: each sits between two markers that name its source, and
 * `npm run docs` (scripts/docs.ts) rewrites what is between them. `test/unit/scripts` fails when a
 * copy in the README differs from what its generator prints.
 */
import { fileURLToPath } from "node:url";

export const readmePath = fileURLToPath(new URL("../README.md", import.meta.url));

/** The command that rewrites every generated section (the markers name it). */
export const DOCS_COMMAND = "npm run docs";

export interface GeneratedSection {
  /** The marker's name, e.g. `roles-matrix`. */
  name: string;
  /** Where the content comes from, as the marker names it. */
  source: string;
  render(): string;
}

export function markersOf(section: Pick<GeneratedSection, "name" | "source">): [string, string] {
  return [
    `<!-- ${section.name}:start (generated from ${section.source} by \`${DOCS_COMMAND}\`; do not edit) -->`,
    `<!-- ${section.name}:end -->`,
  ];
}

/** The text between the section's markers (trimmed), or an error naming the missing marker. */
export function sectionIn(readme: string, section: Pick<GeneratedSection, "name" | "source">): string {
  const [open, close] = markersOf(section);
  const start = readme.indexOf(open);
  const end = readme.indexOf(close);
  if (start === -1 || end < start) {
    throw new Error(`the README has no generated section here: put ${open} and ${close} where it belongs`);
  }
  return readme.slice(start + open.length, end).trim();
}

/** The README with `text` between the section's markers, the rest untouched. */
export function withSection(
  readme: string,
  section: Pick<GeneratedSection, "name" | "source">,
  text: string,
): string {
  sectionIn(readme, section);
  const [open, close] = markersOf(section);
  const start = readme.indexOf(open) + open.length;
  return `${readme.slice(0, start)}\n${text}\n${readme.slice(readme.indexOf(close))}`;
}
