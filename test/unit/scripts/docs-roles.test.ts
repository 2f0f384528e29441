import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { routes } from "#http/route-table.ts";
import {
  formatRoleMatrix,
  formatTransitionTable,
  MATRIX_END,
  MATRIX_START,
  matrixIn,
  readmePath,
  TRANSITIONS_END,
  TRANSITIONS_START,
  withMatrix,
} from "../../../scripts/docs-roles.ts";

describe("the README's role matrix", () => {
  it("is the one the route table prints (run `npm run docs:roles` after changing a route's roles)", () => {
    expect(matrixIn(readFileSync(readmePath, "utf8"))).toBe(formatRoleMatrix(routes));
  });

  it("marks each role a route lists, and only those", () => {
    const matrix = formatRoleMatrix(routes);
    expect(matrix).toContain("| DELETE | `/models/{model}` |  |  |  | ✓ |");
    expect(matrix).toContain("| POST | `/models` |  | ✓ |  | ✓ |");
    expect(matrix).toContain("| GET | `/models` | ✓ | ✓ | ✓ | ✓ |");
  });

  it("is rewritten between its markers, leaving the rest of the README alone", () => {
    const readme = `# T\n\nbefore\n${MATRIX_START}\nold\n${MATRIX_END}\nafter\n`;
    expect(withMatrix(readme, "new")).toBe(`# T\n\nbefore\n${MATRIX_START}\nnew\n${MATRIX_END}\nafter\n`);
    expect(() => withMatrix("# no markers", "new")).toThrow(/has no generated table/);
  });

  it("the table of allowed transitions is the one the lifecycle's rules print", () => {
    const readme = readFileSync(readmePath, "utf8");
    expect(matrixIn(readme, [TRANSITIONS_START, TRANSITIONS_END])).toBe(formatTransitionTable());
    expect(formatTransitionTable()).toContain(
      "| **staging** | ✓ send back for more work | — | ✓ promote to serving (READY only) |",
    );
  });
});
