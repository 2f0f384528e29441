#!/usr/bin/env node
// Runs before `npm start` and `npm test` (pre-scripts), on whatever Node the machine has:
// installs the project's dependencies, including its own pinned Node, when node_modules is
// missing or does not match package-lock.json. Plain JavaScript with no dependencies on purpose.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));

function installedMatchesLock() {
  const installedLock = join(root, "node_modules", ".package-lock.json");
  if (!existsSync(installedLock) || !existsSync(join(root, "node_modules", ".bin", "node"))) return false;
  const wanted = readJson(join(root, "package-lock.json")).packages ?? {};
  const installed = readJson(installedLock).packages ?? {};
  // Optional packages are platform-specific binaries (esbuild, node): absent ones are fine.
  return Object.entries(wanted).every(
    ([path, entry]) => path === "" || entry.optional || installed[path]?.version === entry.version,
  );
}

if (!installedMatchesLock()) {
  console.error("Installing dependencies (npm ci), including the project's pinned Node.js...");
  const result = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error("npm ci failed: see the messages above.");
    process.exit(result.status ?? 1);
  }
}
