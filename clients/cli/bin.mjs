#!/usr/bin/env node
// The `registry` command. Loads the TypeScript CLI through tsx's API, so it runs on a plain
// Node (>= 20.6) without a build step or `--import` flags.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";

const tsconfig = fileURLToPath(new URL("../../tsconfig.json", import.meta.url));
await tsImport("./main.ts", {
  parentURL: import.meta.url,
  tsconfig: existsSync(tsconfig) ? tsconfig : false,
});
