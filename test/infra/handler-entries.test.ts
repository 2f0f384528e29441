import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { routeGroups } from "#http/route-table.ts";
import { FUNCTION_ENTRIES } from "../../functions/entry-points/entries.ts";
import { RegistryFunction } from "../../lib/registry-function.ts";

// Its own file, with no synth, so a missing handler shows up as a failed test with a plain
// message rather than only as the API stack's synth error.
describe("handler entries", () => {
  it.each(Object.entries(FUNCTION_ENTRIES))(
    "function '%s' has an entry file that exports `handler`",
    (fn, entry) => {
      const path = RegistryFunction.resolveEntry(entry);
      expect(existsSync(path), `${entry} is missing: the ${fn} Lambda function has nothing to bundle`).toBe(
        true,
      );
      // Read, not imported: importing would run the handler's cold-start wiring.
      expect(readFileSync(path, "utf8")).toMatch(
        /export\s+(?:const|let|(?:async\s+)?function)\s+handler\b|export\s*\{[^}]*\bhandler\b[^}]*\}/,
      );
    },
  );

  it("are one folder, every module of which is a listed entry (but the list itself)", () => {
    const folder = readdirSync(RegistryFunction.resolveEntry("functions/entry-points"))
      .filter((name) => name !== "entries.ts")
      .map((name) => `functions/entry-points/${name}`)
      .sort();
    expect(folder).toEqual(Object.values(FUNCTION_ENTRIES).sort());
  });

  it("give every route group a function", () => {
    for (const group of routeGroups) expect(Object.keys(FUNCTION_ENTRIES)).toContain(group);
  });
});
