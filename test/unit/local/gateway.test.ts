import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouteDefinition } from "../../../functions/http/route-table.ts";
import { type HttpHandler, type LocalGateway, startGateway } from "../../../local/gateway.ts";
import { builtInPrincipals, type LocalPrincipal } from "../../../local/principals.ts";
import { presignedGet, signedHeaders } from "../../support/presign.ts";

const everyone = ["reader", "publisher", "approver", "admin"] as const;
const routes: RouteDefinition[] = [
  {
    method: "GET",
    path: "/health",
    group: "service",
    operationId: "health",
    summary: "",
    roles: everyone,
    localUnauthenticated: true,
  },
  {
    method: "GET",
    path: "/models/{model}",
    group: "models",
    operationId: "getModel",
    summary: "",
    roles: everyone,
  },
  {
    method: "DELETE",
    path: "/models/{model}",
    group: "models",
    operationId: "deleteModel",
    summary: "",
    roles: ["admin"],
  },
  {
    method: "POST",
    path: "/models/{model}/versions",
    group: "versions",
    operationId: "createVersion",
    summary: "",
    roles: ["publisher", "admin"],
  },
  {
    method: "GET",
    path: "/models/{model}/files/{path+}",
    group: "versions",
    operationId: "getFile",
    summary: "",
    roles: everyone,
  },
];

const as = (name: string) => builtInPrincipals.find((p) => p.name === name)!;
const reader = as("reader");
const publisher = as("publisher");
const seen: { event: APIGatewayProxyEvent; context: Context }[] = [];
let respond: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
const errors: string[] = [];
type ErrorBody = { error: { code: string; message: string; requestId: string } };
let gateway: LocalGateway;

const echoHandler: HttpHandler = async (event, context) => {
  seen.push({ event, context });
  return respond(event);
};

beforeAll(async () => {
  gateway = await startGateway({
    port: 0,
    region: "us-east-1",
    principals: builtInPrincipals,
    routes,
    loadHandler: async () => echoHandler,
    logError: (line) => errors.push(line),
  });
});
afterAll(() => gateway.close());

function reset(result: APIGatewayProxyResult | (() => never) = { statusCode: 200, body: '{"ok":true}' }) {
  seen.length = 0;
  errors.length = 0;
  respond = async () => (typeof result === "function" ? result() : result);
}

async function send(
  method: string,
  pathAndQuery: string,
  options: {
    headers?: Record<string, string>;
    body?: string | Uint8Array;
    sign?: boolean;
    principal?: LocalPrincipal;
  } = {},
): Promise<Response> {
  const url = new URL(pathAndQuery, gateway.endpoint);
  let headers: Record<string, string> = { ...options.headers };
  if (options.sign !== false) {
    headers = await signedHeaders(url, {
      method,
      region: "us-east-1",
      credentials: options.principal ?? reader,
      headers,
      body: options.body,
    });
  }
  return fetch(url, { method, headers, body: options.body });
}

describe("local API gateway", () => {
  it("builds the API Gateway REST proxy event, with the caller's identity from the signature", async () => {
    reset();
    const response = await send("GET", "/models/fraud%20v2?tag=a%3Db&tag=c&limit=5", {
      headers: { "x-trace": "one" },
    });
    expect(response.status).toBe(200);
    const { event, context } = seen[0]!;
    expect(event).toMatchObject({
      resource: "/models/{model}",
      path: "/models/fraud%20v2",
      httpMethod: "GET",
      pathParameters: { model: "fraud v2" },
      queryStringParameters: { tag: "c", limit: "5" },
      multiValueQueryStringParameters: { tag: ["a=b", "c"], limit: ["5"] },
      body: null,
      isBase64Encoded: false,
      stageVariables: null,
    });
    expect(event.headers["x-trace"]).toBe("one");
    expect(event.multiValueHeaders["x-trace"]).toEqual(["one"]);
    expect(event.requestContext).toMatchObject({
      resourcePath: "/models/{model}",
      httpMethod: "GET",
      path: "/local/models/fraud%20v2",
      stage: "local",
      accountId: "000000000000",
      identity: {
        userArn: "arn:aws:iam::000000000000:user/reader",
        accessKey: "AKIALOCALREADER00001",
        caller: reader.userId,
        user: reader.userId,
        accountId: "000000000000",
        sourceIp: "127.0.0.1",
      },
    });
    expect(event.requestContext.requestId).toBe(response.headers.get("x-amzn-requestid"));
    expect(context.awsRequestId).toBe(event.requestContext.requestId);
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(20_000);
  });

  it("serves a route marked localUnauthenticated without a signature, with an empty identity", async () => {
    reset();
    const response = await send("GET", "/health", { sign: false });
    expect(response.status).toBe(200);
    const { event } = seen[0]!;
    expect(event.pathParameters).toBeNull();
    expect(event.queryStringParameters).toBeNull();
    expect(event.multiValueQueryStringParameters).toBeNull();
    expect(event.requestContext.identity.userArn).toBeNull();
  });

  it("passes a greedy {path+} parameter decoded, slashes included", async () => {
    reset();
    await send("GET", "/models/m/files/weights/layer%201.bin");
    expect(seen[0]!.event.pathParameters).toEqual({ model: "m", path: "weights/layer 1.bin" });
  });

  it("passes JSON bodies as text and binary bodies base64-encoded", async () => {
    reset();
    await send("POST", "/models/m/versions", {
      principal: publisher,
      headers: { "content-type": "application/json" },
      body: '{"a":1}',
    });
    expect(seen[0]!.event).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });

    reset();
    const bytes = new Uint8Array([0, 255, 1, 254]);
    await send("POST", "/models/m/versions", {
      principal: publisher,
      headers: { "content-type": "application/octet-stream" },
      body: bytes,
    });
    expect(seen[0]!.event).toMatchObject({
      body: Buffer.from(bytes).toString("base64"),
      isBase64Encoded: true,
    });
  });

  it("writes the handler's status, headers, multi-value headers and base64 body", async () => {
    reset({
      statusCode: 201,
      headers: { ETag: '"3"', "content-type": "application/octet-stream" },
      multiValueHeaders: { "x-multi": ["a", "b"] },
      body: Buffer.from([1, 2, 3]).toString("base64"),
      isBase64Encoded: true,
    });
    const response = await send("POST", "/models/m/versions", { principal: publisher, body: "{}" });
    expect(response.status).toBe(201);
    expect(response.headers.get("etag")).toBe('"3"');
    expect(response.headers.get("x-multi")).toBe("a, b");
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("turns a handler that throws into a 502 (API Gateway's answer to a function error) that hides the error and logs it", async () => {
    reset(() => {
      throw new Error("database password is hunter2");
    });
    const response = await send("GET", "/models/m");
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(text).not.toContain("hunter2");
    const body = JSON.parse(text) as { error: { code: string; message: string; requestId: string } };
    expect(body.error).toEqual({
      code: "InternalError",
      message: "internal error",
      requestId: response.headers.get("x-amzn-requestid"),
    });
    expect(errors.join("\n")).toContain("hunter2");
  });

  it("answers a method the resource lacks with 405 and Allow, before checking the signature", async () => {
    reset();
    const response = await send("DELETE", "/models/m/versions", { sign: false });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST, OPTIONS");
    expect(seen).toHaveLength(0);
  });

  it("answers a CORS preflight for a known path from the registry's own origin", async () => {
    const response = await fetch(`${gateway.endpoint}/models/m`, {
      method: "OPTIONS",
      headers: { origin: gateway.endpoint, "access-control-request-method": "GET" },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(gateway.endpoint);
    expect(response.headers.get("access-control-allow-methods")).toBe("GET, DELETE, OPTIONS");
  });

  it("gives any other origin no CORS answer, preflight or not: the local keys are public, a page must not use them", async () => {
    const preflight = await fetch(`${gateway.endpoint}/models/m`, {
      method: "OPTIONS",
      headers: { origin: "https://attacker.example", "access-control-request-method": "GET" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const plain = await fetch(`${gateway.endpoint}/models/m`, {
      headers: { origin: "https://attacker.example" },
    });
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
    const own = await fetch(`${gateway.endpoint}/models/m`, { headers: { origin: gateway.endpoint } });
    expect(own.headers.get("access-control-allow-origin")).toBe(gateway.endpoint);
  });

  it("refuses a request addressed to another host name (a page rebinding its name to 127.0.0.1)", async () => {
    const { request } = await import("node:http");
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const outgoing = request(
        `${gateway.endpoint}/models/m`,
        { headers: { host: "attacker.example" } },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      outgoing.once("error", reject).end();
    });
    expect(status).toBe(400);
  });

  it("refuses a bad signature on an open route rather than ignoring it", async () => {
    reset();
    const response = await send("GET", "/health", {
      sign: false,
      headers: {
        authorization:
          "AWS4-HMAC-SHA256 Credential=AKIALOCALREADER00001/20250101/us-east-1/execute-api/aws4_request",
      },
    });
    expect(response.status).toBe(403);
    expect(seen).toHaveLength(0);
  });

  it("answers a handler's malformed result with 502 and logs what it returned", async () => {
    reset({ statusCode: "200", body: {} } as unknown as APIGatewayProxyResult);
    const response = await send("GET", "/models/m");
    expect(response.status).toBe(502);
    expect(((await response.json()) as ErrorBody).error).toMatchObject({
      code: "InternalError",
      message: "the handler returned a malformed response.",
    });
    expect(errors.join("\n")).toContain(
      "returned an object with keys statusCode, body, not {statusCode, body}",
    );
  });

  it("drops a presigned request's X-Amz-* parameters from the query the handler sees", async () => {
    reset();
    const url = await presignedGet(new URL("/models/m?limit=5", gateway.endpoint), {
      region: "us-east-1",
      credentials: reader,
      expiresIn: 60,
    });
    expect(url.searchParams.get("X-Amz-Signature")).toBeTruthy();
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(seen[0]!.event.queryStringParameters).toEqual({ limit: "5" });
    expect(seen[0]!.event.multiValueQueryStringParameters).toEqual({ limit: ["5"] });
    expect(seen[0]!.event.requestContext.identity.userArn).toBe(reader.arn);
  });
});

describe("local API gateway, roles", () => {
  it.each(["reader", "publisher", "approver", "admin"])(
    "lets %s call a GET every role may call",
    async (name) => {
      reset();
      const response = await send("GET", "/models/m", { principal: as(name) });
      expect(response.status).toBe(200);
      expect(seen).toHaveLength(1);
    },
  );

  it.each([
    ["publisher", 200],
    ["admin", 200],
    ["reader", 403],
    ["approver", 403],
  ])("answers %s's POST to a route for publisher and admin with %i", async (name, status) => {
    reset();
    const response = await send("POST", "/models/m/versions", { principal: as(name), body: "{}" });
    expect(response.status).toBe(status);
    expect(seen).toHaveLength(status === 200 ? 1 : 0);
  });

  it("refuses a role the route does not list with IAM's AccessDenied, before the handler runs", async () => {
    reset();
    const response = await send("DELETE", "/models/fraud%20v2", { principal: publisher });
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-errortype")).toBe("AccessDeniedException");
    const iam =
      "User: arn:aws:iam::000000000000:user/publisher is not authorized to perform: execute-api:Invoke " +
      "on resource: arn:aws:execute-api:us-east-1:000000000000:local/local/DELETE/models/fraud%20v2";
    const body = (await response.json()) as {
      error: { code: string; message: string; details: unknown; requestId: string };
    };
    expect(body.error).toMatchObject({
      code: "AccessDenied",
      details: { iam, route: "DELETE /models/{model}" },
      requestId: response.headers.get("x-amzn-requestid"),
    });
    // What to do first: the route, the roles that may call it, the caller's, and where roles are listed.
    expect(body.error.message).toMatch(
      /^DELETE \/models\/\{model\} may be called by the roles admin; this principal plays publisher: sign with a principal that plays one of them\. GET \/openapi\.json lists the roles/,
    );
    expect(seen).toHaveLength(0);
  });

  it("lets only admin call a DELETE that lists only admin", async () => {
    for (const name of ["reader", "publisher", "approver", "admin"]) {
      reset();
      const response = await send("DELETE", "/models/m", { principal: as(name) });
      expect(response.status, name).toBe(name === "admin" ? 200 : 403);
    }
  });
});

describe("local API gateway, slow handlers", () => {
  it("answers 504 IntegrationTimeout when the handler takes longer than the integration timeout", async () => {
    const slow = await startGateway({
      port: 0,
      region: "us-east-1",
      principals: builtInPrincipals,
      routes,
      loadHandler: async () => () => new Promise(() => {}),
      integrationTimeoutMs: 50,
    });
    try {
      const response = await fetch(`${slow.endpoint}/health`);
      expect(response.status).toBe(504);
      expect(((await response.json()) as ErrorBody).error).toMatchObject({
        code: "IntegrationTimeout",
        message: "the service handler did not answer within 0.05 seconds (API Gateway's limit).",
      });
    } finally {
      await slow.close();
    }
  });
});
