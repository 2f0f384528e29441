/**
 * Validates path parameters, query and JSON body against the operation's zod schemas; the
 * operation receives the parsed values. A query on an operation without one must be empty.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import * as z from "zod/mini";
import { parseInput as parse } from "#core/validation.ts";
import { HttpError } from "../errors.ts";
import { isDeferred } from "../operations/spec.ts";
import { type ApiMiddleware, setState, stateOf } from "./api-context.ts";

const EmptyQuery = z.strictObject({});

export function parseInput(): ApiMiddleware {
  return {
    before: async ({ event, context }) => {
      const { spec } = stateOf(context, "operation");
      const params = spec.params ? parse(spec.params, event.pathParameters ?? {}, "path") : undefined;
      const query = parse(spec.query ?? EmptyQuery, event.queryStringParameters ?? {}, "query");
      const json = spec.body ? readJsonBody(event) : undefined;
      const schema = spec.body && isDeferred(spec.body) ? await spec.body.load() : spec.body;
      const body = schema ? parse(schema, json, "body") : undefined;
      setState(context, "input", { params, query, body, json });
    },
  };
}

function readJsonBody(event: APIGatewayProxyEvent): unknown {
  if (event.body === null || event.body === undefined || event.body === "") return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof SyntaxError ? `: ${error.message}` : "";
    throw new HttpError("InvalidJson", `the request body is not valid JSON${detail}`);
  }
}
