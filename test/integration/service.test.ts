import { describe, expect, it } from "vitest";
import { openApiPath } from "#http/openapi.ts";
import { routes } from "#http/route-table.ts";
import { client, type ErrorBody, registry } from "./support.ts";

describe("service routes and authentication", () => {
  it("an unsigned request is a 403 in the registry's error format", async () => {
    const response = await fetch(`${registry().endpoint}/models`);
    expect(response.status).toBe(403);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBeTruthy();
    expect(body.error.message).toMatch(/sign/i);
    expect(body.error.requestId).toBeTruthy();
  });

  it("a request signed with an unknown secret is a 403", async () => {
    const { endpoint, region } = registry();
    const impostor = new (await import("../../clients/lib/registry-client.ts")).RegistryClient({
      endpoint,
      region,
      credentials: { accessKeyId: "AKIAIMPOSTOR00000000", secretAccessKey: "x".repeat(40) },
    });
    const response = await impostor.request({ method: "GET", path: "/models" });
    expect(response.status).toBe(403);
  });

  it("the health check answers without a signature", async () => {
    const response = await fetch(`${registry().endpoint}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("serves an OpenAPI 3.1 document covering every route", async () => {
    const response = await client("reader").request({ method: "GET", path: "/openapi.json" });
    expect(response.status).toBe(200);
    const doc = response.body as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe("3.1.0");
    for (const route of routes) {
      expect(
        doc.paths[openApiPath(route.path)]?.[route.method.toLowerCase()],
        `${route.method} ${route.path}`,
      ).toBeDefined();
    }
  });
});
