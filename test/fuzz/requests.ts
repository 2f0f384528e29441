/**
 * Arbitraries of whole requests for one operation of the served document: valid ones (path,
 * query, headers and body all as the document allows), invalid ones (exactly one part broken),
 * and ones sent by a principal the route does not allow.
 */
import fc from "fast-check";
import type { PrincipalName } from "../integration/support.ts";
import { couldNotBuild, counted } from "./counts.ts";
import { deref, isObject, type JsonSchema, validate } from "./json-schema.ts";
import { invalidValue, TRICKY_KEYS, validValue } from "./openapi-arbitraries.ts";
import { type FuzzRequest, type Operation, type Parameter, parameterValue } from "./operations.ts";
import { allowedPrincipals, isApprovalDecision } from "./oracles.ts";

/** State created before the properties run, so most requests reach past "model not found". */
export interface Fixture {
  /** A model with versions 1..3 (PENDING_UPLOAD) and alias `champion` → 1. */
  model: string;
  versions: readonly number[];
  /** Models that exist only to be deleted by deleteModel. */
  throwaway: readonly string[];
}

/** Placeholders a request may carry; `resolvePlaceholders` replaces them just before sending. */
export const CURRENT_ETAG = "<current-etag>";
export const FIXTURE_MODEL = "<fixture>";
export const UNIQUE_NAME = "<unique>";

export interface RequestArbitraries {
  valid: fc.Arbitrary<FuzzRequest>;
  invalid: fc.Arbitrary<FuzzRequest> | undefined;
  forbidden: fc.Arbitrary<FuzzRequest> | undefined;
}

const ALIAS_NAMES = [
  "champion",
  "toString",
  "constructor",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "prototype",
];

export function requestArbitraries(op: Operation, root: unknown, fixture: Fixture): RequestArbitraries {
  const principal = defaultPrincipal(op);
  const options = { root };
  const parts = {
    path: paramsRecord(op, "path", (p) => validPathValue(op, p, root, fixture)),
    query: paramsRecord(op, "query", (p) =>
      fc.option(validParamString(p.schema, root), { nil: undefined, freq: 2 }),
    ),
    headers: headersArbitrary(op),
    body:
      op.body === undefined
        ? fc.constant(undefined)
        : validValue(op.body, options).map((v) => JSON.stringify(v)),
  };
  const valid = fc
    .record(parts)
    .map(({ path, query, headers, body }) => request(op, principal, path, query, headers, body));

  const sites: fc.Arbitrary<FuzzRequest>[] = [];
  for (const parameter of op.parameters.filter((p) => p.in === "path" || p.in === "query")) {
    const bad = invalidParamString(parameter, root);
    if (!bad) {
      couldNotBuild(`${op.operationId} ${parameter.in}.${parameter.name}: no invalid value`);
      continue;
    }
    sites.push(
      fc.tuple(valid, bad).map(([base, value]) => ({
        ...base,
        [parameter.in]: { ...base[parameter.in as "path" | "query"], [parameter.name]: value },
      })),
    );
  }
  if (op.body !== undefined) {
    const badBody = invalidValue(op.body, { ...options, maxItems: 3 }).map((v) => JSON.stringify(v));
    sites.push(
      fc.tuple(valid, badBody).map(([base, body]) => ({ ...base, body })),
      fc.tuple(valid, rawBodyGarbage()).map(([base, body]) => withBody(base, body)),
    );
  }
  const invalid = sites.length > 0 ? fc.oneof(...sites) : undefined;

  const refused = (["reader", "approver", "publisher"] as const).filter(
    (p) => !allowedPrincipals(op).includes(p),
  );
  const forbidden =
    refused.length > 0
      ? fc.tuple(valid, fc.constantFrom(...refused)).map(([base, who]) => ({ ...base, principal: who }))
      : undefined;
  return { valid, invalid, forbidden };
}

/**
 * Writes as publisher, approval decisions as approver, deletes as admin, reads as reader: the
 * least principal each route allows.
 */
export function defaultPrincipal(op: Operation): PrincipalName {
  if (op.method === "GET") return "reader";
  if (op.method === "DELETE") return "admin";
  if (isApprovalDecision(op)) return "approver";
  if (op.method === "PUT" && op.path.endsWith("/policy")) return "governor";
  return "publisher";
}

function request(
  op: Operation,
  principal: PrincipalName,
  path: Record<string, string | undefined>,
  query: Record<string, string | undefined>,
  headers: Record<string, string | undefined>,
  body: string | undefined,
): FuzzRequest {
  return {
    operationId: op.operationId,
    principal,
    method: op.method,
    path: defined(path),
    query: defined(query),
    headers: defined(headers),
    ...(body !== undefined && { body }),
  };
}

function withBody(base: FuzzRequest, body: string | undefined): FuzzRequest {
  const { body: _, ...rest } = base;
  return body === undefined ? rest : { ...rest, body };
}

function defined(record: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter((e): e is [string, string] => e[1] !== undefined));
}

function paramsRecord(
  op: Operation,
  location: Parameter["in"],
  arbitrary: (p: Parameter) => fc.Arbitrary<string | undefined>,
): fc.Arbitrary<Record<string, string | undefined>> {
  const entries = op.parameters.filter((p) => p.in === location).map((p) => [p.name, arbitrary(p)] as const);
  return fc.record(Object.fromEntries(entries));
}

/** The text of a valid parameter value: integers in decimal form, even past 2**53. */
function validParamString(schema: JsonSchema, root: unknown): fc.Arbitrary<string> {
  return validValue(schema, { root }).map((v) =>
    typeof v === "number" && Number.isInteger(v) ? BigInt(v).toString() : String(v),
  );
}

function validPathValue(
  op: Operation,
  parameter: Parameter,
  root: unknown,
  fixture: Fixture,
): fc.Arbitrary<string> {
  const random = validParamString(parameter.schema, root);
  switch (parameter.name) {
    case "model":
      return op.operationId === "deleteModel"
        ? fc.oneof(fc.constantFrom(...fixture.throwaway), random)
        : fc.oneof({ arbitrary: fc.constant(fixture.model), weight: 8 }, { arbitrary: random, weight: 2 });
    case "version":
    case "other":
      return fc.oneof(
        { arbitrary: fc.constantFrom(...fixture.versions.map(String)), weight: 6 },
        { arbitrary: random, weight: 2 },
      );
    case "alias":
      return fc.oneof(
        { arbitrary: fc.constantFrom(...ALIAS_NAMES), weight: 4 },
        { arbitrary: random, weight: 2 },
      );
    default:
      return random;
  }
}

function headersArbitrary(op: Operation): fc.Arbitrary<Record<string, string | undefined>> {
  const headers: Record<string, fc.Arbitrary<string | undefined>> = {};
  for (const parameter of op.parameters.filter((p) => p.in === "header")) {
    const name = parameter.name.toLowerCase();
    if (name === "if-match") {
      // The ETag the resource has now (read just before sending), its weak form, or a stale one.
      headers[name] = fc.option(
        fc.constantFrom(
          CURRENT_ETAG,
          `W/${CURRENT_ETAG}`,
          `W/${CURRENT_ETAG}`,
          '"1"',
          '"999"',
          "*",
          "not-an-etag",
        ),
        { nil: undefined, freq: 2 },
      );
    } else if (name === "idempotency-key") {
      const printable = fc.string({
        minLength: 1,
        maxLength: 40,
        unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      });
      headers[name] = fc.option(
        fc.oneof({ arbitrary: fc.uuid(), weight: 4 }, { arbitrary: printable, weight: 1 }),
        {
          nil: undefined,
          freq: 2,
        },
      );
    } else {
      headers[name] = fc.option(
        fc.string({ minLength: 1, maxLength: 20, unit: fc.constantFrom(..."abcXYZ0189-_") }),
        { nil: undefined },
      );
    }
  }
  return fc.record(headers);
}

// Texts a client might put in a path segment or query value by mistake, for numbers especially.
const NUMBER_LOOKALIKES = [
  "0",
  "-1",
  "01",
  "007",
  "0x1",
  "1e0",
  "1E1",
  "1.0",
  "1.5",
  "+1",
  " 1",
  "1 ",
  "abc",
  "１",
  "Infinity",
  "NaN",
  "10000000000",
  "99999999999999999999",
  "",
];

function invalidParamString(parameter: Parameter, root: unknown): fc.Arbitrary<string> | undefined {
  const schema = deref(parameter.schema, root);
  const candidates: fc.Arbitrary<string>[] = [fc.constantFrom(...NUMBER_LOOKALIKES)];
  const mutated = safeInvalid(schema, root);
  if (mutated) candidates.push(mutated);
  if (isObject(schema) && typeof schema.maxLength === "number")
    candidates.push(fc.constant("x".repeat(schema.maxLength + 1)));
  if (parameter.in === "path")
    candidates.push(fc.constantFrom("__proto__", "-x", "_x", "a b", "a!b", "x".repeat(129), "é"));
  const isInvalid = (raw: string) => {
    const typed = parameterValue(parameter.schema, raw, root);
    return "issue" in typed || validate(parameter.schema, typed.value, root).length > 0;
  };
  // Path segments stay segments: no empty, dot or slash values that would reach another route.
  const fitsPath = (raw: string) =>
    parameter.in !== "path" ||
    (raw !== "" && raw !== "." && raw !== ".." && !raw.includes("/") && raw.length <= 300);
  return fc
    .oneof(...candidates)
    .filter(
      counted(
        "invalid parameter text that is valid, or no path segment",
        (raw: string) => fitsPath(raw) && isInvalid(raw),
      ),
    );
}

function safeInvalid(schema: JsonSchema, root: unknown): fc.Arbitrary<string> | undefined {
  try {
    return invalidValue(schema, { root })
      .filter(
        counted(
          "invalid parameter value that is no string or number",
          (v: unknown) => typeof v === "string" || typeof v === "number",
        ),
      )
      .map((v) => String(v))
      .filter(counted("invalid parameter text over 5000 characters", (s: string) => s.length <= 5000));
  } catch {
    couldNotBuild("a parameter schema with no invalid value (invalidValue threw)");
    return undefined;
  }
}

/** Bodies that are not the JSON object an operation expects, or not JSON at all. */
function rawBodyGarbage(): fc.Arbitrary<string | undefined> {
  const deep = `${"[".repeat(2000)}${"]".repeat(2000)}`;
  return fc.constantFrom(
    undefined,
    "",
    "{",
    "nul",
    "null",
    "[]",
    '"text"',
    "42",
    "true",
    "{}garbage",
    '{"a":1,}',
    "\u0000",
    deep,
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    `{${TRICKY_KEYS.filter((k) => k !== "")
      .map((k) => `${JSON.stringify(k)}:1`)
      .join(",")}}`,
    '{"a":"\\ud800"}',
  );
}
