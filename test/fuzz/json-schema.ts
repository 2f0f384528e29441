/**
 * A small JSON Schema 2020-12 validator for the subset the registry's OpenAPI 3.1 document uses.
 * No validator ships in node_modules (no ajv), and the fuzz suite must judge requests and responses
 * by the document the server *serves*, not by the zod schemas it was generated from: that is how
 * the suite notices a document that promises something the server does not do.
 *
 * Unknown keywords (description, example, default, …) are ignored, as the specification says.
 */

export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

export interface SchemaIssue {
  /** Dotted path of the offending value, prefixed with where it was (`body.tags.team`). */
  path: string;
  message: string;
}

const hasOwn = (value: object, key: string) => Object.hasOwn(value, key);

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Resolves `#/a/b` against the document (JSON Pointer, `~0`/`~1` escapes). */
export function resolvePointer(root: unknown, ref: string): JsonSchema {
  if (!ref.startsWith("#")) throw new Error(`only local $ref are supported: ${ref}`);
  let node: unknown = root;
  for (const raw of ref.slice(1).split("/").slice(1)) {
    const segment = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (!isObject(node) || !hasOwn(node, segment)) throw new Error(`unresolvable $ref ${ref}`);
    node = node[segment];
  }
  return node as JsonSchema;
}

/** Follows `$ref` chains so callers can read a schema's own keywords. */
export function deref(schema: JsonSchema, root: unknown): JsonSchema {
  let current = schema;
  for (let hops = 0; isObject(current) && typeof current.$ref === "string"; hops++) {
    if (hops > 32) throw new Error("$ref cycle");
    current = resolvePointer(root, current.$ref);
  }
  return current;
}

const regexCache = new Map<string, RegExp>();

/**
 * JSON Schema patterns are ECMA-262 regular expressions, unanchored. `u` is needed for `\p{L}`;
 * a pattern that is not valid in `u` mode (an identity escape such as `\-`) falls back to legacy mode.
 */
export function patternRegExp(pattern: string): RegExp {
  let regex = regexCache.get(pattern);
  if (!regex) {
    try {
      regex = new RegExp(pattern, "u");
    } catch {
      regex = new RegExp(pattern);
    }
    regexCache.set(pattern, regex);
  }
  return regex;
}

/** Length in Unicode code points, as JSON Schema counts it (not UTF-16 units). */
export const codePointLength = (value: string) => [...value].length;

// RFC 3339 date-time, loosely: the suite checks the shape, not the calendar.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  if (type === "number") return actual === "number" || actual === "integer";
  return actual === type;
}

/**
 * A child's path, written as the registry writes fields (API.md, errors): plain keys and array
 * indexes after a dot, any other map key as a JSON string in brackets (`body.metrics["val loss"]`).
 */
const join = (path: string, key: string | number) =>
  typeof key === "number" || /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)
    ? path === ""
      ? String(key)
      : `${path}.${key}`
    : `${path}[${JSON.stringify(key)}]`;

/** Every way `value` violates `schema` (empty when it conforms). */
export function validate(schema: JsonSchema, value: unknown, root: unknown, path = ""): SchemaIssue[] {
  if (schema === true) return [];
  if (schema === false) return [{ path, message: "no value is allowed here" }];
  const issues: SchemaIssue[] = [];
  const fail = (message: string, at = path) => issues.push({ path: at, message });

  if (typeof schema.$ref === "string")
    issues.push(...validate(resolvePointer(root, schema.$ref), value, root, path));

  const types = schema.type === undefined ? undefined : ([] as unknown[]).concat(schema.type);
  if (types && !types.some((type) => matchesType(value, String(type)))) {
    fail(`expected ${types.join(" or ")}, got ${typeOf(value)}`);
    return issues; // the other keywords would only repeat the type mismatch
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => deepEqual(option, value))) {
    fail(`expected one of ${JSON.stringify(schema.enum)}`);
  }
  if (hasOwn(schema, "const") && !deepEqual(schema.const, value))
    fail(`expected ${JSON.stringify(schema.const)}`);

  if (typeof value === "string") validateString(schema, value, fail);
  if (typeof value === "number") validateNumber(schema, value, fail);
  if (Array.isArray(value)) issues.push(...validateArray(schema, value, root, path, fail));
  if (isObject(value)) issues.push(...validateObject(schema, value, root, path, fail));

  if (Array.isArray(schema.allOf)) {
    for (const part of schema.allOf) issues.push(...validate(part as JsonSchema, value, root, path));
  }
  if (Array.isArray(schema.anyOf)) {
    const results = schema.anyOf.map((part) => validate(part as JsonSchema, value, root, path));
    if (!results.some((r) => r.length === 0)) fail(`matches none of anyOf (${summarise(results)})`);
  }
  if (Array.isArray(schema.oneOf)) {
    const results = schema.oneOf.map((part) => validate(part as JsonSchema, value, root, path));
    const matching = results.filter((r) => r.length === 0).length;
    if (matching !== 1)
      fail(`matches ${matching} branches of oneOf, expected exactly 1 (${summarise(results)})`);
  }
  if (schema.not !== undefined && validate(schema.not as JsonSchema, value, root, path).length === 0) {
    fail("matches a schema it must not match");
  }
  return issues;
}

function summarise(results: SchemaIssue[][]): string {
  return results.map((r) => r[0] && `${r[0].path || "value"}: ${r[0].message}`).join(" | ");
}

type Fail = (message: string, at?: string) => void;

function validateString(schema: { readonly [k: string]: unknown }, value: string, fail: Fail) {
  const length = codePointLength(value);
  if (typeof schema.minLength === "number" && length < schema.minLength) {
    fail(`expected at least ${schema.minLength} characters, got ${length}`);
  }
  if (typeof schema.maxLength === "number" && length > schema.maxLength) {
    fail(`expected at most ${schema.maxLength} characters, got ${length}`);
  }
  if (typeof schema.pattern === "string" && !patternRegExp(schema.pattern).test(value)) {
    fail(`does not match ${schema.pattern}`);
  }
  if (schema.format === "date-time" && !DATE_TIME.test(value)) fail("expected an RFC 3339 date-time");
}

function validateNumber(schema: { readonly [k: string]: unknown }, value: number, fail: Fail) {
  if (!Number.isFinite(value)) fail("expected a finite number");
  if (typeof schema.minimum === "number" && value < schema.minimum) fail(`expected >= ${schema.minimum}`);
  if (typeof schema.maximum === "number" && value > schema.maximum) fail(`expected <= ${schema.maximum}`);
  if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum) {
    fail(`expected > ${schema.exclusiveMinimum}`);
  }
  if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum) {
    fail(`expected < ${schema.exclusiveMaximum}`);
  }
  if (typeof schema.multipleOf === "number" && !Number.isInteger(value / schema.multipleOf)) {
    fail(`expected a multiple of ${schema.multipleOf}`);
  }
}

function validateArray(
  schema: { readonly [k: string]: unknown },
  value: unknown[],
  root: unknown,
  path: string,
  fail: Fail,
): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  if (typeof schema.minItems === "number" && value.length < schema.minItems) {
    fail(`expected at least ${schema.minItems} items, got ${value.length}`);
  }
  if (typeof schema.maxItems === "number" && value.length > schema.maxItems) {
    fail(`expected at most ${schema.maxItems} items, got ${value.length}`);
  }
  const prefix = Array.isArray(schema.prefixItems) ? (schema.prefixItems as JsonSchema[]) : [];
  value.forEach((item, index) => {
    const itemSchema = index < prefix.length ? prefix[index] : (schema.items as JsonSchema | undefined);
    if (itemSchema !== undefined) issues.push(...validate(itemSchema, item, root, join(path, index)));
  });
  if (schema.uniqueItems === true) {
    const seen = value.map((item) => JSON.stringify(item));
    if (new Set(seen).size !== seen.length) fail("expected unique items");
  }
  return issues;
}

function validateObject(
  schema: { readonly [k: string]: unknown },
  value: Record<string, unknown>,
  root: unknown,
  path: string,
  fail: Fail,
): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  // Own keys only: a JSON body with a `__proto__` key is an own property after JSON.parse.
  const keys = Object.keys(value);
  const properties = isObject(schema.properties) ? schema.properties : {};
  if (Array.isArray(schema.required)) {
    for (const key of schema.required as string[]) {
      if (!hasOwn(value, key)) fail("is required", join(path, key));
    }
  }
  if (typeof schema.minProperties === "number" && keys.length < schema.minProperties) {
    fail(`expected at least ${schema.minProperties} properties, got ${keys.length}`);
  }
  if (typeof schema.maxProperties === "number" && keys.length > schema.maxProperties) {
    fail(`expected at most ${schema.maxProperties} properties, got ${keys.length}`);
  }
  const patternProperties = isObject(schema.patternProperties) ? schema.patternProperties : {};
  for (const key of keys) {
    const child = join(path, key);
    if (schema.propertyNames !== undefined) {
      for (const issue of validate(schema.propertyNames as JsonSchema, key, root, child)) {
        issues.push({ path: child, message: `key ${JSON.stringify(key)}: ${issue.message}` });
      }
    }
    let declared = false;
    if (hasOwn(properties, key)) {
      declared = true;
      issues.push(...validate(properties[key] as JsonSchema, value[key], root, child));
    }
    for (const [pattern, sub] of Object.entries(patternProperties)) {
      if (patternRegExp(pattern).test(key)) {
        declared = true;
        issues.push(...validate(sub as JsonSchema, value[key], root, child));
      }
    }
    if (!declared && schema.additionalProperties !== undefined) {
      if (schema.additionalProperties === false) fail("is not a declared property", child);
      else issues.push(...validate(schema.additionalProperties as JsonSchema, value[key], root, child));
    }
  }
  return issues;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}
