/**
 * The OpenAPI 3.1 document, generated from the route table and the operations' zod schemas.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { ErrorBody } from "#core/schemas.ts";
import { type OperationId, type OperationSpec, operations } from "./operations.ts";
import { routes } from "./route-table.ts";

const errorResponses = {
  400: "invalid body, path or query parameter: the message names the field",
  403: "missing or invalid SigV4 signature, or no right to call this route",
  404: "the model, version or alias does not exist",
  409: "name taken, concurrent change, or the change is not allowed in the current state",
  412: "If-Match no longer matches the ETag",
  422: "Idempotency-Key reused for a different request, or rejected by a rule",
  500: "internal error (never shows internals; quote the requestId)",
} as const;

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
      headers.push(
        z
          .string()
          .optional()
          .meta({
            param: { name: "Idempotency-Key", in: "header" },
            description: "a retry with the same key and body returns the first response",
          }),
      );
    }
    if (spec.conditional) {
      headers.push(
        z
          .string()
          .optional()
          .meta({ param: { name: "If-Match", in: "header" }, description: "the ETag you read" }),
      );
    }
    registry.registerPath({
      method: route.method.toLowerCase() as "get",
      path: route.path,
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
          Object.entries(errorResponses).map(([status, description]) => [
            status,
            { description, content: { "application/json": { schema: ErrorBody } } },
          ]),
        ),
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
