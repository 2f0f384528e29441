/**
 * `If-Match` on the operations that honour it (`conditional`): handed to the core, which compares
 * it with the current ETag. Other operations ignore the header.
 */
import { type ApiMiddleware, headerOf, stateOf } from "./api-context.ts";

export function ifMatch(): ApiMiddleware {
  return {
    before: ({ event, context }) => {
      if (!stateOf(context, "operation").spec.conditional) return;
      const value = headerOf(event, "if-match");
      if (value !== undefined) stateOf(context, "ctx").ifMatch = value;
    },
  };
}
