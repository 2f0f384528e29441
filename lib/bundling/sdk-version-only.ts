import { readFile } from "node:fs/promises";
import type { Plugin } from "esbuild";

/**
 * Each SDK client imports its whole `package.json` to put its version in the User-Agent header;
 * the version is all it reads (about 2 KiB saved per client).
 */
export function sdkVersionOnly(): Plugin {
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
