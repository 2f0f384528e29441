import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generatedSections, regenerate } from "../../../scripts/docs.ts";
import { markersOf, readmePath, sectionIn, withSection } from "../../../scripts/readme-sections.ts";

const readme = readFileSync(readmePath, "utf8");

describe("the README's generated sections", () => {
  it.each(generatedSections.map((section) => [section.name, section] as const))(
    "%s is what its source prints (run `npm run docs` after changing the source)",
    (_, section) => {
      expect(sectionIn(readme, section)).toBe(section.render());
    },
  );

  it("npm run docs would change nothing", () => {
    expect(regenerate(readme).changed).toEqual([]);
  });

  it("are each in the README once", () => {
    for (const section of generatedSections) {
      for (const marker of markersOf(section)) expect(readme.split(marker)).toHaveLength(2);
    }
  });

  it("are rewritten between their markers, leaving the rest of the README alone", () => {
    const section = { name: "t", source: "s.ts" };
    const [open, close] = markersOf(section);
    const text = `# T\n\nbefore\n${open}\nold\n${close}\nafter\n`;
    expect(withSection(text, section, "new")).toBe(`# T\n\nbefore\n${open}\nnew\n${close}\nafter\n`);
    expect(() => withSection("# no markers", section, "new")).toThrow(/has no generated section/);
  });

  it("a section that drifted is named and rewritten", () => {
    const [first] = generatedSections;
    const fresh = regenerate(readme).readme;
    const stale = withSection(fresh, first!, "| stale |");
    expect(regenerate(stale)).toEqual({ readme: fresh, changed: [first!.name] });
  });
});
