/**
 * How every Lambda handler is bundled: one esbuild configuration, used by the CDK wrapper
 * (`lib/registry-function.ts`, which runs this file as a child process during synth), by the
 * bundle benchmark (`bench/bundles.ts`) and by the bundle-size test (`test/infra/bundle-size.test.ts`),
 * so what is measured is what is deployed.
 *
 * Deliberately free of aws-cdk-lib imports: the CDK wrapper starts it once per function.
 *
 * Three things on top of plain esbuild, each measured in `bench/results/bundles-latest.json`:
 * - `import { z } from "zod"` is rewritten to `import * as z from "zod"` in the project's own
 *   sources. The two are the same namespace, but esbuild cannot tree-shake a namespace that a
 *   package re-exports (`export { z }`), so the first form bundles all of zod, every locale
 *   included (about 450 KB minified, against about 100 KB).
 * - Credential providers that the SDK's default chain only reaches when no credentials are in the
 *   environment (SSO, INI profiles, credential processes, web identity, login) stay out of the
 *   bundle. Lambda always sets `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, so
 *   the chain stops at `fromEnv`; were one ever reached, the import would resolve to the Lambda
 *   runtime's own copy of the SDK.
 * - A function may be bundled `withoutModules`: SDK packages its grants do not cover. Each is
 *   replaced by a stub whose exports construct fine (composition builds every client at cold
 *   start) but whose calls throw, naming the package, so a missing grant fails loudly instead of
 *   as an AccessDenied from AWS. The API stack derives the list from the same table that decides
 *   the function's IAM grants.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BuildOptions, BuildResult, Plugin } from "esbuild";

/** The repository root: entries, `#core/*` imports and node_modules resolve from here. */
export const projectRoot = fileURLToPath(new URL("../", import.meta.url));

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
  "functions/http/handlers/models.ts": {
    bytes: 450 * 1024,
    reason:
      "the bundled DynamoDB + Secrets Manager clients alone are ~235 KiB, zod ~100 KiB, the route table and operation schemas of all 44 routes ~15 KiB",
  },
  "functions/http/handlers/aliases.ts": {
    bytes: 450 * 1024,
    reason: "same clients and schemas as models",
  },
  "functions/http/handlers/versions.ts": {
    bytes: 615 * 1024,
    reason: "adds the S3 client and presigner (~160 KiB) to sign upload URLs",
  },
  "functions/http/handlers/artifacts.ts": {
    bytes: 685 * 1024,
    reason: "S3 for uploads, seals and downloads, and the Lambda client that starts the verifier",
  },
  "functions/http/handlers/transitions.ts": {
    bytes: 475 * 1024,
    reason: "the models bundle plus the Step Functions client (~25 KiB) that resumes or stops approval waits",
  },
  "functions/workers/verify-artifacts.ts": {
    bytes: 575 * 1024,
    reason: "S3 reads and DynamoDB writes; asynchronous, so its cold start is not on a request path",
  },
  "functions/workflow/transition-tasks.ts": {
    bytes: 525 * 1024,
    reason:
      "DynamoDB, the Step Functions client (task tokens) and the Lambda client (custom validation); run by Step Functions, so its cold start is not on a request path",
  },
};

export interface HandlerBundle {
  /** Entry file relative to the repository root; it must export `handler`. */
  entry: string;
  /** Absolute output directory: `index.mjs` and `index.mjs.map` are written there. */
  outdir: string;
  /** SDK clients this function has no rights to use: replaced by throwing stubs. */
  without?: readonly OptionalSdk[];
}

/** The esbuild options of one handler bundle (plugins included). */
export function esbuildOptions(bundle: HandlerBundle): BuildOptions {
  return {
    entryPoints: [join(projectRoot, bundle.entry)],
    absWorkingDir: projectRoot,
    bundle: true,
    outfile: join(bundle.outdir, "index.mjs"),
    platform: "node",
    target: NODE_TARGET,
    format: "esm",
    // ESM builds of the SDK, Powertools and zod tree-shake; their CommonJS builds do not.
    mainFields: ["module", "main"],
    minify: true,
    // Stack traces point at the TypeScript sources through the map (NODE_OPTIONS=--enable-source-maps);
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
      zodNamespaceImports(),
      withoutModules((bundle.without ?? []).flatMap((sdk) => optionalSdkModules[sdk])),
    ],
  };
}

export async function bundleHandler(bundle: HandlerBundle): Promise<BuildResult> {
  const { build } = await import("esbuild");
  return build(esbuildOptions(bundle));
}

const ZOD_NAMED_IMPORT = /^import \{ z \} from "zod";$/gm;

/** `import { z } from "zod"` → `import * as z from "zod"` in the project's own TypeScript. */
function zodNamespaceImports(): Plugin {
  return {
    name: "zod-namespace-imports",
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes("/node_modules/")) return undefined;
        const source = await readFile(args.path, "utf8");
        if (!source.includes('from "zod"')) return undefined;
        return { contents: source.replace(ZOD_NAMED_IMPORT, 'import * as z from "zod";'), loader: "ts" };
      });
    },
  };
}

/** Replaces each listed package with a stub exporting the same names, each of which throws when used. */
function withoutModules(packages: readonly string[]): Plugin {
  return {
    name: "without-modules",
    setup(build) {
      if (packages.length === 0) return;
      const filter = new RegExp(
        `^(${packages.map((p) => p.replace(/[/\\^$.*+?()[\]{}|-]/g, "\\$&")).join("|")})$`,
      );
      build.onResolve({ filter }, (args) => ({ path: args.path, namespace: "without-module" }));
      build.onLoad({ filter: /.*/, namespace: "without-module" }, async (args) => {
        // Named exports only: nothing in the registry imports these packages' default export.
        const names = Object.keys(await import(args.path)).filter(
          (name) => name !== "default" && /^[A-Za-z_$][\w$]*$/.test(name),
        );
        const message = `${args.path} is not bundled into this function: its grants do not cover it (lib/bundling.ts, withoutModules)`;
        return {
          contents: [
            `const fail = () => { throw new Error(${JSON.stringify(message)}); };`,
            "const stub = () => { function Stub() { if (!new.target) fail(); } Stub.prototype.send = async () => fail(); Stub.prototype.destroy = () => {}; return Stub; };",
            ...names.map((name) => `export const ${name} = stub();`),
          ].join("\n"),
          loader: "js",
        };
      });
    },
  };
}

// `node --import tsx lib/bundling.ts '<HandlerBundle as JSON>'`: how the CDK wrapper bundles
// synchronously during synth (esbuild plugins need the asynchronous API).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const bundle = JSON.parse(process.argv[2] ?? "") as HandlerBundle;
  const result = await bundleHandler(bundle);
  if (result.errors.length > 0) process.exit(1);
}
