import { describe, expect, it } from "vitest";
import { openApiPath } from "#http/openapi.ts";
import { routes } from "#http/route-table.ts";
import { client, type ErrorBody, principal, registry } from "./support.ts";

describe("service routes and authentication", () => {
  it("an unsigned request is a 403 in the registry's error format", async () => {
    const response = await fetch(`${registry().endpoint}/models`);
    expect(response.status).toBe(403);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe("MissingAuthenticationToken");
    expect(body.error.message).toMatch(/sign/i);
    expect(body.error.requestId).toMatch(/^\S{8,}$/);
    expect(response.headers.get("x-amzn-requestid")).toBe(body.error.requestId);
  });

  it("a request signed with an unknown secret is a 403: a known key with the wrong secret, or a key no principal has", async () => {
    const { endpoint, region } = registry();
    const { RegistryClient } = await import("../../clients/typescript/registry-client.ts");
    const signedWith = (accessKeyId: string) =>
      new RegistryClient({ endpoint, region, credentials: { accessKeyId, secretAccessKey: "x".repeat(40) } });
    const wrongSecret = await signedWith(principal("reader").accessKeyId).request({
      method: "GET",
      path: "/models",
    });
    expect(wrongSecret.status).toBe(403);
    expect((wrongSecret.body as ErrorBody).error.code).toBe("SignatureDoesNotMatch");
    const unknownKey = await signedWith("AKIAIMPOSTOR00000000").request({ method: "GET", path: "/models" });
    expect(unknownKey.status).toBe(403);
    expect((unknownKey.body as ErrorBody).error.code).toBe("UnknownAccessKey");
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
