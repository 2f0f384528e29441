import { describe, expect, it } from "vitest";
import { aliasOperations } from "#http/operations/aliases.ts";
import { artifactOperations } from "#http/operations/artifacts.ts";
import { modelOperations } from "#http/operations/models.ts";
import { serviceOperations } from "#http/operations/service.ts";
import { transitionOperations } from "#http/operations/transitions.ts";
import { versionOperations } from "#http/operations/versions.ts";
import { operations } from "#http/operations.ts";
import { type RouteGroup, routeGroups, routes } from "#http/route-table.ts";

const groupOperations: Record<RouteGroup, object> = {
  service: serviceOperations,
  models: modelOperations,
  versions: versionOperations,
  aliases: aliasOperations,
  artifacts: artifactOperations,
  transitions: transitionOperations,
};

describe("the route table", () => {
  it("gives every route an operation with schemas, and every operation a route", () => {
    const ids = routes.map((r) => r.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(Object.keys(operations).sort());
  });

  it("keeps each operation's spec in the module of its route's group", () => {
    // A handler finds its specs only there: a spec in another group's module is a route it
    // never serves (404 RouteNotFound).
    for (const group of routeGroups) {
      const ids = routes.filter((r) => r.group === group).map((r) => r.operationId);
      expect(Object.keys(groupOperations[group]).sort(), group).toEqual(ids.sort());
    }
  });

  it("declares path parameters that match the operation's params schema", () => {
    for (const route of routes) {
      const inPath = [...route.path.matchAll(/\{(\w+)\+?\}/g)].map((m) => m[1]).sort();
      const spec = operations[route.operationId as keyof typeof operations];
      const declared = spec.params ? Object.keys(spec.params.shape).sort() : [];
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
