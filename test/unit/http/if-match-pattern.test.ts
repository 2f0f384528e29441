/**
 * The served OpenAPI document's `If-Match` pattern and the server's check are one rule: a value
 * the pattern admits reaches the operation (a stale one then ends in 412, a precondition), and a
 * value it refuses is a 400 naming the header. Driven through the models handler's middleware
 * chain with API Gateway events, on fixed edge cases and on generated values.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createApiHandler, type Implementations } from "#http/api.ts";
import { openApiDocument } from "#http/openapi.ts";
import { modelOperations } from "#http/operations/models.ts";
import { createLambdaContext } from "../../../local/lambda-context.ts";

type Parameter = { name: string; schema: { pattern: string } };
const doc = openApiDocument() as { paths: Record<string, Record<string, { parameters?: Parameter[] }>> };
const patterns = Object.values(doc.paths)
  .flatMap((methods) => Object.values(methods))
  .flatMap((operation) => operation.parameters ?? [])
  .filter((parameter) => parameter.name === "If-Match")
  .map((parameter) => parameter.schema.pattern);
// JSON Schema patterns are ECMA-262 regular expressions, read with Unicode semantics.
const admitted = (value: string) => new RegExp(patterns[0]!, "u").test(value);

const reached: string[] = [];
const models = createApiHandler("models", modelOperations, {
  ...Object.fromEntries(
    Object.keys(modelOperations).map((id) => [
      id,
      async () => {
        throw new Error("not under test");
      },
    ]),
  ),
  updateModel: async ({ ctx }: { ctx: { ifMatch?: string } }) => {
    reached.push(ctx.ifMatch ?? "");
    return { body: {} };
  },
} as unknown as Implementations<typeof modelOperations>);

async function patchWith(ifMatch: string): Promise<number> {
  const event = {
    resource: "/models/{model}",
    path: "/models/fraud",
    httpMethod: "PATCH",
    headers: { "if-match": ifMatch, "content-type": "application/json" },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { model: "fraud" },
    stageVariables: null,
    body: '{"description":"x"}',
    isBase64Encoded: false,
    requestContext: { requestId: "req-1", identity: { userArn: "arn:aws:iam::000000000000:user/alice" } },
  } as unknown as APIGatewayProxyEvent;
  const context = createLambdaContext({
    functionName: "model-registry-test",
    requestId: "lambda-1",
    region: "eu-west-1",
    startedAt: Date.now(),
    timeoutMs: 29_000,
  });
  const response = await models(event, context);
  if (response.statusCode === 400) expect(response.body).toContain("header.If-Match");
  return response.statusCode;
}

const EDGES = [
  '"3"',
  "*",
  'W/"3"',
  '""',
  '"a", "b"',
  '"a"\t,\t"b"',
  ' "3"',
  '"3" ',
  '\t"3"\t',
  " * ",
  "3",
  '"3',
  '"a" "b"',
  '"a",',
  '"a"x',
  "**",
  'w/"3"',
  '"\u00e9"',
  '"\u0100"',
  '"a\\"b"',
  `"${"x".repeat(256)}"`,
  `"${"x".repeat(257)}"`,
  Array.from({ length: 50 }, (_, i) => `"${i}"`).join(","),
  Array.from({ length: 51 }, (_, i) => `"${i}"`).join(","),
];

describe("the If-Match pattern the OpenAPI document serves", () => {
  it("is the same on every operation that honours If-Match", () => {
    expect(patterns.length).toBeGreaterThanOrEqual(4);
    expect(new Set(patterns).size).toBe(1);
  });

  it.each(EDGES.map((value) => [JSON.stringify(value), value]))(
    "admits %s exactly when the server accepts it",
    async (_, value) => {
      const status = await patchWith(value);
      expect(status === 400 ? "refused" : "accepted", `pattern admits: ${admitted(value)}`).toBe(
        admitted(value) ? "accepted" : "refused",
      );
    },
  );

  it("agrees with the server on generated values: tags, lists, whitespace and stray characters", async () => {
    const tagChar = fc.constantFrom(
      "a",
      "3",
      "!",
      "#",
      "~",
      "\u00e9",
      "\u00ff",
      "\u0100",
      '"',
      " ",
      ",",
      "\\",
    );
    const tag = fc
      .tuple(fc.boolean(), fc.array(tagChar, { maxLength: 6 }))
      .map(([weak, chars]) => `${weak ? "W/" : ""}"${chars.join("")}"`);
    const separator = fc.constantFrom(",", ", ", " ,", "\t,", ",,", " ");
    const value = fc
      .tuple(
        fc.constantFrom("", " ", "\t"),
        fc.array(tag, { minLength: 1, maxLength: 4 }),
        separator,
        fc.constantFrom("", " ", "\t", "x"),
      )
      .map(([before, tags, sep, after]) => `${before}${tags.join(sep)}${after}`);
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        const status = await patchWith(v);
        return (status !== 400) === admitted(v);
      }),
      { numRuns: 300, seed: 20 },
    );
  });
});
