/**
 * The OpenAPI 3.1 document, generated from the route table and the operations' zod schemas.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import type { z } from "zod";
import { ErrorBody, IdempotencyKey, IfMatch } from "#core/schemas.ts";
import { type ErrorStatus, errorStatus } from "./errors.ts";
import { type OperationId, type OperationSpec, operations } from "./operations.ts";
import { type HttpMethod, routes } from "./route-table.ts";

/** The facts of an operation that decide which error statuses it can answer. */
interface OperationFacts {
  method: HttpMethod;
  spec: OperationSpec;
}

const always = () => true;
const writes = ({ method }: OperationFacts) => method !== "GET";

/**
 * What each error status means and which operations can answer it: cheap rules on the operation's
 * shape, not a trace of every code path, so an operation may list a status it never answers in
 * practice, never the reverse. The codes come from `errors.ts`; a new status fails the type-check
 * here until it is described.
 */
const errorStatusDocs: Record<ErrorStatus, { summary: string; appliesTo: (op: OperationFacts) => boolean }> =
  {
    // Every operation validates its query string, even an empty one.
    400: {
      summary: "the body, a path or query parameter or a header is invalid: the message names it",
      appliesTo: always,
    },
    403: { summary: "missing or invalid SigV4 signature, or no right to call this route", appliesTo: always },
    404: {
      summary: "the model, version or alias does not exist",
      appliesTo: ({ spec }) => spec.params !== undefined,
    },
    409: {
      summary: "the change conflicts with the current state or with a concurrent change",
      appliesTo: writes,
    },
    412: {
      summary: "If-Match no longer matches the ETag",
      appliesTo: ({ spec }) => spec.conditional === true,
    },
    413: {
      summary: "the body is over API Gateway's 10 MB, or the item over DynamoDB's 400 KB",
      appliesTo: ({ spec }) => spec.body !== undefined,
    },
    422: {
      summary: "well-formed but refused: Idempotency-Key reused for a different request, or a rule",
      appliesTo: (op) => op.spec.idempotent === true || (writes(op) && op.spec.body !== undefined),
    },
    429: { summary: "throttled: retry with exponential backoff", appliesTo: always },
    500: { summary: "internal error (never shows internals; quote the requestId)", appliesTo: always },
    502: { summary: "the function answered with a malformed response", appliesTo: always },
    504: { summary: "the function did not answer within API Gateway's 29 seconds", appliesTo: always },
  };

const codesByStatus = new Map<number, string[]>();
for (const [code, status] of Object.entries(errorStatus)) {
  codesByStatus.set(status, [...(codesByStatus.get(status) ?? []), code]);
}

/** The error responses an operation can answer, each naming the codes behind its status. */
function errorResponsesOf(op: OperationFacts) {
  return Object.fromEntries(
    Object.entries(errorStatusDocs)
      .filter(([, doc]) => doc.appliesTo(op))
      .map(([status, doc]) => [
        status,
        {
          description: `${doc.summary}. Codes: ${codesByStatus.get(Number(status))?.join(", ")}`,
          content: { "application/json": { schema: ErrorBody } },
        },
      ]),
  );
}

let cached: object | undefined;

export function openApiDocument(): object {
  if (cached) return cached;
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "sigv4", {
    type: "apiKey",
    name: "Authorization",
    in: "header",
    description: "AWS Signature Version 4 (service `execute-api`); API Gateway IAM authorization",
  });
  for (const route of routes) {
    const spec: OperationSpec = operations[route.operationId as OperationId];
    const headers: z.ZodType[] = [];
    if (spec.idempotent) {
      headers.push(IdempotencyKey.optional().meta({ param: { name: "Idempotency-Key", in: "header" } }));
    }
    if (spec.conditional) {
      headers.push(IfMatch.optional().meta({ param: { name: "If-Match", in: "header" } }));
    }
    registry.registerPath({
      method: route.method.toLowerCase() as "get",
      path: openApiPath(route.path),
      operationId: route.operationId,
      summary: route.summary,
      security: [{ sigv4: [] }],
      request: {
        ...(spec.params && { params: spec.params }),
        ...(spec.query && { query: spec.query }),
        ...(headers.length > 0 && { headers }),
        ...(spec.body && {
          body: { required: true, content: { "application/json": { schema: spec.body } } },
        }),
      },
      responses: {
        [spec.success.status]: {
          description: spec.success.description,
          ...(spec.success.schema && { content: { "application/json": { schema: spec.success.schema } } }),
        },
        ...Object.fromEntries(
          (spec.alternatives ?? []).map((alt) => [
            alt.status,
            {
              description: alt.description,
              ...(alt.schema && { content: { "application/json": { schema: alt.schema } } }),
            },
          ]),
        ),
        ...errorResponsesOf({ method: route.method, spec }),
      },
    });
  }
  cached = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Serverless Model Registry",
      version: "1",
      description:
        "Register models, version them with metrics, lineage and signatures, upload binaries to S3 through presigned URLs, and move versions through stages.",
    },
    servers: [{ url: "/" }],
  });
  return cached;
}

/** API Gateway's greedy `{path+}` is OpenAPI's `{path}`: the parameter's pattern says it may hold '/'. */
export const openApiPath = (routePath: string): string => routePath.replace(/\{(\w+)\+\}/g, "{$1}");
