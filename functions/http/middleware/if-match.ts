/**
 * `If-Match` on the operations that honour it (`conditional`): handed to the core, which compares
 * it with the current ETag. Other operations ignore the header.
 */
import { IfMatch } from "#core/schemas.ts";
import { parseInput } from "#core/validation.ts";
import { type ApiMiddleware, headerOf, stateOf } from "./api-context.ts";

export function ifMatch(): ApiMiddleware {
  return {
    before: ({ event, context }) => {
      if (!stateOf(context, "operation").spec.conditional) return;
      const value = headerOf(event, "if-match");
      if (value === undefined) return;
      // A malformed header is a mistake to name (400), not a precondition that failed (412).
      stateOf(context, "ctx").ifMatch = parseInput(IfMatch, value.trim(), "header.If-Match");
    },
  };
}
