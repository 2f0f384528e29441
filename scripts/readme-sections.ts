/**
 * The docs' generated sections: each sits between two markers that name its source, in the README
 * or in any page under `docs/`, and `npm run docs` (scripts/docs.ts) rewrites what is between them
 * wherever the markers are. `test/unit/scripts` fails when a copy differs from what its generator
 * prints.
 */
import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));
export const readmePath = join(repositoryRoot, "README.md");
export const docsFolder = join(repositoryRoot, "docs");

/** The command that rewrites every generated section (the markers name it). */
export const DOCS_COMMAND = "npm run docs";

export interface GeneratedSection {
  /** The marker's name, e.g. `roles-matrix`. */
  name: string;
  /** Where the content comes from, as the marker names it. */
  source: string;
  render(): string;
}

/** The README and every Markdown page below `docs/`, as absolute paths, sorted. */
export function docPages(): string[] {
  const pages = [readmePath];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".md")) pages.push(path);
    }
  };
  if (existsSync(docsFolder)) walk(docsFolder);
  return pages.sort();
}

/** A page's path as the messages name it (`docs/http-api.md`). */
export const pageName = (path: string) => relative(repositoryRoot, path);

export function markersOf(section: Pick<GeneratedSection, "name" | "source">): [string, string] {
  return [
    `<!-- ${section.name}:start (generated from ${section.source} by \`${DOCS_COMMAND}\`; do not edit) -->`,
    `<!-- ${section.name}:end -->`,
  ];
}

/** Whether the page holds the section's opening marker. */
export function hasSection(page: string, section: Pick<GeneratedSection, "name" | "source">): boolean {
  return page.includes(markersOf(section)[0]);
}

/** The text between the section's markers (trimmed), or an error naming the missing marker. */
export function sectionIn(page: string, section: Pick<GeneratedSection, "name" | "source">): string {
  const [open, close] = markersOf(section);
  const start = page.indexOf(open);
  const end = page.indexOf(close);
  if (start === -1 || end < start) {
    throw new Error(`the page has no generated section here: put ${open} and ${close} where it belongs`);
  }
  return page.slice(start + open.length, end).trim();
}

/** The page with `text` between the section's markers, the rest untouched. */
export function withSection(
  page: string,
  section: Pick<GeneratedSection, "name" | "source">,
  text: string,
): string {
  sectionIn(page, section);
  const [open, close] = markersOf(section);
  const start = page.indexOf(open) + open.length;
  return `${page.slice(0, start)}\n${text}\n${page.slice(page.indexOf(close))}`;
}
