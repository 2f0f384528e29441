/**
 * The middleware chain of `createApiHandler`, driven with API Gateway events and operations that
 * need no storage: what a client sees for each request shape.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as z from "zod/mini";
import { logger } from "#composition/logger.ts";
import type { RequestContext } from "#core/kernel/context.ts";
import { createApiHandler, type Implementations, type OperationSpecs, type UsageMeter } from "#http/api.ts";
import { modelOperations } from "#http/operations/models.ts";
import { serviceOperations } from "#http/operations/service.ts";
import { deferredBody, ModelParams, type OperationSpec } from "#http/operations/spec.ts";
import { createLambdaContext } from "../../../local/lambda-context.ts";

const CALLER = "arn:aws:iam::000000000000:user/alice";

/** A group's implementations: the ones a test gives, and for the others one that fails if reached. */
function implementing<S extends OperationSpecs>(
  specs: S,
  some: Partial<Implementations<S>>,
): Implementations<S> {
  const notUnderTest = async () => {
    throw new Error("this operation is not under test");
  };
  return Object.fromEntries(
    Object.keys(specs).map((id) => [id, some[id as keyof S] ?? notUnderTest]),
  ) as Implementations<S>;
}
const model = { name: "fraud", etag: '"1"' };

function request(
  method: string,
  resource: string,
  options: {
    path?: string;
    params?: Record<string, string>;
    query?: Record<string, string>;
    headers?: Record<string, string>;
    body?: string;
    actor?: string | null;
  } = {},
) {
  const event = {
    resource,
    path: options.path ?? resource,
    httpMethod: method,
    headers: options.headers ?? {},
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: options.params ?? null,
    stageVariables: null,
    body: options.body ?? null,
    isBase64Encoded: false,
    requestContext: {
      requestId: "req-1",
      identity: { userArn: options.actor === undefined ? CALLER : options.actor },
    },
  } as unknown as APIGatewayProxyEvent;
  const context = createLambdaContext({
    functionName: "model-registry-test",
    requestId: "lambda-1",
    region: "eu-west-1",
    // Now: middy answers early 5 ms before the deadline, and a deadline already past warns (TimeoutNegativeWarning).
    startedAt: Date.now(),
    timeoutMs: 29_000,
  });
  return [event, context] as const;
}

const parse = (body: string) =>
  JSON.parse(body) as { error: { code: string; message: string; requestId: string } };

afterEach(() => {
  vi.restoreAllMocks();
});

describe("answering a request", () => {
  const seen: RequestContext[] = [];
  const models = createApiHandler(
    "models",
    modelOperations,
    implementing(modelOperations, {
      createModel: async ({ body, ctx }) => {
        seen.push(ctx);
        return { body: { ...model, name: body.name }, replayed: body.name === "again" };
      },
      getModel: async ({ params }) => ({ body: { ...model, name: params.model } }),
      listModels: async ({ query }) => ({ body: { items: [], prefix: query.prefix } }),
      updateModel: async ({ ctx }) => {
        seen.push(ctx);
        return { body: model };
      },
      deleteModel: async () => ({}),
    }),
  );

  it("answers with the operation's success status, the reply as JSON and the request id", async () => {
    const response = await models(...request("POST", "/models", { body: '{"name":"fraud"}' }));
    expect(response.statusCode).toBe(201);
    expect(JSON.parse(response.body)).toEqual(model);
    expect(response.headers).toMatchObject({
      "content-type": "application/json; charset=utf-8",
      "x-amzn-requestid": "req-1",
    });
  });

  it("answers a replayed idempotent request with the same status, and says it is a replay", async () => {
    const response = await models(...request("POST", "/models", { body: '{"name":"again"}' }));
    expect(response.statusCode).toBe(201);
    expect(response.headers?.["idempotent-replayed"]).toBe("true");
  });

  it("returns the ETag of operations that have one", async () => {
    const response = await models(...request("GET", "/models/{model}", { params: { model: "fraud" } }));
    expect(response.headers?.etag).toBe('"1"');
  });

  it("answers a delete with 204 and no body", async () => {
    const response = await models(...request("DELETE", "/models/{model}", { params: { model: "fraud" } }));
    expect(response).toMatchObject({ statusCode: 204, body: "" });
  });

  it("hands the operation validated input and the caller as actor", async () => {
    seen.length = 0;
    await models(...request("POST", "/models", { body: '{"name":"fraud"}' }));
    expect(seen).toEqual([{ actor: CALLER, requestId: "req-1" }]);
    const listed = await models(...request("GET", "/models", { query: { prefix: "fr" } }));
    expect(JSON.parse(listed.body)).toMatchObject({ prefix: "fr" });
  });

  it("refuses invalid input with 400, naming the field", async () => {
    const response = await models(...request("POST", "/models", { body: '{"name":""}' }));
    expect(response.statusCode).toBe(400);
    expect(parse(response.body).error).toMatchObject({ code: "ValidationError", requestId: "req-1" });
    expect(parse(response.body).error.message).toMatch(/^body\.name: /);
  });

  it("refuses an integer beyond 2^53 with 400 naming its field, instead of storing it rounded", async () => {
    for (const literal of ["9007199254740993", "1234567890123456789012345678901234567890"]) {
      const body = `{"name":"fraud","tags":{"a":"9007199254740993"},"x":{"metrics":[1,{"big":${literal}}]}}`;
      const response = await models(...request("POST", "/models", { body }));
      expect(response.statusCode, literal).toBe(400);
      expect(parse(response.body).error.code).toBe("ValidationError");
      expect(parse(response.body).error.message).toMatch(
        /^body\.x\.metrics\.1\.big: \d+(\.\.\.)? is an integer beyond 9007199254740991/,
      );
    }
    // Safe integers, integers a double holds exactly (JSON.stringify writes 1e16 and 2^53 + 2 in
    // digits), and decimals written with an exponent, are what they say.
    const fine = await models(
      ...request("POST", "/models", {
        body: '{"name":"fraud","n":9007199254740991,"e":10000000000000000,"d":9007199254740994,"f":1.2e18}',
      }),
    );
    // (the model schema refuses the unknown fields, but not as an inexact integer)
    expect(parse(fine.body).error.message).not.toContain("integer beyond");
  });

  it("refuses a body that is not JSON with 400 InvalidJson", async () => {
    const response = await models(...request("POST", "/models", { body: "{name" }));
    expect(response.statusCode).toBe(400);
    expect(parse(response.body).error.code).toBe("InvalidJson");
  });

  it("refuses a query parameter an operation does not take", async () => {
    const response = await models(
      ...request("GET", "/models/{model}", { params: { model: "fraud" }, query: { x: "1" } }),
    );
    expect(response.statusCode).toBe(400);
  });

  it("answers 404 RouteNotFound for a route this function does not serve", async () => {
    const response = await models(...request("GET", "/models/{model}/versions", { params: { model: "f" } }));
    expect(response.statusCode).toBe(404);
    expect(parse(response.body).error).toMatchObject({ code: "RouteNotFound", requestId: "req-1" });
  });

  it("refuses a request without an IAM identity with 403", async () => {
    const response = await models(...request("GET", "/models", { actor: null }));
    expect(response.statusCode).toBe(403);
    expect(parse(response.body).error.code).toBe("MissingIdentity");
  });
});

describe("the health check", () => {
  const service = createApiHandler(
    "service",
    serviceOperations,
    implementing(serviceOperations, {
      health: async () => ({ body: { status: "ok" } }),
    }),
  );

  it("is served to an anonymous caller (local mode serves it unsigned)", async () => {
    const response = await service(...request("GET", "/health", { actor: null }));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: "ok" });
  });
});

describe("Idempotency-Key and If-Match", () => {
  const seen: RequestContext[] = [];
  const models = createApiHandler(
    "models",
    modelOperations,
    implementing(modelOperations, {
      createModel: async ({ ctx }) => {
        seen.push(ctx);
        return { body: model };
      },
      getModel: async ({ ctx }) => {
        seen.push(ctx);
        return { body: model };
      },
      updateModel: async ({ ctx }) => {
        seen.push(ctx);
        return { body: model };
      },
    }),
  );
  const create = async (body: string, key = "k-1") => {
    seen.length = 0;
    const response = await models(
      ...request("POST", "/models", { body, headers: { "Idempotency-Key": key } }),
    );
    return { response, ctx: seen[0] };
  };

  it("gives the same fingerprint to the same JSON, whatever its key order or spacing", async () => {
    const first = await create('{"name":"fraud","tags":{"a":"1","b":"2"}}');
    const second = await create('{ "tags": { "b": "2", "a": "1" }, "name": "fraud" }');
    expect(first.ctx?.idempotency?.key).toBe("k-1");
    expect(second.ctx?.idempotency).toEqual(first.ctx?.idempotency);
  });

  it("gives another body another fingerprint", async () => {
    const first = await create('{"name":"fraud"}');
    const second = await create('{"name":"other"}');
    expect(second.ctx?.idempotency?.fingerprint).not.toBe(first.ctx?.idempotency?.fingerprint);
  });

  it("refuses a key that is not 1-255 visible ASCII characters", async () => {
    const { response } = await create('{"name":"fraud"}', "with space");
    expect(response.statusCode).toBe(400);
    expect(parse(response.body).error).toMatchObject({
      code: "ValidationError",
      message: "header.Idempotency-Key: must be 1-255 visible ASCII characters (no spaces)",
    });
  });

  it("hands If-Match to conditional operations only, and Idempotency-Key to idempotent ones only", async () => {
    seen.length = 0;
    const headers = { "if-match": '"1"', "idempotency-key": "k-2" };
    await models(
      ...request("PATCH", "/models/{model}", {
        params: { model: "fraud" },
        headers,
        body: '{"description":"x"}',
      }),
    );
    await models(...request("GET", "/models/{model}", { params: { model: "fraud" }, headers }));
    expect(seen).toEqual([
      { actor: CALLER, requestId: "req-1", ifMatch: '"1"' },
      { actor: CALLER, requestId: "req-1" },
    ]);
  });
});

describe("a malformed If-Match", () => {
  it("is a 400 naming the header, not a 412", async () => {
    const models = createApiHandler(
      "models",
      modelOperations,
      implementing(modelOperations, { updateModel: async () => ({ body: {} }) }),
    );
    const response = await models(
      ...request("PATCH", "/models/{model}", {
        params: { model: "fraud" },
        headers: { "if-match": "3" },
        body: '{"description":"x"}',
      }),
    );
    expect(response.statusCode).toBe(400);
    expect(parse(response.body).error.message).toMatch(
      /^header\.If-Match: must be \* or a comma-separated list/,
    );
  });
});

describe("when an operation fails unexpectedly", () => {
  const models = createApiHandler(
    "models",
    modelOperations,
    implementing(modelOperations, {
      getModel: async () => {
        throw new Error("connect ECONNREFUSED 10.0.0.1:8000 table secret-table");
      },
    }),
  );

  it("answers 500 without internals, and logs the error with the request id", async () => {
    const log = vi.spyOn(logger, "error").mockImplementation(() => {});
    const response = await models(...request("GET", "/models/{model}", { params: { model: "fraud" } }));
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toMatch(/ECONNREFUSED|secret-table/);
    expect(parse(response.body).error).toMatchObject({ code: "InternalError", requestId: "req-1" });
    expect(log).toHaveBeenCalledWith(
      expect.any(String),
      expect.objectContaining({ requestId: "req-1", error: expect.any(Error) }),
    );
  });
});

describe("with a usage meter", () => {
  const meter: UsageMeter = async (fn) => ({
    result: await fn(),
    usage: { roundTrips: 2, capacityUnits: 1.5, operations: ["GetItem", "Query"] },
  });
  const models = createApiHandler(
    "models",
    modelOperations,
    implementing(modelOperations, { getModel: async () => ({ body: model }) }),
    { meter },
  );

  it("reports what the request cost, on success and on error", async () => {
    const ok = await models(...request("GET", "/models/{model}", { params: { model: "fraud" } }));
    const refused = await models(...request("GET", "/models/{model}", { params: { model: "" } }));
    for (const response of [ok, refused]) {
      expect(response.headers).toMatchObject({
        "x-registry-dynamodb-round-trips": "2",
        "x-registry-dynamodb-capacity-units": "1.5",
        "x-registry-dynamodb-operations": "GetItem,Query",
      });
    }
    expect(refused.statusCode).toBe(400);
  });
});

describe("a function missing an operation's implementation", () => {
  it("fails when it is built (at cold start), not with a 404 for that route", () => {
    const partial = { health: async () => ({ body: { status: "ok" } }) };
    expect(() =>
      createApiHandler(
        "service",
        serviceOperations,
        partial as unknown as Implementations<typeof serviceOperations>,
      ),
    ).toThrow("the service function has no implementation of whoami");
  });
});

describe("a request body built on first use (deferredBody)", () => {
  it("is imported by the first request with a body, once, and parsed like any body", async () => {
    let loads = 0;
    const Body = z.object({ name: z.string().check(z.minLength(1)) });
    const specs = {
      createModel: {
        body: deferredBody(async () => {
          loads += 1;
          return Body;
        }),
        success: { status: 201, description: "created" },
      },
      getModel: { params: ModelParams, success: { status: 200, description: "the model" } },
    } satisfies Record<string, OperationSpec>;
    const handler = createApiHandler("models", specs, {
      // The body's type is the deferred schema's output.
      createModel: async ({ body }) => ({ body: { name: body.name.toUpperCase() } }),
      getModel: async ({ params }) => ({ body: { name: params.model } }),
    });
    await handler(...request("GET", "/models/{model}", { params: { model: "fraud" } }));
    expect(loads).toBe(0);
    const refused = await handler(...request("POST", "/models", { body: '{"name":""}' }));
    expect(refused.statusCode).toBe(400);
    expect(parse(refused.body).error.message).toMatch(/^body\.name: /);
    const created = await handler(...request("POST", "/models", { body: '{"name":"fraud"}' }));
    expect(created.statusCode).toBe(201);
    expect(JSON.parse(created.body)).toEqual({ name: "FRAUD" });
    expect(loads).toBe(1);
  });

  it("retries an import that failed instead of keeping the failure", async () => {
    let attempts = 0;
    const body = deferredBody(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error("chunk not readable");
      return z.string();
    });
    await expect(body.load()).rejects.toThrow("chunk not readable");
    await expect(body.load()).resolves.toBeDefined();
    await body.load();
    expect(attempts).toBe(2);
  });
});
