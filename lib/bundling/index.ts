/**
 * How every Lambda handler is bundled: one esbuild configuration, used by the CDK wrapper
 * (`lib/registry-function.ts`, which runs this file as a child process during synth), by the
 * bundle benchmark (`bench/bundles.ts`) and by the bundle-size test (`test/infra/bundle-size.test.ts`),
 * so what is measured is what is deployed.
 *
 * Deliberately free of aws-cdk-lib imports: the CDK wrapper starts it once per function.
 *
 * On top of plain esbuild, each measured in `bench/results/bundles-latest.json`:
 * - Code splitting: `await import()` becomes a chunk loaded on first use. `buildCore()` imports
 *   the adapters of S3, Lambda, Step Functions and Secrets Manager that way, so a route that never
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
import { readFile } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { init as lexerReady, parse as parseModule } from "es-module-lexer";
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

const CORE_DIR = join(projectRoot, "functions", "core") + sep;

/**
 * The core's modules do nothing when imported but define things (no I/O, no global set-up: the
 * architecture's rule for the domain core), so a module none of whose exports a function uses
 * can be left out, as a package marked `"sideEffects": false` would be. Without this, importing
 * the `#core/schemas.ts` barrel bundles, and constructs at cold start, every schema of every
 * aggregate in every function.
 */
function pureCore(): Plugin {
  return {
    name: "pure-core",
    setup(build) {
      build.onResolve({ filter: /^(#core\/|\.{1,2}\/)/ }, async (args) => {
        if (args.pluginData?.pureCore || args.importer.includes(`${sep}node_modules${sep}`)) return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { pureCore: true },
        });
        if (resolved.errors.length > 0 || !resolved.path.startsWith(CORE_DIR)) return undefined;
        return { path: resolved.path, sideEffects: false };
      });
    },
  };
}

const SCHEMA_MODULE = /\/functions\/core\/schemas\/[^/]+\.ts$/;
const TOP_LEVEL_CONST = /^((?:export )?const [A-Za-z_$][\w$]* = )/gm;

/**
 * A schema module's top-level constants only construct schemas (`z.object(...)`,
 * `userMap(...)`): each initializer is marked `/* @__PURE__ *\/`, so one a function never uses
 * is left out, and with it the schemas only it needed (an alias's response schema would
 * otherwise drag every version schema into the aliases function's cold start). Schema
 * construction is most of a handler's own start-up time (bench/results/bundles-latest.json).
 */
function pureSchemas(): Plugin {
  return {
    name: "pure-schemas",
    setup(build) {
      build.onLoad({ filter: SCHEMA_MODULE }, async (args) => ({
        contents: (await readFile(args.path, "utf8")).replace(TOP_LEVEL_CONST, "$1/* @__PURE__ */ "),
        loader: "ts",
      }));
    },
  };
}

const TRACING_MODULE = /\/functions\/adapters\/tracing\.ts$/;

/** Without the tracer, `functions/adapters/tracing.ts` is `tracing-off.ts` (same exports, no Tracer). */
function tracingSwitch(tracer: boolean): Plugin {
  return {
    name: "tracing-switch",
    setup(build) {
      if (tracer) return;
      build.onLoad({ filter: TRACING_MODULE }, (args) => ({
        contents: 'export * from "./tracing-off.ts";',
        loader: "ts",
        resolveDir: dirname(args.path),
      }));
    },
  };
}

/**
 * Each SDK client imports its whole `package.json` to put its version in the User-Agent header;
 * the version is all it reads (about 2 KiB saved per client).
 */
function sdkVersionOnly(): Plugin {
  return {
    name: "sdk-version-only",
    setup(build) {
      build.onLoad({ filter: /\/node_modules\/@aws-sdk\/[^/]+\/package\.json$/ }, async (args) => {
        const { name, version } = JSON.parse(await readFile(args.path, "utf8")) as Record<string, unknown>;
        return { contents: JSON.stringify({ name, version }), loader: "json" };
      });
    },
  };
}

const SDK_MODULE = /\/node_modules\/@(?:aws-sdk|smithy)\/[^/]+\/dist-es\/.*\.js$/;
const SDK_SCHEMA_MODULE = /\/node_modules\/@aws-sdk\/client-[^/]+\/dist-es\/schemas\/schemas_\d+\.js$/;
const STRING_CONSTANT = /^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm;
const COMPUTED_KEY = /\[(_\w+)\]:/g;

/**
 * Rewrites a module of SDK schemas so that its trait objects have literal keys. The generated
 * modules name every string once (`const _h = "http";`) and write trait objects as
 * `{ [_h]: [...] }`. esbuild cannot prove a computed key free of side effects, so it keeps every
 * schema that holds one, used or not: all ~470 of S3's operations and shapes (~64 KiB) in a
 * function that sends five commands. Replacing `[_h]:` by `"http":`, the string the constant
 * holds, builds the same objects and lets esbuild drop what no command uses. The SDK's issue:
 * https://github.com/aws/aws-sdk-js-v3/issues/7607 (the code generator's fix,
 * smithy-lang/smithy-typescript#1889, emits the same literal keys). A key whose constant is not
 * a string literal of the module is left as it is.
 */
export function literalSchemaKeys(source: string): { source: string; replaced: number } {
  const strings = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(STRING_CONSTANT))
    strings.set(name as string, literal as string);
  let replaced = 0;
  const rewritten = source.replace(COMPUTED_KEY, (key, name: string) => {
    const literal = strings.get(name);
    if (literal === undefined) return key;
    replaced += 1;
    return `${literal}:`;
  });
  return { source: rewritten, replaced };
}

/** `export { a, b as c } from "x";` or `export * from "x";`: all a barrel module holds. */
const RE_EXPORT =
  /export\s*\{([^}]*)\}\s*from\s*["']([^"']+)["']\s*;?|export\s*\*\s*from\s*["']([^"']+)["']\s*;?/g;
const COMMENT = /\/\*[\s\S]*?\*\/|\/\/.*$/gm;
const NAMED_IMPORT = /^import\s*\{([^}]*)\}\s*from\s*["'][^"']+["']\s*;?$/;

/** Where a name a barrel exports is defined: the module, and the name there. */
interface Definition {
  file: string;
  name: string;
}

/** `a`, `b as c` → [original, local]. */
function importedNames(list: string): [string, string][] {
  return list
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "")
    .map((item) => {
      const [original, local] = item.split(/\s+as\s+/) as [string, string | undefined];
      return [original, local ?? original];
    });
}

/**
 * Rewrites the SDK's own modules as they are bundled (`onLoad` of every `dist-es` module of
 * `@aws-sdk/*` and `@smithy/*`): schemas get literal keys (`literalSchemaKeys`), and each named
 * import from a package's barrel module (`import { A } from "@smithy/core/protocols"`) becomes an
 * import from the module that defines `A`.
 *
 * Why the second: esbuild places a module in the chunks of every entry that reaches it over
 * import edges, whether or not that entry uses what it exports. The DynamoDB client imports its
 * JSON protocol from the same barrel that re-exports the XML protocol and the checksums; in a
 * function that loads S3 on first use, those landed in the cold start's chunk although only the
 * S3 chunk uses them. Importing from the defining module is what the barrel resolves to anyway,
 * so the bindings are the same; the barrels' packages declare themselves free of side effects
 * (the one module of `@aws-sdk/core` that is not, `util-endpoints/aws.js`, is imported by name
 * where it is needed). A barrel is a module of nothing but re-exports, or one split into that
 * and its own code (`splitBarrel`); anything else (default imports, namespaces, a name not
 * found) is left as written. Each rewrite is checked in test/infra/sdk-modules.test.ts, and
 * every bundle runs against the emulators in test/integration/bundles.test.ts.
 */
function sdkModules(): Plugin {
  return {
    name: "sdk-modules",
    setup(build) {
      const barrels = new Map<string, Promise<Map<string, Definition> | undefined>>();
      const leafExports = new Map<string, Promise<string[]>>();
      const splits = new Map<string, Promise<SplitBarrel | undefined>>();
      const resolveFrom = async (specifier: string, importer: string) => {
        if (specifier.endsWith(OWN_PART)) return specifier;
        const resolved = await build.resolve(specifier, {
          kind: "import-statement",
          importer,
          resolveDir: dirname(importer),
        });
        const usable = resolved.errors.length === 0 && !resolved.external && resolved.namespace === "file";
        return usable ? resolved.path : undefined;
      };
      const exportsOf = (file: string): Promise<string[]> => {
        let names = leafExports.get(file);
        if (!names) {
          names = (async () => {
            await lexerReady;
            return parseModule(await readFile(file, "utf8"))[1].map((entry) => entry.n);
          })();
          leafExports.set(file, names);
        }
        return names;
      };
      const split = (file: string): Promise<SplitBarrel | undefined> => {
        let parts = splits.get(file);
        if (!parts) {
          parts = (async () => splitBarrel(file, await readFile(file, "utf8")))();
          splits.set(file, parts);
        }
        return parts;
      };
      // The names a barrel exports, each with its defining module; undefined: not a barrel.
      const barrel = (file: string): Promise<Map<string, Definition> | undefined> => {
        let definitions = barrels.get(file);
        if (!definitions) {
          definitions = (async () => {
            if (file.endsWith(OWN_PART)) return undefined;
            const source = (await split(file))?.barrel ?? (await readFile(file, "utf8"));
            if (source.replace(RE_EXPORT, "").replace(COMMENT, "").trim() !== "") return undefined;
            const found = new Map<string, Definition>();
            for (const [, list, from, starFrom] of source.matchAll(RE_EXPORT)) {
              const target = await resolveFrom((from ?? starFrom) as string, file);
              if (!target) return undefined;
              const inner = await barrel(target);
              const definition = (name: string) => inner?.get(name) ?? { file: target, name };
              if (list !== undefined) {
                // An explicit re-export wins over a star's, as in the language.
                for (const [original, exported] of importedNames(list))
                  found.set(exported, definition(original));
              } else {
                for (const name of inner ? [...inner.keys()] : await exportsOf(target))
                  if (name !== "default" && !found.has(name)) found.set(name, definition(name));
              }
            }
            return found;
          })();
          barrels.set(file, definitions);
        }
        return definitions;
      };
      const directImports = async (source: string, importer: string): Promise<string> => {
        await lexerReady;
        let rewritten = "";
        let copied = 0;
        for (const statement of parseModule(source)[0]) {
          // Static imports of a package (barrels are reached by package name, not relatively).
          if (statement.t !== 1 || !statement.n?.startsWith("@")) continue;
          const names = NAMED_IMPORT.exec(source.slice(statement.ss, statement.se))?.[1];
          if (names === undefined) continue;
          const target = await resolveFrom(statement.n, importer);
          const definitions = target ? await barrel(target) : undefined;
          if (!definitions) continue;
          const direct = importedNames(names).map(([original, local]) => {
            const definition = definitions.get(original);
            return (
              definition &&
              `import { ${definition.name} as ${local} } from ${JSON.stringify(definition.file)};`
            );
          });
          if (direct.some((line) => line === undefined)) continue;
          rewritten += source.slice(copied, statement.ss) + direct.join(" ");
          copied = statement.se;
        }
        return rewritten + source.slice(copied);
      };

      build.onLoad({ filter: SDK_MODULE, namespace: "file" }, async (args) => {
        const parts = await split(args.path);
        if (parts) return { contents: parts.barrel, loader: "js", resolveDir: dirname(args.path) };
        let source = await readFile(args.path, "utf8");
        if (SDK_SCHEMA_MODULE.test(args.path)) source = literalSchemaKeys(source).source;
        return {
          contents: await directImports(source, args.path),
          loader: "js",
          resolveDir: dirname(args.path),
        };
      });
      // The code of a split barrel (see `splitBarrel`), free of side effects as its package says.
      build.onResolve({ filter: /\?sdk-own$/ }, (args) => ({
        path: args.path.slice(0, -OWN_PART.length),
        namespace: "sdk-own",
        sideEffects: false,
      }));
      build.onLoad({ filter: /.*/, namespace: "sdk-own" }, async (args) => ({
        contents: await directImports((await split(args.path))?.own ?? "", args.path),
        loader: "js",
        resolveDir: dirname(args.path),
      }));
    },
  };
}

/** The suffix naming the code of a split barrel (`splitBarrel`). */
const OWN_PART = "?sdk-own";

interface SplitBarrel {
  /** The module's re-exports, and its own names re-exported from `own`. */
  barrel: string;
  /** The module with its re-exports taken out: its imports and its own definitions. */
  own: string;
}

/**
 * A barrel that also defines names of its own (`@smithy/core/serde` re-exports the SDK's stream
 * helpers and defines the idempotency-token generator) is reached by every function that needs
 * one of those names, and so reaches, over its re-exports, modules only a chunk loaded on first
 * use needs. Split in two, its own code moves to a module of its own (`<file>?sdk-own`) and the
 * barrel only re-exports, which the direct imports then route around. Only for a module its
 * package declares free of side effects: that declaration is what makes evaluating its code on
 * demand, apart from its re-exports, the same program.
 */
export async function splitBarrel(file: string, source: string): Promise<SplitBarrel | undefined> {
  const reExports = [...source.matchAll(RE_EXPORT)].map(([statement]) => statement);
  if (reExports.length === 0) return undefined;
  const own = source.replace(RE_EXPORT, "");
  if (own.replace(COMMENT, "").trim() === "" || !(await declaredFreeOfSideEffects(file))) return undefined;
  await lexerReady;
  const ownNames = parseModule(own)[1].map((entry) => entry.n);
  if (ownNames.length === 0) return undefined;
  const reExportOwn = `export { ${ownNames.join(", ")} } from ${JSON.stringify(file + OWN_PART)};`;
  return { barrel: [...reExports, reExportOwn].join("\n"), own };
}

const sideEffectDeclarations = new Map<string, Promise<{ root: string; sideEffects: unknown } | undefined>>();

/** The nearest `package.json` that names a package, and its `sideEffects` field. */
function owningPackage(dir: string): Promise<{ root: string; sideEffects: unknown } | undefined> {
  let found = sideEffectDeclarations.get(dir);
  if (!found) {
    found = (async () => {
      try {
        const manifest = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as Record<
          string,
          unknown
        >;
        if (typeof manifest.name === "string") return { root: dir, sideEffects: manifest.sideEffects };
      } catch {
        // No package.json here (or one that names no package): look further up.
      }
      const parent = dirname(dir);
      return parent === dir ? undefined : owningPackage(parent);
    })();
    sideEffectDeclarations.set(dir, found);
  }
  return found;
}

/**
 * Whether a module's package declares it free of side effects (`"sideEffects": false`, or a list
 * of files that does not name it): the declaration esbuild itself relies on to leave out a module
 * none of whose exports are used. A list with globs counts as naming every module.
 */
async function declaredFreeOfSideEffects(file: string): Promise<boolean> {
  const owner = await owningPackage(dirname(file));
  if (!owner) return false;
  if (owner.sideEffects === false) return true;
  if (!Array.isArray(owner.sideEffects)) return false;
  const relative = file
    .slice(owner.root.length + 1)
    .split(sep)
    .join("/");
  return owner.sideEffects.every(
    (entry) => typeof entry === "string" && !/[*?[{]/.test(entry) && entry.replace(/^\.\//, "") !== relative,
  );
}

/**
 * The names the project's own code imports from a package (`import { A, type B } from "pkg"`).
 * A stub exports only these: a name missing here fails the build ("No matching export"), never
 * a request.
 */
async function namesImportedFrom(pkg: string): Promise<string[]> {
  const { glob } = await import("node:fs/promises");
  const names = new Set<string>();
  const quoted = pkg.replace(/[/.-]/g, "\\$&");
  const pattern = new RegExp(`import\\s+(type\\s+)?\\{([^}]*)\\}\\s*from\\s*"${quoted}"`, "g");
  for await (const file of glob("functions/**/*.ts", { cwd: projectRoot })) {
    const source = await readFile(join(projectRoot, file), "utf8");
    for (const [, typeOnly, list] of source.matchAll(pattern)) {
      if (typeOnly) continue;
      for (const item of (list ?? "").split(",").map((i) => i.trim())) {
        if (item === "" || item.startsWith("type ")) continue;
        names.add(item.split(/\s+as\s+/)[0] as string);
      }
    }
  }
  return [...names].sort();
}

/** Replaces each listed package with a stub exporting the names the project imports, each of which throws when used. */
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
        const names = await namesImportedFrom(args.path);
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
