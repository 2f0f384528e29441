/**
 * Greedy shrinking of one failing request, for report mode (FUZZ_REPORT=1), where fast-check does
 * not shrink because the property keeps going after a failure. Each step drops one query
 * parameter, header, body member or array item, or shortens a long string, and keeps the change
 * when the request still fails the same way. A 5xx found with twenty odd map keys and extreme
 * numbers comes out as the one key or number that causes it.
 */
import { isObject } from "./json-schema.ts";
import { objectOf } from "./openapi-arbitraries.ts";
import type { FuzzRequest } from "./operations.ts";

type Json = unknown;

/** Smaller variants of a JSON value, biggest cuts first (whole members before their contents). */
function* smallerValues(value: Json): Generator<Json> {
  if (Array.isArray(value)) {
    if (value.length > 3) {
      const half = Math.floor(value.length / 2);
      yield value.slice(0, half);
      yield value.slice(half);
    }
    for (let i = 0; i < value.length; i++) yield [...value.slice(0, i), ...value.slice(i + 1)];
    for (let i = 0; i < value.length; i++) {
      for (const smaller of smallerValues(value[i]))
        yield [...value.slice(0, i), smaller, ...value.slice(i + 1)];
    }
  } else if (isObject(value)) {
    const entries = Object.keys(value).map((k) => [k, value[k]] as const);
    if (entries.length > 3) {
      const half = Math.floor(entries.length / 2);
      yield objectOf(entries.slice(0, half));
      yield objectOf(entries.slice(half));
    }
    for (let i = 0; i < entries.length; i++) yield objectOf(entries.filter((_, j) => j !== i));
    for (let i = 0; i < entries.length; i++) {
      const [key, child] = entries[i] as readonly [string, Json];
      for (const smaller of smallerValues(child)) {
        yield objectOf(entries.map((entry, j) => (j === i ? ([key, smaller] as const) : entry)));
      }
    }
  } else if (typeof value === "string" && value.length > 8) {
    yield value.slice(0, Math.ceil(value.length / 8));
  }
}

function* smallerRequests(request: FuzzRequest): Generator<FuzzRequest> {
  for (const name of Object.keys(request.query)) {
    const { [name]: _, ...query } = request.query;
    yield { ...request, query };
  }
  for (const name of Object.keys(request.headers)) {
    const { [name]: _, ...headers } = request.headers;
    yield { ...request, headers };
  }
  if (request.body === undefined) return;
  let parsed: Json;
  try {
    parsed = JSON.parse(request.body);
  } catch {
    return;
  }
  for (const smaller of smallerValues(parsed)) yield { ...request, body: JSON.stringify(smaller) };
}

export async function minimize(
  request: FuzzRequest,
  stillFails: (candidate: FuzzRequest) => Promise<boolean>,
  maxAttempts = 120,
): Promise<FuzzRequest> {
  let current = request;
  let attempts = 0;
  let improved = true;
  while (improved && attempts < maxAttempts) {
    improved = false;
    for (const candidate of smallerRequests(current)) {
      if (++attempts > maxAttempts) break;
      if (await stillFails(candidate)) {
        current = candidate;
        improved = true;
        break;
      }
    }
  }
  return current;
}
