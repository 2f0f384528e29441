#!/usr/bin/env node
/**
 * Builds the web console into `console/dist/`: `index.html`, one minified script and one
 * stylesheet, everything the pages load (no CDN, nothing from the network at run time).
 * `npm start` and `npm test` run it first; `console/server/console-server.ts` serves the folder.
 *
 *   node console/build.mjs          (npm run build:console)
 */
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const outdir = here("./dist");

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const result = await build({
  entryPoints: { console: here("./src/main.tsx") },
  outdir,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "linked",
  sourcemap: "linked",
  metafile: true,
  logLevel: "warning",
});
copyFileSync(here("./src/index.html"), `${outdir}/index.html`);
const bytes = Object.entries(result.metafile.outputs)
  .filter(([file]) => !file.endsWith(".map"))
  .reduce((sum, [, output]) => sum + output.bytes, 0);
console.log(`built console/dist (${(bytes / 1024).toFixed(0)} KiB of script and style, before gzip)`);
