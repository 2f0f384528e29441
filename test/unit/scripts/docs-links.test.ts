import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allProblems, headingAnchors, problemsOf } from "../../../scripts/doc-links.ts";
import { readmePath } from "../../../scripts/readme-sections.ts";

describe("links, anchors and file names in the README and docs/", () => {
  it("every relative link resolves, every #anchor is a heading of its page, every named file exists", () => {
    expect(allProblems()).toEqual([]);
  });

  it("anchors follow GitHub's rules: lower case, punctuation dropped, spaces to dashes, repeats numbered", () => {
    const anchors = headingAnchors(
      [
        "# Stages, transitions and approvals",
        "## Walk-through: a policy, two approvers, production",
        "## Configuration (CDK context)",
        "## Lambda bundles: sizes and cold start",
        "## `If-Match` and ETags",
        "## Events",
        "## Events",
        "```sh",
        "# a shell comment, not a heading",
        "```",
      ].join("\n"),
    );
    expect([...anchors]).toEqual([
      "stages-transitions-and-approvals",
      "walk-through-a-policy-two-approvers-production",
      "configuration-cdk-context",
      "lambda-bundles-sizes-and-cold-start",
      "if-match-and-etags",
      "events",
      "events-1",
    ]);
  });

  it("reports a missing page, a missing anchor and a named file that does not exist", () => {
    const folder = mkdtempSync(join(tmpdir(), "docs-links-"));
    const page = join(folder, "page.md");
    const text = [
      "# Page",
      "## Here",
      `[ok](#here) [gone](#there) [no page](missing.md) [readme](${readmePath}#no-such-heading)`,
      "`lib/registry-config.ts` is real; `lib/no-such-file.ts` is not; `functions/core/<group>.ts` is a pattern",
      "`README.md` is a file of the repository, `API.md` is not",
      "```sh",
      "cat lib/also-missing-but-in-a-code-block.ts [x](nowhere.md)",
      "```",
    ].join("\n");
    writeFileSync(page, text);
    expect(problemsOf(page, text).map((p) => [p.line, p.target])).toEqual([
      [3, "#there"],
      [3, "missing.md"],
      [3, `${readmePath}#no-such-heading`],
      [4, "lib/no-such-file.ts"],
      [5, "API.md"],
    ]);
  });
});
