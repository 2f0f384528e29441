/**
 * The served OpenAPI document, read as a list of operations, and the concrete requests the fuzz
 * suite sends: how a request is built on the wire, and whether the document calls it valid.
 */
import { encodeRfc3986 } from "../../clients/typescript/http-encoding.ts";
import type { RegistryClient } from "../../clients/typescript/registry-client.ts";
import type { PrincipalName } from "../integration/support.ts";
import { deref, isObject, type JsonSchema, type SchemaIssue, validate } from "./json-schema.ts";

export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  operationId: string;
  method: string;
  /** Template with `{param}` placeholders, as in the document. */
  path: string;
  parameters: Parameter[];
  body?: JsonSchema;
  bodyRequired: boolean;
  /** Status (`"200"`, `"4XX"`, `"default"`) → the JSON schema of the body, or null when no body is declared. */
  responses: Map<string, JsonSchema | null>;
}

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

export function operationsOf(document: unknown): Operation[] {
  if (!isObject(document) || !isObject(document.paths)) throw new Error("the document has no paths");
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    if (!isObject(item)) continue;
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const parameters = [...shared, ...(Array.isArray(op.parameters) ? op.parameters : [])]
        .map((p) => deref(p as JsonSchema, document))
        .filter(isObject)
        .map((p) => ({
          name: String(p.name),
          in: p.in as Parameter["in"],
          required: p.required === true,
          schema: (p.schema ?? true) as JsonSchema,
        }));
      const requestBody = isObject(op.requestBody) ? deref(op.requestBody, document) : undefined;
      const bodySchema = jsonContent(requestBody);
      const responses = new Map<string, JsonSchema | null>();
      for (const [status, response] of Object.entries(isObject(op.responses) ? op.responses : {})) {
        responses.set(status, jsonContent(deref(response as JsonSchema, document)) ?? null);
      }
      operations.push({
        operationId: String(op.operationId ?? `${method.toUpperCase()} ${path}`),
        method: method.toUpperCase(),
        path,
        parameters,
        ...(bodySchema !== undefined && { body: bodySchema }),
        bodyRequired: isObject(requestBody) && requestBody.required === true,
        responses,
      });
    }
  }
  return operations;
}

function jsonContent(holder: unknown): JsonSchema | undefined {
  if (!isObject(holder) || !isObject(holder.content)) return undefined;
  const json = holder.content["application/json"];
  return isObject(json) && json.schema !== undefined ? (json.schema as JsonSchema) : undefined;
}

/** The declared response for a status: exact code first, then `4XX`, then `default`. */
export function declaredResponse(op: Operation, status: number): JsonSchema | null | undefined {
  for (const key of [String(status), `${String(status)[0]}XX`, "default"]) {
    if (op.responses.has(key)) return op.responses.get(key);
  }
  return undefined;
}

/** One request as the suite sends it: every value exactly as it goes on the wire. */
export interface FuzzRequest {
  operationId: string;
  principal: PrincipalName;
  method: string;
  /** Path parameters, decoded (the sender encodes each segment). */
  path: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** The raw body text: a string, so bodies with a `__proto__` key or invalid JSON are sent as written. */
  body?: string;
}

export function urlPathOf(op: Operation, request: FuzzRequest): string {
  return op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = request.path[name];
    if (value === undefined) throw new Error(`no value for path parameter ${name}`);
    return encodeRfc3986(value);
  });
}

export interface SentResponse {
  status: number;
  body: unknown;
  rawBody: string;
  headers: Record<string, string>;
}

export async function send(api: RegistryClient, op: Operation, request: FuzzRequest): Promise<SentResponse> {
  return api.request({
    method: request.method,
    path: urlPathOf(op, request),
    query: request.query,
    headers: request.headers,
    ...(request.body !== undefined && { body: request.body }),
  });
}

// A parameter is text on the wire; the document types it. An integer is valid only in its
// canonical decimal form: `01`, `1e0`, `0x1` and ` 1` are not integers a client should send.
const CANONICAL_INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
const CANONICAL_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/** The typed value a parameter string stands for, or an issue when it is not of the declared type. */
export function parameterValue(
  schema: JsonSchema,
  raw: string,
  root: unknown,
): { value: unknown } | { issue: string } {
  const resolved = deref(schema, root);
  const types =
    isObject(resolved) && resolved.type !== undefined ? ([] as unknown[]).concat(resolved.type) : [];
  if (types.includes("integer") && !types.includes("string")) {
    return CANONICAL_INTEGER.test(raw)
      ? { value: Number(raw) }
      : { issue: "is not an integer in decimal form" };
  }
  if (types.includes("number") && !types.includes("string")) {
    return CANONICAL_NUMBER.test(raw) ? { value: Number(raw) } : { issue: "is not a number" };
  }
  if (types.includes("boolean") && !types.includes("string")) {
    return raw === "true" || raw === "false" ? { value: raw === "true" } : { issue: "is not true or false" };
  }
  return { value: raw };
}

/**
 * Every way the request breaks the document (empty when the document calls it valid). Paths are
 * named as the registry names fields: `path.version`, `query.limit`, `body.tags.team`.
 */
export function requestIssues(op: Operation, request: FuzzRequest, root: unknown): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const where = { path: request.path, query: request.query, header: lowerKeys(request.headers) } as const;
  for (const parameter of op.parameters) {
    const values = where[parameter.in];
    const key = parameter.in === "header" ? parameter.name.toLowerCase() : parameter.name;
    const raw = values[key];
    const at = `${parameter.in}.${parameter.name}`;
    if (raw === undefined) {
      if (parameter.required) issues.push({ path: at, message: "is required" });
      continue;
    }
    const typed = parameterValue(parameter.schema, raw, root);
    if ("issue" in typed) issues.push({ path: at, message: typed.issue });
    else issues.push(...validate(parameter.schema, typed.value, root, at));
  }
  if (op.body !== undefined) {
    if (request.body === undefined || request.body === "") {
      if (op.bodyRequired) issues.push({ path: "body", message: "is required" });
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(request.body);
      } catch {
        return [...issues, { path: "body", message: "is not JSON" }];
      }
      issues.push(...validate(op.body, parsed, root, "body"));
    }
  }
  return issues;
}

/**
 * Header names as HTTP compares them (any case) and values as HTTP delivers them: whitespace
 * around a field value is not part of it (RFC 9110 §5.5), so ` k1 ` arrives as `k1`.
 */
function lowerKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record).map(([k, v]) => [k.toLowerCase(), v.replace(/^[ \t]+|[ \t]+$/g, "")]),
  );
}

/**
 * A field path in a canonical form, so one bug is one failure class: array indexes become `[]`
 * and map keys (where the schema has `additionalProperties`, not `properties`) become `*`.
 * `body.tags.a b!` → `body.tags.*`, `body.artifacts.0.size` → `body.artifacts.[].size`.
 */
export function normalizeField(op: Operation, field: string, root: unknown): string {
  const [location = "", ...rest] = fieldSegments(field);
  let schema: JsonSchema | undefined;
  let segments = rest;
  if (location === "body") schema = op.body;
  else if (location === "path" || location === "query" || location === "header") {
    const name = rest[0];
    const parameter = op.parameters.find(
      (p) => p.in === location && p.name.toLowerCase() === name?.toLowerCase(),
    );
    if (!parameter) return field;
    schema = parameter.schema;
    segments = rest.slice(1);
    return [location, name, ...walk(schema, segments, root)].join(".");
  }
  return [location, ...walk(schema, segments, root)].join(".");
}

/**
 * The segments of a field as the registry writes it: dotted names, and map keys that are not
 * plain words as JSON strings in brackets (`body.metrics["val loss"]`, `body["a.b"]`).
 */
export function fieldSegments(field: string): string[] {
  const segments: string[] = [];
  let i = 0;
  while (i < field.length) {
    if (field[i] === ".") {
      i++;
    } else if (field.startsWith('["', i)) {
      let end = i + 2;
      while (end < field.length && field[end] !== '"') end += field[end] === "\\" ? 2 : 1;
      segments.push(JSON.parse(field.slice(i + 1, end + 1)) as string);
      i = end + 2;
    } else {
      let end = i;
      while (end < field.length && field[end] !== "." && field[end] !== "[") end++;
      segments.push(field.slice(i, end));
      i = end;
    }
  }
  return segments;
}

function walk(start: JsonSchema | undefined, segments: string[], root: unknown): string[] {
  const out: string[] = [];
  let schema = start;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const resolved = schema === undefined ? undefined : deref(schema, root);
    if (!isObject(resolved)) {
      out.push(/^\d+$/.test(segment) ? "[]" : segment);
      schema = undefined;
      continue;
    }
    if (isObject(resolved.properties) && Object.hasOwn(resolved.properties, segment)) {
      out.push(segment);
      schema = resolved.properties[segment] as JsonSchema;
    } else if (resolved.items !== undefined && /^\d+$/.test(segment)) {
      out.push("[]");
      schema = resolved.items as JsonSchema;
    } else if (isObject(resolved.additionalProperties)) {
      out.push("*");
      schema = resolved.additionalProperties as JsonSchema;
      const next = deref(schema, root);
      // A map of scalars: whatever follows is the rest of a key with dots in it.
      if (!isObject(next) || (next.type !== "object" && next.type !== "array" && next.$ref === undefined))
        break;
    } else {
      // An undeclared member (any name is the same bug), or the rest of a map key with dots in it.
      out.push(resolved.additionalProperties === false ? "<unknown>" : "*");
      break;
    }
  }
  return out;
}
