/**
 * `Idempotency-Key` on the operations that accept it (every POST): checks the header and gives the
 * core the key with a fingerprint of the request, so a retry with the same key and the same
 * request replays the first response and a different request under that key is refused. Other
 * operations ignore the header.
 */
import { createHash } from "node:crypto";
import { IdempotencyKey } from "#core/schemas.ts";
import { parseInput } from "#core/validation.ts";
import { type ApiMiddleware, operationHeader, stateOf } from "./api-context.ts";

export function idempotencyKey(): ApiMiddleware {
  return operationHeader("idempotent", "idempotency-key", (key, event, context) => {
    // The rule is the schema the OpenAPI document publishes for the header.
    parseInput(IdempotencyKey, key, "header.Idempotency-Key");
    const { json } = stateOf(context, "input");
    stateOf(context, "ctx").idempotency = {
      key,
      fingerprint: fingerprint(event.httpMethod, event.path, json),
    };
  });
}

/** Same method, path and JSON content (whatever the key order or spacing) → same fingerprint. */
function fingerprint(method: string, path: string, body: unknown): string {
  return createHash("sha256")
    .update(`${method} ${path}\n${canonicalJson(body)}`)
    .digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
