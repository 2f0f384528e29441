import { describe, expect, it, vi } from "vitest";
import { pathOf } from "../../../clients/typescript/http-encoding.ts";
import { RegistryClient } from "../../../clients/typescript/registry-client.ts";
import { RegistryError } from "../../../clients/typescript/registry-error.ts";
import { type FakeReply, fakeFetch, TEST_CREDENTIALS } from "./fake-fetch.ts";
import type { SentRequest } from "./sigv4-reference.ts";

function setup(
  reply?: (request: SentRequest, index: number) => FakeReply,
  endpoint = "http://localhost:8787",
) {
  const recorder = fakeFetch(reply);
  const registry = new RegistryClient({ endpoint, credentials: TEST_CREDENTIALS, fetch: recorder.fetch });
  return { registry, requests: recorder.requests };
}

/** Runs `test` with these environment variables, then restores the environment. */
async function withEnv(variables: Record<string, string>, test: () => unknown) {
  for (const [name, value] of Object.entries(variables)) vi.stubEnv(name, value);
  try {
    await test();
  } finally {
    vi.unstubAllEnvs();
  }
}

describe("RegistryClient configuration", () => {
  it("defaults endpoint and region from the environment", () =>
    withEnv(
      {
        REGISTRY_ENDPOINT: "https://api.example.com/stage/",
        AWS_REGION: "",
        AWS_DEFAULT_REGION: "ap-south-1",
      },
      () => {
        const registry = new RegistryClient({ credentials: TEST_CREDENTIALS });
        expect(registry.endpoint).toBe("https://api.example.com/stage");
        expect(registry.region).toBe("ap-south-1");
      },
    ));

  it("falls back to the local endpoint and us-east-1", () =>
    withEnv({ REGISTRY_ENDPOINT: "", AWS_REGION: "", AWS_DEFAULT_REGION: "" }, () => {
      const registry = new RegistryClient({ credentials: TEST_CREDENTIALS });
      expect(registry.endpoint).toBe("http://127.0.0.1:8787");
      expect(registry.region).toBe("us-east-1");
    }));

  it("signs with the credentials in the environment when none are given", () =>
    withEnv(
      { AWS_ACCESS_KEY_ID: "AKIDFROMENV", AWS_SECRET_ACCESS_KEY: "secret", AWS_SESSION_TOKEN: "token" },
      async () => {
        const recorder = fakeFetch();
        await new RegistryClient({ endpoint: "http://localhost", fetch: recorder.fetch }).listModels();
        const headers = recorder.requests[0]?.headers ?? {};
        expect(headers.authorization).toContain("Credential=AKIDFROMENV/");
        expect(headers["x-amz-security-token"]).toBe("token");
      },
    ));

  it("rejects an endpoint that is not an http(s) URL", () => {
    expect(() => new RegistryClient({ endpoint: "localhost:8787", credentials: TEST_CREDENTIALS })).toThrow(
      /must use http or https|is not a URL/,
    );
  });
});

describe("RegistryClient URLs", () => {
  it("puts the endpoint's base path before every route", async () => {
    const { registry, requests } = setup(undefined, "https://abc.execute-api.eu-west-1.amazonaws.com/v1");
    await registry.getVersion("fraud", 3);
    expect(requests[0]?.url.href).toBe(
      "https://abc.execute-api.eu-west-1.amazonaws.com/v1/models/fraud/versions/3",
    );
  });

  it("encodes each caller-supplied path segment whole", async () => {
    const { registry, requests } = setup();
    await registry.compareVersions("a.b-c", 1, 2);
    await registry.setAlias("fraud", "../x?y#z", 4);
    expect(requests.map((request) => request.url.pathname)).toEqual([
      "/models/a.b-c/versions/1/compare/2",
      "/models/fraud/aliases/..%2Fx%3Fy%23z",
    ]);
    expect(requests[1]?.body).toBe('{"version":4}');
  });

  it("refuses empty, '.' and '..' segments, which URL parsers would resolve to another route", () => {
    expect(() => pathOf("models", "..")).toThrow(/invalid path segment/);
    expect(() => pathOf("models", "")).toThrow(/invalid path segment/);
  });

  it("encodes query values with RFC 3986, drops undefined ones and repeats arrays", async () => {
    const { registry, requests } = setup();
    await registry.request({
      method: "GET",
      path: "/models",
      query: { prefix: "a b&c=d", tag: "k=v/w", limit: 10, owner: undefined, x: ["2", "1"], y: "it's*" },
    });
    expect(requests[0]?.url.search).toBe("?prefix=a%20b%26c%3Dd&tag=k%3Dv%2Fw&limit=10&x=2&x=1&y=it%27s%2A");
  });

  it("sends no query string when there is none", async () => {
    const { registry, requests } = setup();
    await registry.listModels();
    expect(requests[0]?.url.href).toBe("http://localhost:8787/models");
  });
});

describe("RegistryClient responses", () => {
  it("request() returns error responses instead of throwing", async () => {
    const error = { error: { code: "ModelNotFound", message: "model 'x' does not exist", requestId: "r1" } };
    const { registry } = setup(() => ({ status: 404, body: error, headers: { "X-Request-Id": "r1" } }));
    const response = await registry.request({ method: "GET", path: "/models/x" });
    expect(response).toMatchObject({ status: 404, body: error, headers: { "x-request-id": "r1" } });
    expect(response.rawBody).toBe(JSON.stringify(error));
  });

  it("request() gives body null for empty or non-JSON bodies", async () => {
    const { registry } = setup((_, index) =>
      index === 0 ? { status: 204 } : { status: 502, body: "Bad Gateway" },
    );
    expect(await registry.request({ method: "DELETE", path: "/models/x" })).toMatchObject({
      body: null,
      rawBody: "",
    });
    expect(await registry.request({ method: "GET", path: "/x" })).toMatchObject({
      body: null,
      rawBody: "Bad Gateway",
    });
  });

  it("convenience methods throw RegistryError with code, message and requestId", async () => {
    const body = { error: { code: "NameTaken", message: "model 'x' exists", requestId: "req-9" } };
    const { registry } = setup(() => ({ status: 409, body }));
    const failure = await registry.createModel({ name: "x" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RegistryError);
    expect(failure).toMatchObject({
      status: 409,
      code: "NameTaken",
      message: "model 'x' exists",
      requestId: "req-9",
    });
  });

  it("normalises API Gateway's own error bodies", async () => {
    const { registry } = setup(() => ({
      status: 403,
      body: { message: "The request signature we calculated does not match" },
      headers: { "x-amzn-RequestId": "gw-1" },
    }));
    await expect(registry.getModel("x")).rejects.toMatchObject({
      status: 403,
      code: "Forbidden",
      requestId: "gw-1",
      body: { error: { code: "Forbidden", message: "The request signature we calculated does not match" } },
    });
  });

  it("sends If-Match and Idempotency-Key only when given", async () => {
    const { registry, requests } = setup();
    await registry.updateModel("m", { description: "d" }, { ifMatch: '"e1"' });
    await registry.updateModel("m", { description: "d" });
    await registry.createVersion("m", { artifacts: [] }, { idempotencyKey: "k" });
    expect(requests[0]?.headers["if-match"]).toBe('"e1"');
    expect(requests[1]?.headers["if-match"]).toBeUndefined();
    expect(requests[2]?.headers["idempotency-key"]).toBe("k");
    expect(requests.map((request) => request.method)).toEqual(["PATCH", "PATCH", "POST"]);
  });

  it("wraps network failures with the endpoint", async () => {
    const failing: typeof fetch = () =>
      Promise.reject(new TypeError("fetch failed", { cause: new Error("ECONNREFUSED") }));
    const registry = new RegistryClient({
      endpoint: "http://127.0.0.1:1",
      credentials: TEST_CREDENTIALS,
      fetch: failing,
    });
    await expect(registry.listModels()).rejects.toThrow(
      "cannot reach the registry at http://127.0.0.1:1: ECONNREFUSED",
    );
  });
});

describe("RegistryClient.paginate", () => {
  it("follows nextToken across pages", async () => {
    const pages = [
      { items: [{ name: "a" }, { name: "b" }], nextToken: "t1" },
      { items: [{ name: "c" }], nextToken: "t2" },
      { items: [] },
    ];
    const { registry, requests } = setup((_, index) => ({ body: pages[index] }));
    const names: string[] = [];
    for await (const model of registry.paginate((nextToken) =>
      registry.listModels({ limit: 2, nextToken }),
    )) {
      names.push(model.name);
    }
    expect(names).toEqual(["a", "b", "c"]);
    expect(requests.map((request) => request.url.search)).toEqual([
      "?limit=2",
      "?limit=2&nextToken=t1",
      "?limit=2&nextToken=t2",
    ]);
  });

  it("stops with an error when the server repeats a token", async () => {
    const { registry } = setup(() => ({ body: { items: [{ name: "a" }], nextToken: "same" } }));
    const drain = async () => {
      for await (const _ of registry.paginate((nextToken) => registry.listModels({ nextToken }))) {
        // drain
      }
    };
    await expect(drain()).rejects.toThrow(/did not advance/);
  });
});
