/**
 * Runs a built handler bundle as Lambda would: a fresh Node process imports `index.mjs` and
 * invokes `handler` once per event, in order, in the same process (one warm instance after one
 * cold start). Asynchronous, so a stand-in service the test runs in its own process can answer.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** The API Gateway proxy event of a route, as the deployed REST API sends it. */
export function apiEvent(route: {
  resource: string;
  path: string;
  httpMethod: string;
  pathParameters?: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  body?: string;
}): Record<string, unknown> {
  return {
    headers: route.body === undefined ? {} : { "content-type": "application/json" },
    multiValueHeaders: {},
    multiValueQueryStringParameters: null,
    stageVariables: null,
    isBase64Encoded: false,
    requestContext: { requestId: "req-1", identity: { userArn: "arn:aws:iam::123456789012:role/notebook" } },
    ...route,
    pathParameters: route.pathParameters ?? null,
    queryStringParameters: route.queryStringParameters ?? null,
    body: route.body ?? null,
  };
}

/**
 * A deployed function's configuration, with nothing that reaches the network unless `extra` says
 * so (an `undefined` value removes a default).
 */
export function bundleEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    TABLE_NAME: "t",
    ARTIFACT_BUCKET: "b",
    PAGE_TOKEN_SECRET: "0123456789abcdef0123456789abcdef",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "x",
    AWS_SECRET_ACCESS_KEY: "y",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
}

export interface Invocation {
  statusCode: number;
  body: string;
  /** With `probeUrl`: the text GET `probeUrl` answered right after this invocation. */
  probe?: string;
}

const SCRIPT = `const [bundle, eventsJson, probeUrl] = process.argv.slice(2);
const { handler } = await import(bundle);
const context = { functionName: "registry", functionVersion: "1", invokedFunctionArn: "arn", memoryLimitInMB: "1024",
  awsRequestId: "lambda-1", getRemainingTimeInMillis: () => 10000 };
const results = [];
for (const event of JSON.parse(eventsJson)) {
  const { statusCode, body } = await handler(event, context);
  const probe = probeUrl ? await (await fetch(probeUrl)).text() : undefined;
  results.push({ statusCode, body, probe });
}
process.stdout.write(JSON.stringify(results));`;

/**
 * Invokes the bundle at `bundleFile` with each event; fails with the child's stderr when it does
 * not exit cleanly. `probeUrl` lets a test read a stand-in's state between invocations.
 */
export async function runBundle(
  bundleFile: string,
  events: Record<string, unknown>[],
  options: { env: NodeJS.ProcessEnv; probeUrl?: string },
): Promise<Invocation[]> {
  const script = join(bundleFile, "..", "run-bundle.mjs");
  writeFileSync(script, SCRIPT);
  const args = [script, pathToFileURL(bundleFile).href, JSON.stringify(events)];
  if (options.probeUrl) args.push(options.probeUrl);
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve) => {
      const child = spawn(process.execPath, args, { env: options.env });
      let out = "";
      let err = "";
      child.stdout.on("data", (chunk) => (out += chunk));
      child.stderr.on("data", (chunk) => (err += chunk));
      child.on("close", (exit) => resolve({ code: exit, stdout: out, stderr: err }));
    },
  );
  if (code !== 0) throw new Error(`${bundleFile} exited ${code}:\n${stderr}`);
  return JSON.parse(stdout) as Invocation[];
}
