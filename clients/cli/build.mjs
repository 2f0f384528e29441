#!/usr/bin/env node
/**
 * Builds the `registry` command into `clients/cli/dist/`: one ES module bundle (plus a chunk for
 * the AWS credential provider chain, loaded only when no keys are in the environment) that runs
 * on a plain Node >= 20 with no TypeScript loader and no node_modules beside it. This is what
 * `npm pack` in clients/cli ships, and what `clients/cli/bin.mjs` runs in a checkout once built.
 *
 *   node clients/cli/build.mjs          (npm run build:cli)
 */
import { rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const outdir = here("./dist");

/** esbuild's options for the bundle; `test/unit/clients/cli-startup.test.ts` builds with them too. */
export const buildOptions = {
  entryPoints: { registry: here("./main.ts") },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunks/[name]-[hash]",
  // CommonJS dependencies bundled into an ES module still call require() for Node's built-ins.
  banner: {
    js: [
      "#!/usr/bin/env node",
      'import { createRequire as __registryCreateRequire } from "node:module";',
      "const require = __registryCreateRequire(import.meta.url);",
    ].join("\n"),
  },
  legalComments: "linked",
  metafile: true,
  logLevel: "warning",
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  rmSync(outdir, { recursive: true, force: true });
  const result = await build(buildOptions);
  // The package's own package.json says "type": "module"; the bundle is .mjs anyway, so it runs
  // wherever it is copied.
  writeFileSync(here("./dist/.built"), `${new Date().toISOString()}\n`);
  const bytes = Object.entries(result.metafile.outputs)
    .filter(([file]) => file.endsWith(".mjs"))
    .reduce((sum, [, output]) => sum + output.bytes, 0);
  console.log(
    `built clients/cli/dist/registry.mjs (${(bytes / 1024).toFixed(0)} KiB of JavaScript with its chunks)`,
  );
}
