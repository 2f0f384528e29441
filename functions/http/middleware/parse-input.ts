/**
 * Validates path parameters, query and JSON body against the operation's zod schemas; the
 * operation receives the parsed values. A query on an operation without one must be empty.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import * as z from "zod/mini";
import { ValidationError } from "#core/errors.ts";
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
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof SyntaxError ? `: ${error.message}` : "";
    throw new HttpError("InvalidJson", `the request body is not valid JSON${detail}`);
  }
  // JSON.parse rounds an integer beyond 2^53 to the nearest double without a word; the registry
  // would then store (and answer) another number than the one sent. Refuse it, naming the field.
  const inexact = /\d{16}/.test(text) ? findInexactInteger(text) : undefined;
  if (inexact) {
    throw ValidationError.field(
      ["body", ...inexact.path].join("."),
      `${inexact.literal.length > 24 ? `${inexact.literal.slice(0, 24)}...` : inexact.literal} is an integer beyond ${Number.MAX_SAFE_INTEGER} (2^53 - 1), which a JSON number cannot hold exactly: it would be stored as ${Number(inexact.literal)}. Send ${Number(inexact.literal).toExponential()} if that approximation is what you mean, or keep the exact value in a string field (params, tags)`,
    );
  }
  return json;
}

/**
 * The first integer literal (digits only: no fraction, no exponent) in valid JSON text whose
 * value is not a safe integer, with the path of keys and indexes that leads to it. A number
 * written with a fraction or an exponent (`1.2e18`) is a decimal the sender knows is approximate.
 */
export function findInexactInteger(text: string): { path: (string | number)[]; literal: string } | undefined {
  const stack: { array: boolean; key: string | number }[] = [];
  let expectKey = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const top = stack.at(-1);
      if (top && !top.array && expectKey) {
        top.key = JSON.parse(text.slice(i, j + 1)) as string;
        expectKey = false;
      }
      i = j + 1;
    } else if (c === "{" || c === "[") {
      stack.push({ array: c === "[", key: c === "[" ? 0 : "" });
      expectKey = c === "{";
      i++;
    } else if (c === "}" || c === "]") {
      stack.pop();
      i++;
    } else if (c === ",") {
      const top = stack.at(-1);
      if (top?.array) top.key = (top.key as number) + 1;
      else expectKey = true;
      i++;
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      let j = i + 1;
      while (j < text.length && /[-+0-9.eE]/.test(text[j] as string)) j++;
      const literal = text.slice(i, j);
      if (/^-?\d+$/.test(literal) && !Number.isSafeInteger(Number(literal)))
        return { path: stack.map((s) => s.key), literal };
      i = j;
    } else i++;
  }
  return undefined;
}
