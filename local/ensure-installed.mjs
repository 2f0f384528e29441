#!/usr/bin/env node
// Runs before `npm start` and `npm test` (pre-scripts), on whatever Node the machine has:
// installs the project's dependencies, including its own pinned Node, when node_modules is
// missing or older than package-lock.json. Plain JavaScript with no dependencies on purpose.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lock = join(root, "package-lock.json");
const installed = join(root, "node_modules", ".package-lock.json");
const pinnedNode = join(root, "node_modules", ".bin", "node");

const stale =
  !existsSync(installed) || !existsSync(pinnedNode) || statSync(installed).mtimeMs < statSync(lock).mtimeMs;

if (stale) {
  console.error("Installing dependencies (npm ci), including the project's pinned Node.js...");
  const result = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error("npm ci failed: see the messages above.");
    process.exit(result.status ?? 1);
  }
}
