import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registryApp } from "../../lib/app.ts";
import { type BundleSizes, bundleHandler, bundleSizes } from "../../lib/bundling/index.ts";
import { readRegistryConfig } from "../../lib/registry-config.ts";
import { RegistryFunction } from "../../lib/registry-function.ts";
import { addRegistryStacks } from "../../lib/registry-stacks.ts";
import { apiEvent, bundleEnv, runBundle } from "./run-bundle.ts";

const outdir = mkdtempSync(join(tmpdir(), "registry-tracing-"));
const models = { entry: "functions/entry-points/models.ts", without: ["s3", "lambda", "sfn"] as const };
let traced: BundleSizes;
let untraced: BundleSizes;

beforeAll(async () => {
  traced = bundleSizes(await bundleHandler({ ...models, outdir: join(outdir, "traced"), tracer: true }));
  untraced = bundleSizes(await bundleHandler({ ...models, outdir: join(outdir, "untraced") }));
}, 60_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const holds = (sizes: BundleSizes, pkg: string) =>
  sizes.initialInputs.some((input) => input.includes(`/${pkg}/`));

describe("Powertools Tracer", () => {
  it("is in a bundle only when asked for, and then in its cold start", () => {
    expect(holds(traced, "aws-xray-sdk-core")).toBe(true);
    expect(holds(traced, "@aws-lambda-powertools/tracer")).toBe(true);
    expect(holds(untraced, "aws-xray-sdk-core")).toBe(false);
    expect(holds(untraced, "@aws-lambda-powertools/tracer")).toBe(false);
    expect(traced.initialBytes - untraced.initialBytes).toBeGreaterThan(100 * 1024);
  });

  it("sends a subsegment per invocation and per SDK call to the X-Ray daemon, a 4xx not marked as a fault", async () => {
    const daemon = createSocket("udp4");
    const documents: Record<string, unknown>[] = [];
    daemon.on("message", (message) => {
      // Each datagram: a JSON header line, then the (sub)segment document.
      const [, body] = message.toString().split("\n");
      if (body) documents.push(JSON.parse(body) as Record<string, unknown>);
    });
    await new Promise<void>((resolve) => daemon.bind(0, "127.0.0.1", resolve));
    // DynamoDB's answer does not matter here, only that the client's call is traced: no item.
    const dynamodb = createServer((request, response) =>
      request.resume().on("end", () => {
        response.writeHead(200, {
          "content-type": "application/x-amz-json-1.0",
          "x-amzn-requestid": "ddb-1",
        });
        response.end("{}");
      }),
    );
    await new Promise<void>((resolve) => dynamodb.listen(0, "127.0.0.1", resolve));
    try {
      const [answer] = await runBundle(
        join(outdir, "traced", "index.mjs"),
        [
          apiEvent({
            resource: "/models/{model}",
            path: "/models/fraud",
            httpMethod: "GET",
            pathParameters: { model: "fraud" },
          }),
        ],
        {
          env: bundleEnv({
            AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${(dynamodb.address() as { port: number }).port}`,
            POWERTOOLS_TRACE_ENABLED: "true",
            // What Lambda sets in a traced function's environment.
            AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
            AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
            AWS_LAMBDA_FUNCTION_NAME: "models",
            LAMBDA_TASK_ROOT: join(outdir, "traced"),
            _HANDLER: "index.handler",
            _X_AMZN_TRACE_ID: "Root=1-6741f0c0-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1",
            AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
          }),
        },
      );
      // The model does not exist: a 404, the caller's business.
      expect(answer?.statusCode).toBe(404);
      await expect.poll(() => documents.length).toBeGreaterThanOrEqual(1);

      const invocation = documents.find((d) => d.name === "## index.handler");
      expect(invocation).toMatchObject({
        annotations: { ColdStart: true, Service: "model-registry" },
        trace_id: "1-6741f0c0-0123456789abcdef01234567",
      });
      expect(invocation?.fault).toBeUndefined();
      const calls = JSON.stringify(invocation?.subsegments ?? documents);
      expect(calls).toContain('"name":"DynamoDB"');
      expect(calls).toContain('"operation":"GetItem"');
    } finally {
      daemon.close();
      dynamodb.close();
    }
  });
});

describe("the powertoolsTracer and sourceMaps contexts", () => {
  it("is off by default and read as a boolean", () => {
    expect(readRegistryConfig(registryApp().node).powertoolsTracer).toBe(false);
    expect(
      readRegistryConfig(registryApp({ context: { powertoolsTracer: "true" } }).node).powertoolsTracer,
    ).toBe(true);
    expect(() => readRegistryConfig(registryApp({ context: { powertoolsTracer: "yes" } }).node)).toThrow(
      /powertoolsTracer/,
    );
  });

  it.each([false, true])("with %s, every function is bundled and configured alike", (powertoolsTracer) => {
    // Bundling skipped: the bundle settings are on the construct, the environment in the template.
    const app = registryApp({ context: { "aws:cdk:bundling-stacks": [] } });
    const { data, api } = addRegistryStacks(app, { ...readRegistryConfig(app.node), powertoolsTracer });
    const functions = [data, api].flatMap((stack) =>
      stack.node.findAll().filter((c): c is RegistryFunction => c instanceof RegistryFunction),
    );
    expect(functions.length).toBeGreaterThanOrEqual(9);
    for (const fn of functions) expect(fn.bundle.tracer === true, fn.node.path).toBe(powertoolsTracer);
    const environments = Object.values(Template.fromStack(api).findResources("AWS::Lambda::Function")).map(
      (resource) =>
        (resource as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties
          .Environment?.Variables ?? {},
    );
    for (const variables of environments.filter((v) => "SERVICE_NAME" in v))
      expect(variables.POWERTOOLS_TRACE_ENABLED).toBe(powertoolsTracer ? "true" : undefined);
  });

  it.each([false, true])(
    "sourceMaps %s: --enable-source-maps on every function only when asked for",
    (sourceMaps) => {
      const app = registryApp({ context: { "aws:cdk:bundling-stacks": [], sourceMaps: String(sourceMaps) } });
      const { data, api } = addRegistryStacks(app, readRegistryConfig(app.node));
      const environments = [data, api].flatMap((stack) =>
        Object.values(Template.fromStack(stack).findResources("AWS::Lambda::Function")).map(
          (resource) =>
            (resource as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties
              .Environment?.Variables ?? {},
        ),
      );
      const registryFunctions = environments.filter((v) => "SERVICE_NAME" in v);
      expect(registryFunctions.length).toBeGreaterThanOrEqual(9);
      for (const variables of registryFunctions)
        expect(variables.NODE_OPTIONS).toBe(sourceMaps ? "--enable-source-maps" : undefined);
    },
  );
});
