/**
 * How every Lambda handler is bundled: one esbuild configuration, used by the CDK wrapper
 * (`lib/registry-function.ts`, which runs `cli.ts` as a child process during synth), by the
 * bundle benchmark (`bench/bundles.ts`) and by the bundle-size test (`test/infra/bundle-size.test.ts`),
 * so what is measured is what is deployed.
 *
 * Deliberately free of aws-cdk-lib imports: the CDK wrapper starts it once per function.
 *
 * On top of plain esbuild, each measured in `bench/results/bundles-latest.json` (each plugin is a
 * module of this folder, named after it):
 * - Code splitting: `await import()` becomes a chunk loaded on first use. `buildCore()` imports
 *   the adapters of S3, Lambda and Step Functions that way, so a route that never
 *   needs one does not load it at cold start; SDK code Node never reaches (the browser
 *   user-agent parser, event streams) lands in chunks that are never loaded. Sizes count what a
 *   cold start loads: `index.mjs` and the chunks it imports statically (`bundleSizes`).
 * - Credential providers that the SDK's default chain only reaches when no credentials are in the
 *   environment (SSO, INI profiles, credential processes, web identity, login, container and
 *   instance metadata) stay out of the bundle. Lambda always sets `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, so
 *   the chain stops at `fromEnv`; were one ever reached, the import would resolve to the Lambda
 *   runtime's own copy of the SDK.
 * - A function may be bundled `withoutModules`: SDK packages its grants do not cover. Each is
 *   replaced by a stub whose exports (the names the project imports) construct fine but whose
 *   calls throw, naming the package, so a missing grant fails loudly instead of as an
 *   AccessDenied from AWS. The API stack derives the list from the same table that decides the
 *   function's IAM grants.
 * - SDK clients import their whole `package.json` for the User-Agent; only the version is kept.
 * - Two rewrites of the SDK's own modules (`sdkModules`): an SDK client's schemas (one module
 *   per client holding every operation's) get literal keys, so only the schemas of the commands
 *   a function sends are bundled; and imports from the SDK's barrel modules go to the modules
 *   that define the names, so code only a chunk loaded on first use needs stays out of the cold
 *   start.
 * - Powertools Tracer only where the deployment asks for it (`tracer`, context `powertoolsTracer`).
 * - The core's modules are treated as free of side effects (`pureCore`): one a function does not
 *   use is left out, with the schemas it would construct at cold start; within a schema module,
 *   each schema constant is marked pure (`pureSchemas`), so an unused one is left out too.
 */
import { join } from "node:path";
import type { BuildOptions, BuildResult } from "esbuild";
import { projectRoot } from "./project-root.ts";
import { pureCore } from "./pure-core.ts";
import { pureSchemas } from "./pure-schemas.ts";
import { sdkModules } from "./sdk-modules.ts";
import { sdkVersionOnly } from "./sdk-version-only.ts";
import { tracingSwitch } from "./tracing-switch.ts";
import { withoutModules } from "./without-modules.ts";

export { literalSchemaKeys, splitBarrel } from "./sdk-modules.ts";
export { projectRoot };

/** Lambda's Node.js 24 runtime (`Runtime.NODEJS_24_X` in the wrapper). */
export const NODE_TARGET = "node24";

/**
 * ESM output has no `require`; CommonJS dependencies bundled into it still call it. The alias
 * keeps the banner's import from clashing with a bundled `createRequire`.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __registryCreateRequire } from 'module'; const require = __registryCreateRequire(import.meta.url);";

/** See the module comment: never loaded where Lambda provides credentials in the environment. */
export const UNREACHED_CREDENTIAL_PROVIDERS = [
  "@aws-sdk/credential-provider-sso",
  "@aws-sdk/credential-provider-ini",
  "@aws-sdk/credential-provider-process",
  "@aws-sdk/credential-provider-web-identity",
  "@aws-sdk/credential-provider-login",
  "@aws-sdk/nested-clients",
  "@aws-sdk/token-providers",
  // Container and instance metadata credentials (ECS, EC2): the chain's last resort, imported
  // only when the environment holds no credentials.
  "@smithy/credential-provider-imds",
  "@aws-sdk/credential-provider-http",
] as const;

/** SDK packages a function can be bundled without (see `withoutModules`). */
export const optionalSdkModules = {
  s3: ["@aws-sdk/client-s3", "@aws-sdk/s3-request-presigner"],
  lambda: ["@aws-sdk/client-lambda"],
  sfn: ["@aws-sdk/client-sfn"],
} as const;
export type OptionalSdk = keyof typeof optionalSdkModules;

/** Size target of every handler bundle (`index.mjs`, minified). */
export const BUNDLE_TARGET_BYTES = 350 * 1024;

/**
 * Bundles over the target today, each with the budget it must stay under and why; every other
 * bundle, new handlers included, must meet the target. `test/infra/bundle-size.test.ts` fails a
 * bundle over its budget, and an exception that is no longer needed (so the list only shrinks).
 * Measured sizes: bench/results/bundles-latest.json.
 */
export const bundleBudgetExceptions: Record<string, { bytes: number; reason: string }> = {
  "functions/entry-points/artifacts.ts": {
    // 431.1 KiB once it gained abandon (AbortMultipartUpload) and version-pinned downloads.
    bytes: 440 * 1024,
    reason:
      "every route signs or reads S3 objects: the DynamoDB and S3 clients with the commands sent are ~298 KiB, Powertools Logger and Metrics ~32 KiB and zod/mini ~24 KiB, 354 KiB before any of the registry's own code",
  },
};

export interface HandlerBundle {
  /** Entry file relative to the repository root; it must export `handler`. */
  entry: string;
  /** Absolute output directory: `index.mjs` and `index.mjs.map` are written there. */
  outdir: string;
  /** SDK clients this function has no rights to use: replaced by throwing stubs. */
  without?: readonly OptionalSdk[];
  /**
   * Bundle Powertools Tracer (`functions/adapters/tracing.ts`); otherwise that module is
   * replaced by `tracing-off.ts` and the Tracer is not in the bundle. Context `powertoolsTracer`.
   */
  tracer?: boolean;
}

/** The esbuild options of one handler bundle (plugins included). */
export function esbuildOptions(bundle: HandlerBundle): BuildOptions {
  return {
    entryPoints: [{ in: join(projectRoot, bundle.entry), out: "index" }],
    absWorkingDir: projectRoot,
    bundle: true,
    outdir: bundle.outdir,
    outExtension: { ".js": ".mjs" },
    // `await import()` of an adapter (functions/composition/build-core.ts) becomes a chunk loaded on
    // first use, so a client only some routes need stays out of the cold start of the others.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    platform: "node",
    target: NODE_TARGET,
    format: "esm",
    // ESM builds of the SDK, Powertools and zod tree-shake; their CommonJS builds do not.
    mainFields: ["module", "main"],
    minify: true,
    // Stack traces point at the TypeScript sources through the map (context `sourceMaps` starts
    // the functions with --enable-source-maps; otherwise it decodes logged traces offline);
    // line mapping is all that needs, embedding the sources would only grow the zip.
    sourcemap: true,
    sourcesContent: false,
    banner: { js: ESM_REQUIRE_BANNER },
    // The SDK is bundled and pinned (bench/results/cold-start-latest.json): only providers that
    // can never load in Lambda are left out.
    external: [...UNREACHED_CREDENTIAL_PROVIDERS],
    metafile: true,
    logLevel: "warning",
    plugins: [
      sdkVersionOnly(),
      sdkModules(),
      pureCore(),
      pureSchemas(),
      tracingSwitch(bundle.tracer === true),
      withoutModules((bundle.without ?? []).flatMap((sdk) => optionalSdkModules[sdk])),
    ],
  };
}

export async function bundleHandler(bundle: HandlerBundle): Promise<BuildResult> {
  const { build } = await import("esbuild");
  return build(esbuildOptions(bundle));
}

/** What a handler's bundle costs: at cold start, and in all (chunks loaded on first use included). */
export interface BundleSizes {
  /** `index.mjs` and every chunk it imports statically: what Node loads before the handler runs. */
  initialBytes: number;
  /** Those files, relative to the project root (esbuild's metafile paths). */
  initialFiles: string[];
  /** The source files bundled into them (node_modules paths included). */
  initialInputs: string[];
  /** Every `.mjs` file written (source maps excluded). */
  totalBytes: number;
  /** Chunks reached only through `await import()`, by the modules of the project they hold. */
  lazyChunks: { file: string; bytes: number; holds: string[] }[];
}

/** Reads a build's metafile: which output files the entry loads statically, and which on first use. */
export function bundleSizes(result: BuildResult): BundleSizes {
  const outputs = result.metafile?.outputs;
  if (!outputs) throw new Error("bundleSizes needs a build made with metafile: true");
  const files = Object.keys(outputs).filter((file) => file.endsWith(".mjs"));
  // esbuild marks the chunks of `await import()` targets as entry points too: the function's own
  // entry is the one outside `chunks/`.
  const entry = files.find((file) => outputs[file]?.entryPoint !== undefined && !file.includes("chunks/"));
  if (!entry) throw new Error("the build has no entry point output");
  const initial = new Set<string>();
  const visit = (file: string) => {
    if (initial.has(file)) return;
    initial.add(file);
    for (const imported of outputs[file]?.imports ?? [])
      if (imported.kind === "import-statement" && !imported.external) visit(imported.path);
  };
  visit(entry);
  const bytesOf = (file: string) => outputs[file]?.bytes ?? 0;
  return {
    initialBytes: [...initial].reduce((sum, file) => sum + bytesOf(file), 0),
    initialFiles: [...initial],
    initialInputs: [...initial].flatMap((file) => Object.keys(outputs[file]?.inputs ?? {})),
    totalBytes: files.reduce((sum, file) => sum + bytesOf(file), 0),
    lazyChunks: files
      .filter((file) => !initial.has(file))
      .map((file) => ({
        file: file.slice(file.lastIndexOf("/chunks/") + 1),
        bytes: bytesOf(file),
        holds: Object.keys(outputs[file]?.inputs ?? {}).filter(
          (input) => !input.includes("node_modules") && !input.includes(":"),
        ),
      })),
  };
}
