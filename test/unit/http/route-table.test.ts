import { describe, expect, it } from "vitest";
import { operations } from "#http/operations.ts";
import { routes } from "#http/route-table.ts";

describe("the route table", () => {
  it("gives every route an operation with schemas, and every operation a route", () => {
    const ids = routes.map((r) => r.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(Object.keys(operations).sort());
  });

  it("declares path parameters that match the operation's params schema", () => {
    for (const route of routes) {
      const inPath = [...route.path.matchAll(/\{(\w+)\+?\}/g)].map((m) => m[1]).sort();
      const spec = operations[route.operationId as keyof typeof operations];
      const declared = "params" in spec ? Object.keys(spec.params.shape).sort() : [];
      expect(declared, route.path).toEqual(inPath);
    }
  });

  it("accepts Idempotency-Key on every POST", () => {
    for (const route of routes.filter((r) => r.method === "POST")) {
      expect(
        "idempotent" in operations[route.operationId as keyof typeof operations],
        route.operationId,
      ).toBe(true);
    }
  });
});
