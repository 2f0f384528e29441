import { readFile } from "node:fs/promises";
import type { Plugin } from "esbuild";

const SCHEMA_MODULE = /\/functions\/core\/schemas\/[^/]+\.ts$/;
const TOP_LEVEL_CONST = /^((?:export )?const [A-Za-z_$][\w$]* = )/gm;

/**
 * A schema module's top-level constants only construct schemas (`z.object(...)`,
 * `userMap(...)`): each initializer is marked `/* @__PURE__ *\/`, so one a function never uses
 * is left out, and with it the schemas only it needed (an alias's response schema would
 * otherwise drag every version schema into the aliases function's cold start). Schema
 * construction is most of a handler's own start-up time (bench/results/bundles-latest.json).
 */
export function pureSchemas(): Plugin {
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
