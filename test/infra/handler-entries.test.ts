import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { routeGroups } from "#http/route-table.ts";
import { RegistryFunction } from "../../lib/registry-function.ts";

// Its own file, with no synth, so a missing handler shows up as a failed test with a plain
// message rather than only as the API stack's synth error.
describe("handler entries", () => {
  it.each(routeGroups)("route group '%s' has an entry file that exports `handler`", (group) => {
    const entry = `functions/http/handlers/${group}.ts`;
    const path = RegistryFunction.resolveEntry(entry);
    expect(existsSync(path), `${entry} is missing: the ${group} Lambda function has nothing to bundle`).toBe(
      true,
    );
    // Read, not imported: importing would run the handler's cold-start wiring.
    expect(readFileSync(path, "utf8")).toMatch(
      /export\s+(?:const|let|(?:async\s+)?function)\s+handler\b|export\s*\{[^}]*\bhandler\b[^}]*\}/,
    );
  });
});
