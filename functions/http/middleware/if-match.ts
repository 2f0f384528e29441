/**
 * `If-Match` on the operations that honour it (`conditional`): handed to the core, which compares
 * it with the current ETag. Other operations ignore the header.
 */
import { IfMatch } from "#core/schemas.ts";
import { parseInput } from "#core/validation.ts";
import { type ApiMiddleware, operationHeader, stateOf } from "./api-context.ts";

export function ifMatch(): ApiMiddleware {
  return operationHeader("conditional", "if-match", (value, _event, context) => {
    // A malformed header is a mistake to name (400), not a precondition that failed (412).
    // Checked as received, with the schema the OpenAPI document publishes; the core gets it trimmed.
    stateOf(context, "ctx").ifMatch = parseInput(IfMatch, value, "header.If-Match").trim();
  });
}
