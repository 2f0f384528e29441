import { describe, expect, it } from "vitest";
import type { RouteDefinition } from "#http/route-table.ts";
import { approvalDecisionRoutes, routePermissions } from "../../lib/access-policies.ts";

// A route table from the future, with the transition routes API.md plans.
const route = (method: RouteDefinition["method"], path: string): RouteDefinition => ({
  method,
  path,
  group: "models",
  operationId: `${method}${path}`,
  summary: "",
});
const future: RouteDefinition[] = [
  route("GET", "/models"),
  route("POST", "/models"),
  route("DELETE", "/models/{model}"),
  route("PUT", "/models/{model}/aliases/{alias}"),
  route("POST", "/models/{model}/versions/{version}/transitions"),
  route("POST", "/models/{model}/transitions/{transitionId}/approve"),
  route("POST", "/models/{model}/transitions/{transitionId}/reject"),
];
const keys = (permissions: { method: string; path: string }[]) =>
  permissions.map((p) => `${p.method} ${p.path}`);

describe("role permissions derived from routes", () => {
  it("reader gets the GET routes only", () => {
    expect(keys(routePermissions("reader", future))).toEqual(["GET /models"]);
  });

  it("publisher gets reads and writes under /models, but no deletes and no approval decisions", () => {
    expect(keys(routePermissions("publisher", future))).toEqual([
      "GET /models",
      "POST /models",
      "PUT /models/{model}/aliases/{alias}",
      "POST /models/{model}/versions/{version}/transitions",
    ]);
  });

  it("approver gets reads and approval decisions, including the ones not yet in the route table", () => {
    const granted = keys(routePermissions("approver", []));
    expect(granted).toEqual(keys([...approvalDecisionRoutes]));
    expect(keys(routePermissions("approver", future))).toEqual(
      expect.arrayContaining([
        "GET /models",
        "POST /models/{model}/transitions/{transitionId}/approve",
        "POST /models/{model}/transitions/{transitionId}/reject",
      ]),
    );
    expect(keys(routePermissions("approver", future))).not.toContain("POST /models");
  });
});
