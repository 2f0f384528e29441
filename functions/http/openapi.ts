/**
 * The OpenAPI 3.1 document, generated from the route table and the operations' zod schemas.
 */
import * as z from "zod/mini";
import { ErrorBody, IdempotencyKey, IfMatch, jsonSchemaOf, userMapRules } from "#core/schemas.ts";
import { ROLES_EXTENSION } from "./access-denied.ts";
import { type ErrorStatus, errorStatus, FUNCTION_FAILED_STATUS } from "./errors.ts";
import { type DocumentedSpec, type OperationId, operations } from "./operations.ts";
import { type HttpMethod, routes } from "./route-table.ts";

/** The facts of an operation that decide which error statuses it can answer. */
interface OperationFacts {
  method: HttpMethod;
  spec: DocumentedSpec;
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
      appliesTo: (op) => writes(op) || op.spec.conflicts === true,
    },
    412: {
      summary: "If-Match no longer matches the ETag",
      appliesTo: ({ spec }) => spec.conditional === true,
    },
    413: {
      summary: "the body is over API Gateway's 10 MB, or the item over DynamoDB's 400 KB",
      appliesTo: ({ spec }) => spec.body !== undefined,
    },
    414: {
      summary:
        "the URL is over API Gateway's 10,240 characters (a regional REST API's quota): shorten the query",
      appliesTo: always,
    },
    422: {
      summary: "well-formed but refused: Idempotency-Key reused for a different request, or a rule",
      appliesTo: (op) => op.spec.idempotent === true || (writes(op) && op.spec.body !== undefined),
    },
    429: { summary: "throttled: retry with exponential backoff", appliesTo: always },
    431: {
      summary: "the request line and headers are too large (local mode, over 64 KiB)",
      appliesTo: always,
    },
    500: { summary: "internal error (never shows internals; quote the requestId)", appliesTo: always },
    502: { summary: "the function crashed or answered no response", appliesTo: always },
    504: { summary: "the function did not answer within API Gateway's 29 seconds", appliesTo: always },
  };

const codesByStatus = new Map<number, string[]>([[FUNCTION_FAILED_STATUS, ["InternalError"]]]);
for (const [code, status] of Object.entries(errorStatus)) {
  codesByStatus.set(status, [...(codesByStatus.get(status) ?? []), code]);
}

/** The error responses an operation can answer, each naming the codes behind its status. */
function errorResponsesOf(components: Components, op: OperationFacts) {
  return Object.fromEntries(
    Object.entries(errorStatusDocs)
      .filter(([, doc]) => doc.appliesTo(op))
      .map(([status, doc]) => [
        status,
        {
          description: `${doc.summary}. Codes: ${codesByStatus.get(Number(status))?.join(", ")}`,
          content: { "application/json": { schema: components.schemaOf(ErrorBody) } },
        },
      ]),
  );
}

let cached: object | undefined;

export function openApiDocument(): object {
  if (cached) return cached;
  const components = new Components();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const spec: DocumentedSpec = operations[route.operationId as OperationId];
    // The order zod-to-openapi wrote the document in (parameters, responses, then the body), so
    // the components keep their places: a diff of the document shows changes, not reshuffles.
    const parameters = [
      ...parametersOf(components, spec.params, "path"),
      ...parametersOf(components, spec.query, "query"),
      ...(spec.idempotent ? [parameter(components, "Idempotency-Key", "header", IdempotencyKey, false)] : []),
      ...(spec.conditional ? [parameter(components, "If-Match", "header", IfMatch, false)] : []),
    ];
    const responses = {
      [spec.success.status]: response(components, spec.success),
      ...Object.fromEntries((spec.alternatives ?? []).map((alt) => [alt.status, response(components, alt)])),
      ...errorResponsesOf(components, { method: route.method, spec }),
    };
    const requestBody = spec.body && {
      required: true,
      content: { "application/json": { schema: components.schemaOf(spec.body) } },
    };
    const path = openApiPath(route.path);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      security: [{ sigv4: [] }],
      // Who may call it: what a 403 AccessDenied points to (`access-denied.ts`).
      [ROLES_EXTENSION]: route.roles,
      ...(parameters.length > 0 && { parameters }),
      ...(requestBody && { requestBody }),
      responses,
    };
  }
  cached = {
    openapi: "3.1.0",
    info: {
      title: "Serverless Model Registry",
      version: "1",
      description:
        "Register models, version them with metrics, lineage and signatures, upload binaries to S3 through presigned URLs, and move versions through stages.",
    },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: {
        sigv4: {
          type: "apiKey",
          name: "Authorization",
          in: "header",
          description: "AWS Signature Version 4 (service `execute-api`); API Gateway IAM authorization",
        },
      },
      schemas: components.schemas,
      parameters: {},
    },
    paths,
    webhooks: {},
  };
  return cached;
}

type JsonSchema = Record<string, unknown>;

const COMPONENT_REF = "#/components/schemas/";

/**
 * `components/schemas`: every schema with an `id` in its metadata, as zod's own JSON Schema
 * (2020-12, OpenAPI 3.1's dialect). Each schema is converted on its own; the schemas with ids it
 * uses come back in `$defs`, and move here, referenced as `#/components/schemas/<id>`.
 */
class Components {
  readonly schemas: Record<string, JsonSchema> = {};

  /** The JSON Schema of `schema`: a `$ref` when it has an id, inline otherwise. */
  schemaOf(schema: z.core.$ZodType): JsonSchema {
    const {
      $schema: _,
      $defs,
      ...root
    } = z.toJSONSchema(schema, {
      target: "draft-2020-12",
      // Bodies are read as sent: a transform's input side (`sha256` before it is lower-cased), a
      // defaulted field optional. A preprocessed number (`limit`) is shown as the number it becomes.
      io: "input",
      override: asDocumented,
    }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
    for (const [id, def] of Object.entries($defs ?? {})) {
      this.schemas[id] ??= relinked(def) as JsonSchema;
    }
    return relinked(root) as JsonSchema;
  }
}

/** `#/$defs/<id>` (a schema's own definitions) → `#/components/schemas/<id>`. */
function relinked(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(relinked);
  if (typeof json !== "object" || json === null) return json;
  return Object.fromEntries(
    Object.entries(json).map(([key, value]) => [
      key,
      key === "$ref" && typeof value === "string"
        ? value.replace(/^#\/\$defs\//, COMPONENT_REF)
        : relinked(value),
    ]),
  );
}

/**
 * The document is the API's published contract, and it did not change when zod-to-openapi gave
 * way to zod's own JSON Schema: where the two say the same thing differently, or zod says more,
 * the document keeps its wording (`restated`), its key order (`inDocumentOrder`), and each user
 * map's key and value rules (`userMapRules`).
 */
function asDocumented({ zodSchema, jsonSchema }: { zodSchema: z.core.$ZodType; jsonSchema: JsonSchema }) {
  restated(zodSchema, jsonSchema);
  const metaKeys = Object.keys(z.globalRegistry.get(zodSchema) ?? {});
  const map = userMapRules.get(zodSchema);
  if (map) {
    // A user map's transform says nothing about its keys and values: its rules do.
    jsonSchema.propertyNames = jsonSchemaOf(map.key);
    jsonSchema.additionalProperties = jsonSchemaOf(map.value);
    metaKeys.splice(metaKeys.indexOf("description") + 1, 0, "propertyNames", "additionalProperties");
  }
  inDocumentOrder(jsonSchema, metaKeys);
}

/**
 * Whole numbers without JavaScript's safe-integer bounds, date-times by their `format` alone,
 * `limit`'s default, string-keyed maps without `propertyNames: {type: string}`, a literal as a
 * one-value `enum`, a nullable schema as a `type` list.
 */
function restated(zodSchema: z.core.$ZodType, jsonSchema: JsonSchema) {
  const def = (zodSchema as z.core.$ZodTypes)._zod.def;
  switch (def.type) {
    case "number": {
      const explicit = new Set(def.checks?.map((check) => check._zod.def.check));
      if (!explicit.has("greater_than") && jsonSchema.minimum === Number.MIN_SAFE_INTEGER)
        delete jsonSchema.minimum;
      if (!explicit.has("less_than") && jsonSchema.maximum === Number.MAX_SAFE_INTEGER)
        delete jsonSchema.maximum;
      break;
    }
    case "string":
      if (jsonSchema.format === "date-time") delete jsonSchema.pattern;
      break;
    case "record": {
      const names = jsonSchema.propertyNames as JsonSchema | undefined;
      if (names && Object.keys(names).length === 1 && names.type === "string")
        delete jsonSchema.propertyNames;
      break;
    }
    case "default":
      // zod leaves out the default of a transforming schema in input mode (it is the output's),
      // but `limit`'s default stands in for a missing query parameter: it is the input's.
      if (!("default" in jsonSchema)) jsonSchema.default = JSON.parse(JSON.stringify(def.defaultValue));
      break;
    case "literal":
      if ("const" in jsonSchema) {
        jsonSchema.enum = [jsonSchema.const];
        delete jsonSchema.const;
      }
      break;
    case "nullable": {
      const [inner, nullType] = (jsonSchema.anyOf ?? []) as JsonSchema[];
      if (inner && typeof inner.type === "string" && nullType?.type === "null") {
        const { anyOf: _, ...own } = jsonSchema;
        for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
        Object.assign(jsonSchema, inner, { type: [inner.type, "null"] }, own);
      }
      break;
    }
  }
}

/** The order the document has always listed a schema's keywords in; its metadata comes last. */
const KEYWORD_ORDER = [
  "$ref",
  "type",
  "format",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "pattern",
  "minimum",
  "exclusiveMinimum",
  "maximum",
  "exclusiveMaximum",
  "enum",
  "anyOf",
];

/**
 * Key order is no part of JSON Schema, but readers and diffs of the document see it: keywords in
 * the fixed order above, then the default, then the schema's own metadata in the order written.
 */
function inDocumentOrder(jsonSchema: JsonSchema, metaKeys: readonly string[]) {
  const own = new Set(metaKeys);
  const rank = (key: string) => {
    if (own.has(key)) return KEYWORD_ORDER.length + 2 + metaKeys.indexOf(key);
    if (key === "default") return KEYWORD_ORDER.length + 1;
    const at = KEYWORD_ORDER.indexOf(key);
    return at === -1 ? KEYWORD_ORDER.length : at;
  };
  const entries = Object.entries(jsonSchema).sort(([a], [b]) => rank(a) - rank(b));
  for (const [key] of entries) delete jsonSchema[key];
  Object.assign(jsonSchema, Object.fromEntries(entries));
}

function parametersOf(
  components: Components,
  schema: z.core.$ZodObject | undefined,
  where: "path" | "query",
) {
  return Object.entries(schema?._zod.def.shape ?? {}).map(([name, property]) =>
    parameter(components, name, where, property, where === "path" || !property._zod.optin),
  );
}

function parameter(
  components: Components,
  name: string,
  where: "path" | "query" | "header",
  schema: z.core.$ZodType,
  required: boolean,
) {
  const json = components.schemaOf(schema);
  return {
    schema: json,
    required,
    ...(typeof json.description === "string" && { description: json.description }),
    name,
    in: where,
  };
}

function response(
  components: Components,
  { description, schema }: { description: string; schema?: z.core.$ZodType },
) {
  return {
    description,
    ...(schema && { content: { "application/json": { schema: components.schemaOf(schema) } } }),
  };
}

/** API Gateway's greedy `{path+}` is OpenAPI's `{path}`: the parameter's pattern says it may hold '/'. */
export const openApiPath = (routePath: string): string => routePath.replace(/\{(\w+)\+\}/g, "{$1}");
