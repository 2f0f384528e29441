/**
 * What a page of the docs points at, checked: relative links (`[text](../lib/app.ts)`,
 * `[text](http-api.md#roles)`, `[text](#errors)`) must name a file or folder that exists and a
 * heading that is on that page, by GitHub's anchor rules; a repository path a page names in
 * backticks (`lib/registry-config.ts`) must exist. `test/unit/scripts/docs-links.test.ts` runs it
 * over the README, every page under `docs/` and `examples/README.md`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { docPages, pageName, repositoryRoot } from "./readme-sections.ts";

/** Markdown with fenced code blocks blanked out (their lines kept, so line numbers still hold). */
export function withoutCodeBlocks(markdown: string): string {
  let fenced = false;
  return markdown
    .split("\n")
    .map((line) => {
      if (/^\s*```/.test(line)) {
        fenced = !fenced;
        return "";
      }
      return fenced ? "" : line;
    })
    .join("\n");
}

/**
 * GitHub's heading anchors: the heading's text lower-cased, with everything but letters, digits,
 * spaces, `-` and `_` removed and each space made a `-`; a repeated anchor gets `-1`, `-2`, ….
 */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutCodeBlocks(markdown).split("\n")) {
    const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1]!
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // a link's text only
      .replace(/<[^>]+>/g, "");
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  // Explicit anchors: <a id="…"> or <a name="…">.
  for (const [, id] of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id!);
  return anchors;
}

export interface LinkProblem {
  page: string;
  line: number;
  target: string;
  problem: string;
}

/** The top-level names of the repository a backticked path may start with. */
function topLevelNames(): Set<string> {
  return new Set(
    readdirSync(repositoryRoot).filter((name) => !name.startsWith(".") && name !== "node_modules"),
  );
}

let markdownNamesCache: Set<string> | undefined;
/** The names of the repository's Markdown files (node_modules and dot-folders aside). */
function markdownNames(): Set<string> {
  if (!markdownNamesCache) {
    markdownNamesCache = new Set();
    const walk = (folder: string) => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
        if (entry.isDirectory()) walk(join(folder, entry.name));
        else if (entry.name.endsWith(".md")) markdownNamesCache!.add(entry.name);
      }
    };
    walk(repositoryRoot);
  }
  return markdownNamesCache;
}

const anchorsCache = new Map<string, Set<string>>();
function anchorsOf(file: string): Set<string> {
  let anchors = anchorsCache.get(file);
  if (!anchors) {
    anchors = headingAnchors(readFileSync(file, "utf8"));
    anchorsCache.set(file, anchors);
  }
  return anchors;
}

/** Every broken relative link, missing anchor and missing repository file named on one page. */
export function problemsOf(page: string, markdown = readFileSync(page, "utf8")): LinkProblem[] {
  const problems: LinkProblem[] = [];
  const text = withoutCodeBlocks(markdown);
  const lines = text.split("\n");
  const top = topLevelNames();
  lines.forEach((line, index) => {
    const at = { page: pageName(page), line: index + 1 };
    // Links: [text](target) and ![alt](target), but not inside inline code.
    const prose = line.replace(/`[^`]*`/g, "``");
    for (const [, target] of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target!)) continue; // https:, mailto:
      const [path, anchor] = target!.split("#", 2) as [string, string | undefined];
      const file = path === "" ? page : resolve(dirname(page), decodeURIComponent(path));
      if (!existsSync(file)) {
        problems.push({ ...at, target: target!, problem: `no such file: ${pageName(file)}` });
        continue;
      }
      if (anchor !== undefined) {
        if (statSync(file).isDirectory() || !file.endsWith(".md")) {
          problems.push({ ...at, target: target!, problem: "an anchor into something that is not a page" });
        } else if (!anchorsOf(file).has(anchor)) {
          problems.push({ ...at, target: target!, problem: `${pageName(file)} has no heading #${anchor}` });
        }
      }
    }
    // A Markdown file named alone (`API.md`): some file of the repository must have that name.
    for (const [, name] of line.matchAll(/`([\w.-]+\.md)`/g)) {
      if (!markdownNames().has(name!)) {
        problems.push({ ...at, target: name!, problem: `names ${name}, which no file of the repository is` });
      }
    }
    // Repository paths in backticks: `lib/app.ts`, `functions/core/`, `package.json`.
    for (const [, code] of line.matchAll(/`([^`\s]+)`/g)) {
      const path = code!.replace(/[#:].*$/, "").replace(/[),.;]+$/, "");
      const first = path.split("/")[0]!;
      if (!top.has(first) || (!path.includes("/") && !existsSync(join(repositoryRoot, path)))) continue;
      if (/[*<>{}…]|\.\.\./.test(path)) continue; // a pattern or placeholder, not one file
      if (!existsSync(join(repositoryRoot, path))) {
        problems.push({ ...at, target: code!, problem: `names ${path}, which does not exist` });
      }
    }
  });
  return problems;
}

/** The README, every page under `docs/`, and the READMEs of `examples/`, which those pages send readers to. */
export function checkedPages(): string[] {
  return [...docPages(), join(repositoryRoot, "examples", "README.md")].filter((page) => existsSync(page));
}

export function allProblems(): LinkProblem[] {
  return checkedPages().flatMap((page) => problemsOf(page));
}
