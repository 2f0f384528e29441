#!/usr/bin/env node
// The `registry` command in a checkout. Runs the built bundle (clients/cli/dist, `npm run
// build:cli`: no TypeScript loader, well under a second to start) when it is newer than every
// source file it was built from; otherwise loads the TypeScript sources through tsx's API, so an
// edit is never shadowed by a stale build.
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const bundle = here("./dist/registry.mjs");

function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (entry.name !== "dist" && entry.name !== "node_modules") walk(`${dir}/${entry.name}`);
      } else if (entry.name.endsWith(".ts")) {
        newest = Math.max(newest, statSync(`${dir}/${entry.name}`).mtimeMs);
      }
    }
  };
  walk(here("."));
  walk(here("../typescript"));
  // The lifecycle's names come from the server's vocabulary (clients/typescript/transitions.ts).
  newest = Math.max(newest, statSync(here("../../functions/core/schemas/vocabulary.ts")).mtimeMs);
  return newest;
}

if (existsSync(bundle) && statSync(bundle).mtimeMs >= newestSource()) {
  await import("./dist/registry.mjs");
} else {
  const { tsImport } = await import("tsx/esm/api");
  const tsconfig = here("../../tsconfig.json");
  await tsImport("./main.ts", {
    parentURL: import.meta.url,
    tsconfig: existsSync(tsconfig) ? tsconfig : false,
  });
}
