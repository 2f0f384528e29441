import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeclaredBundle, declaredBundles } from "../../lib/bundle-inventory.ts";
import { BUNDLE_TARGET_BYTES, bundleBudgetExceptions, bundleHandler } from "../../lib/bundling.ts";

// Every bundle the stacks declare, built with the deployed esbuild configuration (lib/bundling.ts).
const bundles: DeclaredBundle[] = declaredBundles();
const sizes = new Map<string, number>();
const files = new Map<string, string>();
const outdir = mkdtempSync(join(tmpdir(), "registry-bundles-"));

beforeAll(async () => {
  for (const [i, bundle] of bundles.entries()) {
    const dir = join(outdir, String(i));
    await bundleHandler({ ...bundle, outdir: dir });
    sizes.set(bundle.id, statSync(join(dir, "index.mjs")).size);
    files.set(bundle.entry, join(dir, "index.mjs"));
  }
}, 60_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

describe("Lambda bundle sizes", () => {
  it("cover every function the stacks declare (HTTP groups, the verifier, the publisher)", () => {
    expect(bundles.map((b) => b.entry)).toEqual(
      expect.arrayContaining([
        "functions/http/handlers/models.ts",
        "functions/workers/verify-artifacts.ts",
        "functions/events/publish-history.ts",
      ]),
    );
  });

  it.each(bundles.map((b) => [b.entry, b] as const))("%s stays within its budget", (_, bundle) => {
    const size = sizes.get(bundle.id)!;
    const exception = bundleBudgetExceptions[bundle.entry];
    const budget = exception?.bytes ?? BUNDLE_TARGET_BYTES;
    expect(
      size,
      `${bundle.entry} is ${kib(size)}, over its ${kib(budget)} budget` +
        (exception ? ` (${exception.reason})` : " (the 350 KiB target)"),
    ).toBeLessThanOrEqual(budget);
  });

  it("lists an exception to the 350 KiB target only for bundles that still need one", () => {
    for (const [entry, exception] of Object.entries(bundleBudgetExceptions)) {
      const measured = bundles.filter((b) => b.entry === entry).map((b) => sizes.get(b.id)!);
      expect(measured.length, `${entry} is no longer deployed: remove its exception`).toBeGreaterThan(0);
      expect(
        Math.max(...measured),
        `${entry} now meets the 350 KiB target: remove its exception (${exception.reason})`,
      ).toBeGreaterThan(BUNDLE_TARGET_BYTES);
    }
  });

  it("leaves the S3, Lambda and Step Functions SDKs out of functions whose grants do not cover them", () => {
    const models = bundles.find((b) => b.entry === "functions/http/handlers/models.ts")!;
    const artifacts = bundles.find((b) => b.entry === "functions/http/handlers/artifacts.ts")!;
    const transitions = bundles.find((b) => b.entry === "functions/http/handlers/transitions.ts")!;
    expect(models.without).toEqual(["s3", "lambda", "sfn"]);
    expect(artifacts.without).toEqual(["sfn"]);
    expect(transitions.without).toEqual(["s3", "lambda"]);
    expect(sizes.get(artifacts.id)! - sizes.get(models.id)!).toBeGreaterThan(150 * 1024);
  });

  it("still serve requests: the models bundle, S3 left out, answers an invalid create with the registry's 400", () => {
    // A fresh Node process, as Lambda starts one: the rewritten zod imports and the SDK stubs
    // run for real. An empty body fails validation before any AWS call.
    const script = join(outdir, "invoke.mjs");
    writeFileSync(
      script,
      `const { handler } = await import(process.argv[2]);
const event = { resource: "/models", path: "/models", httpMethod: "POST", headers: { "content-type": "application/json" },
  multiValueHeaders: {}, queryStringParameters: null, multiValueQueryStringParameters: null, pathParameters: null,
  stageVariables: null, body: "{}", isBase64Encoded: false,
  requestContext: { requestId: "req-1", identity: { userArn: "arn:aws:iam::123456789012:role/notebook" } } };
const context = { functionName: "models", functionVersion: "1", invokedFunctionArn: "arn", memoryLimitInMB: "1024",
  awsRequestId: "lambda-1", getRemainingTimeInMillis: () => 10000 };
process.stdout.write(JSON.stringify(await handler(event, context)));`,
    );
    const child = spawnSync(
      process.execPath,
      [script, pathToFileURL(files.get("functions/http/handlers/models.ts")!).href],
      {
        encoding: "utf8",
        env: {
          PATH: process.env.PATH,
          TABLE_NAME: "t",
          ARTIFACT_BUCKET: "b",
          PAGE_TOKEN_SECRET: "0123456789abcdef0123456789abcdef",
          AWS_REGION: "us-east-1",
          AWS_ACCESS_KEY_ID: "x",
          AWS_SECRET_ACCESS_KEY: "y",
          POWERTOOLS_LOG_LEVEL: "SILENT",
        },
      },
    );
    expect(child.status, child.stderr).toBe(0);
    const response = JSON.parse(child.stdout) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error.code).toBe("ValidationError");
  });
});
