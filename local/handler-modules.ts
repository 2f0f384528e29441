/**
 * Where local mode gets the code of each Lambda function it runs: the TypeScript sources (the
 * default: edits show up on the next start, stack traces point at the sources), or the very
 * bundles the CDK app deploys (`bundles`, `REGISTRY_LOCAL_BUNDLES=1`). Those are built by
 * `lib/bundling/`, which rewrites the SDK and the core at build time and stubs the SDK clients a
 * function has no grants for; only running them against the emulators shows that a transform
 * left every S3 and DynamoDB call working.
 *
 * Every function is mapped to the deployment by its entry file, the one thing the CDK app and
 * local mode both name: a function local mode runs that the app does not deploy fails the start,
 * rather than quietly running its source.
 *
 * The bundles run in this process, as the sources do. A module loader the process runs under
 * sees them too: tests import them untouched (`vitest.config.ts` keeps Vite's runner away), while
 * under `npm start` tsx appends its CommonJS-interop `.then()` to each dynamic `import()`, which
 * only changes a module whose default export is marked `__esModule`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { FUNCTION_ENTRIES, type RegistryFunctionName } from "../functions/entry-points/entries.ts";
import type { DeclaredBundle } from "../lib/bundle-inventory.ts";
import { importHandler, type LambdaHandler } from "./lambda-invoker.ts";
import { LocalModeError } from "./local-mode-error.ts";

/** Every function of the registry's own that local mode runs: the route groups, the MLflow routes and three workers. */
export type LocalFunction = RegistryFunctionName;

/** Each function's entry file, relative to the repository root: the list the CDK app deploys from. */
export const LOCAL_FUNCTION_ENTRIES: Readonly<Record<LocalFunction, string>> = FUNCTION_ENTRIES;

export interface LocalHandlers {
  /** The TypeScript sources, or the deployed bundles built into `directory` in `buildMs`. */
  origin: { kind: "sources" } | { kind: "bundles"; directory: string; buildMs: number };
  /** The module each function is imported from (a bundle's `index.mjs`, or a source file). */
  modules: Readonly<Record<LocalFunction, URL>>;
  /** Imports a function's module (once: ES modules are cached by URL) and answers its `handler`. */
  load<Event, Result>(fn: LocalFunction): Promise<LambdaHandler<Event, Result>>;
  /** The URL of every module `load` has imported so far: what really ran, for tests to check. */
  imported(): string[];
  /** Removes the bundles' directory, if local mode made one. */
  dispose(): void;
}

/**
 * Prefix of the temporary folder the bundles are built into. `vitest.config.ts` externalizes
 * paths with it, so tests import the bundles natively instead of through Vite's module runner.
 */
export const BUNDLES_DIR_PREFIX = "model-registry-bundles-";

/** Counts source handler sets made in this process: each gets its own instance of the tasks module. */
let sourceInstances = 0;

/**
 * The TypeScript sources. The handlers read their configuration once, at import (cold start),
 * like in Lambda; the workflow tasks module is imported with an `?instance=` query of its own, so
 * a registry started later in the same process (tests) gets a fresh instance with its own
 * configuration. The HTTP handlers and the other workers stay one instance per process.
 */
export function sourceHandlers(): LocalHandlers {
  const instance = String(++sourceInstances);
  const modules = mapFunctions((fn) => {
    const url = new URL(`../${LOCAL_FUNCTION_ENTRIES[fn]}`, import.meta.url);
    if (fn === "transition-tasks") url.searchParams.set("instance", instance);
    return url;
  });
  return handlersFrom({ kind: "sources" }, modules, () => undefined);
}

/**
 * Builds every bundle the CDK app declares (`declaredBundles()`, with its `without` list) into a
 * fresh temporary folder with `lib/bundling/`, and loads each function from its bundle's
 * `index.mjs`. Powertools Tracer is left out, as in the default deployment: there is no X-Ray
 * daemon here.
 *
 * A fresh folder per start is what gives each registry of a process fresh module instances: a
 * query on `index.mjs` would not reach the chunks it imports relatively (`./chunks/…`), which
 * hold the lazily loaded adapters. The folder is outside the repository on purpose: as in
 * Lambda's `/var/task`, no `node_modules` is in reach, so a bundle that still imports a package
 * it left out fails here instead of quietly resolving the repository's copy.
 */
export async function bundleHandlers(): Promise<LocalHandlers> {
  const startedAt = performance.now();
  // The CDK app's stacks (about 1.3 s here to import and construct) load only when bundles are asked for.
  const [{ declaredBundles }, { bundleHandler }] = await Promise.all([
    import("../lib/bundle-inventory.ts"),
    import("../lib/bundling/index.ts"),
  ]);
  const declared = declaredBundles();
  const bundleOf = declaredBundleOf(declared);
  const directory = mkdtempSync(join(tmpdir(), BUNDLES_DIR_PREFIX));
  const dispose = () => rmSync(directory, { recursive: true, force: true });
  const outdirOf = (bundle: DeclaredBundle) => join(directory, bundle.id.replaceAll("/", "-"));
  try {
    // One at a time: on two cores, building in parallel was no faster (about 3.2 s either way).
    for (const bundle of declared) {
      const result = await bundleHandler({ ...bundle, tracer: false, outdir: outdirOf(bundle) });
      if (result.errors.length > 0) throw new Error(`esbuild reported errors for ${bundle.entry}`);
    }
  } catch (error) {
    dispose();
    throw error;
  }
  const buildMs = performance.now() - startedAt;
  const modules = mapFunctions((fn) => pathToFileURL(join(outdirOf(bundleOf[fn]), "index.mjs")));
  return handlersFrom({ kind: "bundles", directory, buildMs }, modules, dispose);
}

/**
 * The declared bundle each function local mode runs, found by its entry file. A function the
 * app does not deploy fails, naming it, rather than falling back to its source; so does an entry
 * declared twice with different settings (which one would local mode stand for?).
 */
export function declaredBundleOf(declared: readonly DeclaredBundle[]): Record<LocalFunction, DeclaredBundle> {
  const undeclared = (Object.keys(LOCAL_FUNCTION_ENTRIES) as LocalFunction[]).filter(
    (fn) => !declared.some((bundle) => bundle.entry === LOCAL_FUNCTION_ENTRIES[fn]),
  );
  if (undeclared.length > 0) {
    throw new LocalModeError(
      `Local mode cannot run the deployed bundles: the CDK app declares no function with entry ${undeclared
        .map((fn) => `${LOCAL_FUNCTION_ENTRIES[fn]} (${fn})`)
        .join(", ")} (lib/bundle-inventory.ts).`,
    );
  }
  return mapFunctions((fn) => {
    const [bundle, ...others] = declared.filter((b) => b.entry === LOCAL_FUNCTION_ENTRIES[fn]);
    const other = others.find((b) => !sameSettings(b, bundle as DeclaredBundle));
    if (other) {
      throw new LocalModeError(
        `Local mode cannot tell which bundle of ${LOCAL_FUNCTION_ENTRIES[fn]} to run: ${bundle?.id} and ${other.id} are bundled differently.`,
      );
    }
    return bundle as DeclaredBundle;
  });
}

function sameSettings(a: { without?: readonly string[]; tracer?: boolean }, b: typeof a): boolean {
  return (a.without ?? []).join() === (b.without ?? []).join() && (a.tracer ?? false) === (b.tracer ?? false);
}

function mapFunctions<T>(value: (fn: LocalFunction) => T): Record<LocalFunction, T> {
  return Object.fromEntries(
    (Object.keys(LOCAL_FUNCTION_ENTRIES) as LocalFunction[]).map((fn) => [fn, value(fn)]),
  ) as Record<LocalFunction, T>;
}

function handlersFrom(
  origin: LocalHandlers["origin"],
  modules: Record<LocalFunction, URL>,
  dispose: () => void,
): LocalHandlers {
  const imported = new Set<string>();
  return {
    origin,
    modules,
    async load<Event, Result>(fn: LocalFunction) {
      const url = modules[fn];
      const handler = await importHandler<Event, Result>(url, LOCAL_FUNCTION_ENTRIES[fn]);
      imported.add(url.href);
      return handler;
    },
    imported: () => [...imported],
    dispose,
  };
}
