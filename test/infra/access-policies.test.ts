import { describe, expect, it } from "vitest";
import { registryRoles } from "#http/roles.ts";
import { type RouteDefinition, routes } from "#http/route-table.ts";
import { invokePermissions } from "../../lib/access-policies.ts";
import { executeApiPath } from "../../lib/route-paths.ts";

const keys = (role: (typeof registryRoles)[number], table: readonly RouteDefinition[] = routes) =>
  invokePermissions(role, table).map((p) => `${p.method} ${p.resourcePath}`);

describe("role policies generated from the route table", () => {
  it("gives the reader no POST, PUT, PATCH or DELETE", () => {
    const granted = invokePermissions("reader", routes);
    expect(granted.length).toBeGreaterThan(0);
    for (const permission of granted) expect(permission.method).toBe("GET");
  });

  it("gives the publisher no DELETE", () => {
    expect(invokePermissions("publisher", routes).map((p) => p.method)).not.toContain("DELETE");
  });

  it("gives each route's ARN to every role the route lists", () => {
    for (const route of routes) {
      for (const role of route.roles) {
        expect(keys(role), `${role}: ${route.method} ${route.path}`).toContain(
          `${route.method} ${executeApiPath(route.path)}`,
        );
      }
    }
  });

  it("gives a role nothing beyond the routes that list it", () => {
    for (const role of registryRoles) {
      const listed = new Set(
        routes.filter((r) => r.roles.includes(role)).map((r) => `${r.method} ${executeApiPath(r.path)}`),
      );
      for (const key of keys(role)) expect(listed, `${role}: ${key}`).toContain(key);
    }
  });

  it("follows a route that lists a role, and lists each shared ARN once", () => {
    const route = (method: RouteDefinition["method"], path: string, roles: RouteDefinition["roles"]) => ({
      method,
      path,
      roles,
      group: "models" as const,
      operationId: `${method}${path}`,
      summary: "",
    });
    // Approve lands with the transitions issue: the approver gets it because the route says so.
    const future = [
      route("GET", "/models/{model}", ["reader", "approver", "admin"]),
      route("GET", "/models/{other}", ["approver"]),
      route("POST", "/models/{model}/transitions/{id}/approve", ["approver", "admin"]),
    ];
    expect(keys("approver", future)).toEqual(["GET /models/*", "POST /models/*/transitions/*/approve"]);
    expect(keys("reader", future)).toEqual(["GET /models/*"]);
    expect(keys("publisher", future)).toEqual([]);
  });
});
