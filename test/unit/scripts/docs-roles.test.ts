import { describe, expect, it } from "vitest";
import { routes } from "#http/route-table.ts";
import { formatRoleMatrix, formatTransitionTable } from "../../../scripts/docs-roles.ts";

describe("the README's role matrix", () => {
  it("marks each role a route lists, and only those", () => {
    const matrix = formatRoleMatrix(routes);
    expect(matrix).toContain("| DELETE | `/models/{model}` |  |  |  |  | ✓ |");
    expect(matrix).toContain("| POST | `/models` |  | ✓ |  |  | ✓ |");
    expect(matrix).toContain("| GET | `/models` | ✓ | ✓ | ✓ | ✓ | ✓ |");
    expect(matrix).toContain("| PUT | `/models/{model}/policy` |  |  |  | ✓ | ✓ |");
  });

  it("the table of allowed transitions gives each allowed move its reason", () => {
    expect(formatTransitionTable()).toContain(
      "| **staging** | ✓ send back for more work | — | ✓ promote to serving (READY only) |",
    );
  });
});
