import { join, sep } from "node:path";
import type { Plugin } from "esbuild";
import { projectRoot } from "./project-root.ts";

const CORE_DIR = join(projectRoot, "functions", "core") + sep;

/**
 * The core's modules do nothing when imported but define things (no I/O, no global set-up: the
 * architecture's rule for the domain core), so a module none of whose exports a function uses
 * can be left out, as a package marked `"sideEffects": false` would be. Without this, importing
 * the `#core/schemas.ts` barrel bundles, and constructs at cold start, every schema of every
 * aggregate in every function.
 */
export function pureCore(): Plugin {
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
