import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generatedSections, regenerate, regenerateAll } from "../../../scripts/docs.ts";
import {
  docPages,
  hasSection,
  markersOf,
  pageName,
  sectionIn,
  withSection,
} from "../../../scripts/readme-sections.ts";

const pages = docPages().map((path) => ({ path, name: pageName(path), text: readFileSync(path, "utf8") }));
const pageOf = (section: (typeof generatedSections)[number]) =>
  pages.filter((p) => hasSection(p.text, section));

describe("the docs' generated sections", () => {
  it("are looked for in the README and every page under docs/", () => {
    expect(pages.map((p) => p.name)).toEqual(expect.arrayContaining(["README.md", "docs/http-api.md"]));
  });

  it.each(generatedSections.map((section) => [section.name, section] as const))(
    "%s is on one page, and is what its source prints (run `npm run docs` after changing the source)",
    (_, section) => {
      const found = pageOf(section);
      expect(found.map((p) => p.name)).toHaveLength(1);
      expect(sectionIn(found[0]!.text, section)).toBe(section.render());
    },
  );

  it("npm run docs would change nothing, and finds every section", () => {
    expect(regenerateAll(false)).toEqual({ changed: [], missing: [] });
  });

  it("each marker is on its page once", () => {
    for (const section of generatedSections) {
      for (const page of pageOf(section)) {
        for (const marker of markersOf(section)) expect(page.text.split(marker), page.name).toHaveLength(2);
      }
    }
  });

  it("are rewritten between their markers, leaving the rest of the page alone", () => {
    const section = { name: "t", source: "s.ts" };
    const [open, close] = markersOf(section);
    const text = `# T\n\nbefore\n${open}\nold\n${close}\nafter\n`;
    expect(withSection(text, section, "new")).toBe(`# T\n\nbefore\n${open}\nnew\n${close}\nafter\n`);
    expect(() => withSection("# no markers", section, "new")).toThrow(/has no generated section/);
  });

  it("a section that drifted is named and rewritten, on whichever page holds it", () => {
    for (const section of generatedSections) {
      const [page] = pageOf(section);
      const stale = withSection(page!.text, section, "| stale |");
      expect(regenerate(stale)).toEqual({ page: page!.text, changed: [section.name] });
    }
  });
});
