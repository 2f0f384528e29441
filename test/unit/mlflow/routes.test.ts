import { describe, expect, it } from "vitest";
import { registryRoles } from "#http/roles.ts";
import { routes } from "#http/route-table.ts";
import { mlflowOperations } from "../../../functions/mlflow/operations.ts";
import { MLFLOW_API_PREFIX, mlflowRoutes } from "../../../functions/mlflow/routes.ts";
import { pathParts } from "../../../lib/route-paths.ts";

describe("the MLflow routes", () => {
  it("are the paths and methods MLflow's client calls, each with an operation, none a native route", () => {
    const keys = mlflowRoutes.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const route of mlflowRoutes) {
      expect(route.path.startsWith(`${MLFLOW_API_PREFIX}/`)).toBe(true);
      expect(() => pathParts(route.path)).not.toThrow();
      expect(typeof mlflowOperations[route.operationId]).toBe("function");
      expect(routes.some((r) => r.path === route.path)).toBe(false);
    }
    expect(Object.keys(mlflowOperations).sort()).toEqual(mlflowRoutes.map((r) => r.operationId).sort());
  });

  it("give reads to every role, writes to publishers and admins, and deletes of models, versions and aliases to admins", () => {
    for (const route of mlflowRoutes) {
      const roles = [...route.roles].sort();
      if (route.method === "GET" || route.operationId === "mlflowGetLatestVersions") {
        expect(roles, route.path).toEqual([...registryRoles].sort());
      } else if (route.method === "DELETE" && !route.path.endsWith("delete-tag")) {
        expect(roles, route.path).toEqual(["admin"]);
      } else {
        expect(roles, route.path).toEqual(["admin", "publisher"]);
      }
    }
  });
});
