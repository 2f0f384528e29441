import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeclaredBundle, declaredBundles } from "../../lib/bundle-inventory.ts";
import {
  BUNDLE_TARGET_BYTES,
  type BundleSizes,
  bundleBudgetExceptions,
  bundleHandler,
  bundleSizes,
  projectRoot,
} from "../../lib/bundling/index.ts";
import { apiEvent, bundleEnv, runBundle } from "./run-bundle.ts";

// Every bundle the stacks declare, built with the deployed esbuild configuration (lib/bundling/).
const bundles: DeclaredBundle[] = declaredBundles();
const sizes = new Map<string, number>();
const layouts = new Map<string, BundleSizes>();
const files = new Map<string, string>();
const outdir = mkdtempSync(join(tmpdir(), "registry-bundles-"));

beforeAll(async () => {
  for (const [i, bundle] of bundles.entries()) {
    const dir = join(outdir, String(i));
    const layout = bundleSizes(await bundleHandler({ ...bundle, outdir: dir }));
    // What a cold start loads: index.mjs and the chunks it imports statically.
    sizes.set(bundle.id, layout.initialBytes);
    layouts.set(bundle.entry, layout);
    files.set(bundle.entry, join(dir, "index.mjs"));
  }
}, 60_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

describe("Lambda bundle sizes", () => {
  it("cover every function the stacks declare (HTTP groups, the verifier, the publisher)", () => {
    expect(bundles.map((b) => b.entry)).toEqual(
      expect.arrayContaining([
        "functions/entry-points/models.ts",
        "functions/entry-points/verify-artifacts.ts",
        "functions/entry-points/publish-history.ts",
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
    const models = bundles.find((b) => b.entry === "functions/entry-points/models.ts")!;
    const artifacts = bundles.find((b) => b.entry === "functions/entry-points/artifacts.ts")!;
    const transitions = bundles.find((b) => b.entry === "functions/entry-points/transitions.ts")!;
    expect(models.without).toEqual(["s3", "lambda", "sfn"]);
    expect(artifacts.without).toEqual(["sfn"]);
    expect(transitions.without).toEqual(["s3", "lambda"]);
    const holdsS3 = (bundle: DeclaredBundle) =>
      layouts.get(bundle.entry)!.initialInputs.some((input) => input.includes("/@aws-sdk/client-s3/"));
    expect(holdsS3(artifacts)).toBe(true);
    expect(holdsS3(models)).toBe(false);
    expect(holdsS3(transitions)).toBe(false);
  });

  it("bundle only the schemas of the S3 commands a function sends (literal keys in the SDK's schema module)", () => {
    const text = (entry: string) =>
      layouts
        .get(entry)!
        .initialFiles.map((file) => readFileSync(join(projectRoot, file), "utf8"))
        .join("\n");
    for (const entry of [
      "functions/entry-points/artifacts.ts",
      "functions/entry-points/verify-artifacts.ts",
    ]) {
      const code = text(entry);
      // Sent by both: the artifact reader's reads.
      expect(code, entry).toContain('"HeadObject"');
      // Sent by the artifacts function alone: the verifier never uploads.
      if (entry === "functions/entry-points/artifacts.ts")
        expect(code, entry).toContain('"CompleteMultipartUpload"');
      else expect(code, entry).not.toContain('"CompleteMultipartUpload"');
      // Operations nobody here sends: kept before, for their computed keys.
      for (const unused of [
        "PutBucketLifecycleConfiguration",
        "SelectObjectContentRequest",
        "WriteGetObjectResponse",
      ])
        expect(code, `${entry} holds the schema of ${unused}`).not.toContain(`"${unused}"`);
    }
  });

  it("keep S3-only SDK code out of the cold start of a function that loads S3 on first use (imports past the SDK's barrels)", () => {
    const { initialInputs, lazyChunks } = layouts.get("functions/entry-points/versions.ts")!;
    const s3Only = [
      "/@aws-sdk/core/dist-es/submodules/protocols/xml/",
      "/@aws-sdk/checksums/",
      "/@aws-sdk/xml-builder/",
      // Re-exported by @smithy/core/serde, a barrel with code of its own (split at bundle time).
      "/@smithy/core/dist-es/submodules/serde/util-stream/checksum/",
      "/@smithy/core/dist-es/submodules/serde/util-stream/sdk-stream-mixin",
    ];
    for (const path of s3Only)
      expect(
        initialInputs.filter((input) => input.includes(path)),
        path,
      ).toEqual([]);
    // They are in the chunk that holds the S3 adapter, loaded when a version is created with artifacts.
    expect(
      lazyChunks.some((chunk) => chunk.holds.includes("functions/adapters/s3/artifact-storage.ts")),
    ).toBe(true);
  });

  it("still serve requests: the models bundle, S3 left out, answers an invalid create with the registry's 400", async () => {
    // A fresh Node process, as Lambda starts one: the SDK stubs and the lazily loaded chunks run
    // for real. An empty body fails validation before any AWS call.
    const [created] = await runBundle(
      files.get("functions/entry-points/models.ts")!,
      [apiEvent({ resource: "/models", path: "/models", httpMethod: "POST", body: "{}" })],
      { env: bundleEnv() },
    );
    expect(created?.statusCode).toBe(400);
    expect(JSON.parse(created?.body ?? "{}").error.code).toBe("ValidationError");
  });

  it("use zod/mini, never classic zod, and build no JSON Schema outside the service function", () => {
    for (const [entry, layout] of layouts) {
      expect(
        layout.initialInputs.filter((input) => input.includes("/zod/v4/classic/")),
        `${entry}: classic zod (~70 KiB more than zod/mini) is in the cold start`,
      ).toEqual([]);
      if (entry !== "functions/entry-points/service.ts")
        expect(layout.initialInputs.filter((input) => input.includes("/zod/v4/core/to-json-schema"))).toEqual(
          [],
        );
    }
  });

  it("leave out the schemas a function does not use: other aggregates', and every response schema", () => {
    const schemaModules = (entry: string) =>
      layouts
        .get(entry)!
        .initialInputs.filter((input) => input.startsWith("functions/core/schemas/"))
        .map((input) => input.slice("functions/core/schemas/".length))
        .sort();
    // Workers map history items and records: of the API's schemas, only names (model, stage).
    for (const entry of [
      "functions/entry-points/publish-history.ts",
      "functions/entry-points/transition-tasks.ts",
    ])
      expect(schemaModules(entry), entry).toEqual(["names.ts", "vocabulary.ts"]);
    // The verifier parses no request: the enumerations as plain values, and no zod at all.
    expect(schemaModules("functions/entry-points/verify-artifacts.ts")).toEqual(["vocabulary.ts"]);
    expect(
      layouts
        .get("functions/entry-points/verify-artifacts.ts")!
        .initialInputs.filter((input) => input.includes("/zod/")),
    ).toEqual([]);
    // An alias's response embeds a version; no handler parses its replies, so no version schema.
    expect(schemaModules("functions/entry-points/aliases.ts")).not.toContain("versions.ts");
    // Response schemas describe the API: only the function serving the OpenAPI document has them.
    for (const [entry, layout] of layouts)
      if (entry !== "functions/entry-points/service.ts")
        expect(layout.initialInputs, entry).not.toContain("functions/http/operations/responses.ts");
  });

  it("load an adapter whose SDK client only some routes need on first use, and bundle the others into the cold start", () => {
    const lazyModules = (entry: string) => layouts.get(entry)!.lazyChunks.flatMap((chunk) => chunk.holds);
    // Reads of versions never touch S3; only creating a version with artifacts signs URLs.
    expect(lazyModules("functions/entry-points/versions.ts")).toContain(
      "functions/adapters/s3/artifact-storage.ts",
    );
    // Every artifacts route and every verifier run needs S3: it is part of their cold start.
    expect(lazyModules("functions/entry-points/artifacts.ts")).not.toContain(
      "functions/adapters/s3/artifact-storage.ts",
    );
    // The verifier only reads: S3's reads at cold start, and the upload adapter (the presigner,
    // the upload commands' schemas) nowhere in its bundle, not even on first use.
    const verifier = layouts.get("functions/entry-points/verify-artifacts.ts")!;
    expect(verifier.initialInputs).toContain("functions/adapters/s3/artifact-reader.ts");
    expect([
      ...verifier.initialInputs,
      ...lazyModules("functions/entry-points/verify-artifacts.ts"),
    ]).not.toContain("functions/adapters/s3/artifact-storage.ts");
    expect(verifier.initialInputs.filter((input) => input.includes("s3-request-presigner"))).toEqual([]);
    // The page-token key lives in the table: no function bundles the Secrets Manager client.
    for (const entry of layouts.keys()) {
      expect([...layouts.get(entry)!.initialInputs, ...lazyModules(entry)].join("\n"), entry).not.toMatch(
        /client-secrets-manager/,
      );
    }
    expect(lazyModules("functions/entry-points/transitions.ts")).toEqual(
      expect.arrayContaining([
        "functions/adapters/sfn/workflow-control.ts",
        "functions/adapters/lambda/custom-validator.ts",
      ]),
    );
  });

  it("import no Node built-in that costs milliseconds to load and nothing here uses: web streams", () => {
    // `node:stream/web` loads Node's nine web-stream modules: 2.6-6 ms here, about a tenth of a
    // handler's import. @middy/core 6 imported it for response streaming; 7 does not.
    for (const [entry, layout] of layouts) {
      const code = layout.initialFiles
        .map((file) => readFileSync(join(projectRoot, file), "utf8"))
        .join("\n");
      expect(code, entry).not.toMatch(/from\s*"node:stream\/web"|from\s*"stream\/web"/);
    }
  });

  it("build the bodies of creates and updates of models and versions on first use, not at cold start", () => {
    for (const group of ["models", "versions"]) {
      const { initialInputs, lazyChunks } = layouts.get(`functions/entry-points/${group}.ts`)!;
      const bodies = `functions/http/operations/${group}-bodies.ts`;
      expect(initialInputs).not.toContain(bodies);
      expect(lazyChunks.flatMap((chunk) => chunk.holds)).toContain(bodies);
    }
  });

  it("read the page-token key from the table on the first list only, once per instance, with no Secrets Manager", async () => {
    const calls: string[] = [];
    const dynamo = createServer((request, response) => {
      // The bundle runner asks how many calls were made so far between invocations.
      if (request.method === "GET") return void response.end(String(calls.length));
      calls.push(String(request.headers["x-amz-target"]));
      request.resume().on("end", () => {
        response.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
        // GetItem of the key item: the key another instance created.
        const key = Buffer.alloc(32, 7).toString("base64");
        response.end(
          JSON.stringify({ Item: { pk: { S: "REGISTRY#PAGE_TOKENS" }, sk: { S: "KEY" }, key: { S: key } } }),
        );
      });
    });
    await new Promise<void>((resolve) => dynamo.listen(0, "127.0.0.1", resolve));
    const { port } = dynamo.address() as { port: number };
    try {
      const create = apiEvent({ resource: "/models", path: "/models", httpMethod: "POST", body: "{}" });
      const list = apiEvent({
        resource: "/models",
        path: "/models",
        httpMethod: "GET",
        queryStringParameters: { nextToken: "forged.token" },
      });
      const endpoint = `http://127.0.0.1:${port}`;
      const answers = await runBundle(files.get("functions/entry-points/models.ts")!, [create, list, list], {
        env: bundleEnv({ PAGE_TOKEN_SECRET: undefined, AWS_ENDPOINT_URL_DYNAMODB: endpoint }),
        // How many calls DynamoDB had received, read after each invocation.
        probeUrl: endpoint,
      });
      const [created, listed, listedAgain] = answers.map(({ statusCode, body, probe }) => ({
        statusCode,
        message: (JSON.parse(body) as { error?: { message?: string } }).error?.message,
        callsSoFar: Number(probe),
      }));
      // No call at cold start nor for a request that does not list.
      expect(created).toMatchObject({ statusCode: 400, callsSoFar: 0 });
      expect(listed).toEqual({
        statusCode: 400,
        message: expect.stringMatching(/not a token this API issued/),
        callsSoFar: 1,
      });
      // Read once per function instance.
      expect(listedAgain).toMatchObject({ statusCode: 400, callsSoFar: 1 });
      expect(calls).toEqual(["DynamoDB_20120810.GetItem"]);
    } finally {
      dynamo.close();
    }
  });
});
