/**
 * The CLI synopsis of docs/cli.md: the command lines and global flags of `registry --help`, taken from
 * the CLI's own help (`clients/cli/usage.ts`), so a new command or flag reaches docs/cli.md with
 * `npm run docs`. The help's notes are left out: docs/cli.md says the same in its own words.
 */
import { usage } from "../clients/cli/usage.ts";
import type { GeneratedSection } from "./readme-sections.ts";

/** The paragraphs of the help to copy, by their first line. */
const PARAGRAPHS = ["Usage:", "Global flags:"] as const;

export function formatCliSynopsis(help: string = usage()): string {
  const paragraphs = help.trimEnd().split("\n\n");
  const kept = PARAGRAPHS.map((heading) => {
    const found = paragraphs.find((paragraph) => paragraph.startsWith(`${heading}\n`));
    if (!found)
      throw new Error(`registry --help has no "${heading}" paragraph any more: update scripts/docs-cli.ts`);
    return found;
  });
  return ["```text", kept.join("\n\n"), "```"].join("\n");
}

export const cliSynopsisSection: GeneratedSection = {
  name: "cli-synopsis",
  source: "clients/cli/usage.ts",
  render: () => formatCliSynopsis(),
};
