import { describe, expect, it } from "vitest";
import { registryRoles } from "#http/roles.ts";
import { type RouteDefinition, routes } from "#http/route-table.ts";

/**
 * API.md's rules ("Roles"), checked over every route of the table. The table is the source; these
 * checks only catch a route whose roles contradict the rules.
 */
const label = (route: RouteDefinition) => `${route.method} ${route.path}`;
const isWrite = (route: RouteDefinition) => ["POST", "PUT", "PATCH"].includes(route.method);
const isUnderModels = (route: RouteDefinition) =>
  route.path === "/models" || route.path.startsWith("/models/");
/** Approving or rejecting a stage transition: the approver's rights, never the publisher's. */
const isApprovalDecision = (route: RouteDefinition) =>
  route.method === "POST" && /\/(approve|reject)$/.test(route.path);
/** Setting the rules that govern promotions: the governor's, never the publisher's. */
const isPolicyWrite = (route: RouteDefinition) => route.method !== "GET" && /\/policy$/.test(route.path);

describe("the roles written on each route", () => {
  it.each(routes.map((route) => [label(route), route] as const))(
    "%s lists known roles, each once, admin among them",
    (_, route) => {
      expect(route.roles.length).toBeGreaterThan(0);
      for (const role of route.roles) expect(registryRoles).toContain(role);
      expect(new Set(route.roles).size).toBe(route.roles.length);
      expect(route.roles).toContain("admin");
    },
  );

  it("lets every role call every GET", () => {
    for (const route of routes.filter((r) => r.method === "GET")) {
      expect([...route.roles].sort(), label(route)).toEqual([...registryRoles].sort());
    }
  });

  it("never lets the reader call anything but a GET", () => {
    for (const route of routes.filter((r) => r.method !== "GET")) {
      expect(route.roles, label(route)).not.toContain("reader");
    }
  });

  it("lets only the admin call a DELETE", () => {
    for (const route of routes.filter((r) => r.method === "DELETE")) {
      expect(route.roles, label(route)).toEqual(["admin"]);
    }
  });

  it("lets the publisher create and edit under /models, except approval decisions and policies", () => {
    for (const route of routes.filter(isWrite)) {
      expect(route.roles.includes("publisher"), label(route)).toBe(
        isUnderModels(route) && !isApprovalDecision(route) && !isPolicyWrite(route),
      );
    }
  });

  it("lets the governor write nothing but a model's policy, and the publisher never write a policy", () => {
    const policyWrites = routes.filter(isPolicyWrite);
    expect(policyWrites.map(label)).toEqual(["PUT /models/{model}/policy"]);
    for (const route of routes.filter((r) => r.method !== "GET")) {
      expect(route.roles.includes("governor"), label(route)).toBe(isPolicyWrite(route));
    }
    for (const route of policyWrites)
      expect([...route.roles].sort(), label(route)).toEqual(["admin", "governor"]);
  });

  it("lets the approver write nothing but approval decisions", () => {
    for (const route of routes.filter((r) => r.method !== "GET")) {
      expect(route.roles.includes("approver"), label(route)).toBe(isApprovalDecision(route));
    }
  });
});
