import { describe, expect, it } from "vitest";
import { routes } from "#http/route-table.ts";
import { executeApiPath, pathParts } from "../../lib/route-paths.ts";

describe("route paths", () => {
  it("split into API Gateway path parts, parameters kept as written", () => {
    expect(pathParts("/models/{model}/versions/{version}")).toEqual([
      "models",
      "{model}",
      "versions",
      "{version}",
    ]);
    expect(pathParts("/openapi.json")).toEqual(["openapi.json"]);
    expect(pathParts("/files/{path+}")).toEqual(["files", "{path+}"]);
    expect(pathParts("/")).toEqual([]);
  });

  it("reject what API Gateway would reject", () => {
    expect(() => pathParts("models")).toThrow(/must start with/);
    expect(() => pathParts("/files/{path+}/meta")).toThrow(/must be the last part/);
    expect(() => pathParts("/models//versions")).toThrow(/invalid part/);
  });

  it("become execute-api ARN paths with a wildcard per parameter", () => {
    expect(executeApiPath("/models/{model}/aliases/{alias}")).toBe("/models/*/aliases/*");
    expect(executeApiPath("/files/{path+}")).toBe("/files/*");
    expect(executeApiPath("/health")).toBe("/health");
  });

  it("accept every route in the route table", () => {
    for (const route of routes) expect(() => pathParts(route.path), route.path).not.toThrow();
  });
});
