import { describe, expect, it } from "vitest";
import { ROLES_EXTENSION } from "#http/access-denied.ts";
import { errorStatus } from "#http/errors.ts";
import { openApiDocument } from "#http/openapi.ts";
import { routes } from "#http/route-table.ts";

type Responses = Record<string, { description: string }>;

const doc = openApiDocument() as {
  paths: Record<string, Record<string, { operationId: string; responses: Responses }>>;
};
const responsesOf = Object.fromEntries(
  Object.values(doc.paths).flatMap((methods) =>
    Object.values(methods).map((operation) => [operation.operationId, operation.responses]),
  ),
) as Record<string, Responses>;

describe("the OpenAPI document's error responses", () => {
  it.each(Object.entries(errorStatus))("names %s under its status %i", (code, status) => {
    const naming = Object.entries(responsesOf).filter(([, responses]) =>
      responses[status]?.description.includes(code),
    );
    expect(naming.length, `${status} ${code}`).toBeGreaterThan(0);
  });

  it("lists every code of a status in its description", () => {
    expect(responsesOf.createModel?.[409]?.description).toMatch(
      /ModelAlreadyExists, ConcurrentModification, ModelProtected, VersionFrozen/,
    );
  });

  it("documents 413 on operations with a body", () => {
    expect(responsesOf.createModel?.[413]).toBeDefined();
    expect(responsesOf.updateVersion?.[413]).toBeDefined();
  });

  it("leaves out of a read what only writes can answer", () => {
    for (const status of [409, 412, 413, 422])
      expect(responsesOf.getModel?.[status], `${status}`).toBeUndefined();
    expect(responsesOf.getModel?.[404]).toBeDefined();
    expect(responsesOf.health?.[404]).toBeUndefined();
  });

  it("documents the 409 a download of an unsealed version answers", () => {
    expect(responsesOf.getArtifact?.[409]?.description).toContain("VersionNotReady");
    expect(responsesOf.getAliasArtifact?.[409]?.description).toContain("VersionNotReady");
  });

  it("documents 412 only where If-Match is honoured", () => {
    expect(responsesOf.updateModel?.[412]).toBeDefined();
    expect(responsesOf.setAlias?.[412]).toBeUndefined();
  });
});

describe("the OpenAPI document's roles", () => {
  it("lists on every operation the roles that may call it (what a 403 AccessDenied points to)", () => {
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    expect(operations).toHaveLength(routes.length);
    for (const route of routes) {
      const found = operations.find(({ operation }) => operation.operationId === route.operationId)!;
      expect(
        (found.operation as unknown as Record<string, unknown>)[ROLES_EXTENSION],
        route.operationId,
      ).toEqual(route.roles);
    }
  });
});
