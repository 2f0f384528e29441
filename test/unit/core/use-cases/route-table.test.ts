import { describe, expect, it } from "vitest";
import { routes } from "#http/route-table.ts";

/**
 * The route table's `{group, operationId}` leads to its code in one hop:
 * `functions/core/use-cases/<group>.ts`, export `<operationId>`. The `service` group (health,
 * the OpenAPI document) is the HTTP layer's own and has no use case.
 */
const httpOnlyGroups = new Set(["service"]);

describe("every route's operation has a use case where its group says", () => {
  for (const route of routes.filter((r) => !httpOnlyGroups.has(r.group))) {
    it(`${route.method} ${route.path} → use-cases/${route.group}.ts#${route.operationId}`, async () => {
      const module: Record<string, unknown> = await import(`#core/use-cases/${route.group}.ts`);
      expect(typeof module[route.operationId], `${route.group}.ts exports no ${route.operationId}`).toBe(
        "function",
      );
    });
  }

  it("and no use-case module exports a function no route calls", async () => {
    const groups = [...new Set(routes.map((r) => r.group))].filter((g) => !httpOnlyGroups.has(g));
    for (const group of groups) {
      const module: Record<string, unknown> = await import(`#core/use-cases/${group}.ts`);
      const operations = new Set(routes.filter((r) => r.group === group).map((r) => r.operationId));
      const exported = Object.entries(module).filter(([, value]) => typeof value === "function");
      expect(
        exported.map(([name]) => name).filter((name) => !operations.has(name)),
        group,
      ).toEqual([]);
    }
  });
});
