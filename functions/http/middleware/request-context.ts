/**
 * Who is asking, under which request id: the core records the actor on every write. In AWS, IAM
 * auth guarantees an identity on every route; local mode serves `/health` unsigned (the route's
 * `localUnauthenticated`), and its caller is `anonymous`. Both go into every log line too.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import { HttpError } from "../errors.ts";
import { type ApiMiddleware, setState, stateOf } from "./api-context.ts";

export function requestContext(logger: Logger): ApiMiddleware {
  return {
    before: ({ event, context }) => {
      const { route } = stateOf(context, "operation");
      const requestId = event.requestContext.requestId;
      const actor =
        event.requestContext.identity?.userArn ?? (route.localUnauthenticated ? "anonymous" : undefined);
      if (!actor) {
        throw new HttpError("MissingIdentity", "the request carries no IAM identity: sign it with SigV4");
      }
      logger.appendKeys({ actor });
      setState(context, "ctx", { actor, requestId });
    },
  };
}
