import { describe, expect, it } from "vitest";
import { type RouteDefinition, routes } from "../../../functions/http/route-table.ts";
import { createRouteMatcher } from "../../../local/route-matcher.ts";

const route = (method: RouteDefinition["method"], path: string): RouteDefinition => ({
  method,
  path,
  group: "models",
  operationId: `${method} ${path}`,
  summary: "",
  roles: ["admin"],
});

describe("createRouteMatcher", () => {
  const match = createRouteMatcher(routes);

  it("matches a resource with parameters and decodes their values", () => {
    expect(match("GET", "/models/fraud%2Fv2/versions/7")).toMatchObject({
      kind: "match",
      route: { path: "/models/{model}/versions/{version}", operationId: "getVersion" },
      pathParameters: { model: "fraud/v2", version: "7" },
    });
  });

  it("gives null path parameters for a resource without any", () => {
    expect(match("GET", "/models")).toMatchObject({ kind: "match", pathParameters: null });
  });

  it("treats a trailing slash as the same resource", () => {
    expect(match("POST", "/models/")).toMatchObject({ kind: "match", route: { operationId: "createModel" } });
  });

  it("lists the allowed methods when the path exists but the method does not", () => {
    expect(match("PUT", "/models/fraud")).toEqual({
      kind: "method-not-allowed",
      allow: ["GET", "PATCH", "DELETE"],
    });
  });

  it("does not match empty segments, extra segments or unknown paths", () => {
    expect(match("GET", "/models//versions")).toEqual({ kind: "not-found" });
    expect(match("GET", "/models/a/versions/1/extra")).toEqual({ kind: "not-found" });
    expect(match("GET", "/nothing")).toEqual({ kind: "not-found" });
  });

  it("prefers a literal segment over a parameter, and a parameter over a greedy parameter", () => {
    const custom = createRouteMatcher([
      route("GET", "/files/{path+}"),
      route("GET", "/files/{name}"),
      route("POST", "/files/latest"),
    ]);
    expect(custom("GET", "/files/a")).toMatchObject({ kind: "match", route: { path: "/files/{name}" } });
    expect(custom("GET", "/files/a/b")).toMatchObject({ kind: "match", pathParameters: { path: "a/b" } });
    expect(custom("GET", "/files/latest")).toEqual({ kind: "method-not-allowed", allow: ["POST"] });
  });
});
