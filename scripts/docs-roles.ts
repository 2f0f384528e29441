/**
 * Prints the README's role × route matrix from the route table, so the matrix has one source.
 * `npm run docs:roles` rewrites the README between the markers; `test/unit/scripts` fails when
 * the README's copy differs from what this prints.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { registryRoles } from "../functions/http/roles.ts";
import { type RouteDefinition, routes } from "../functions/http/route-table.ts";

export const MATRIX_START =
  "<!-- roles-matrix:start (generated from functions/http/route-table.ts by `npm run docs:roles`; do not edit) -->";
export const MATRIX_END = "<!-- roles-matrix:end -->";

export function formatRoleMatrix(table: readonly RouteDefinition[]): string {
  const lines = [
    `| method | path | ${registryRoles.join(" | ")} |`,
    `|---|---|${registryRoles.map(() => ":-:|").join("")}`,
  ];
  for (const route of table) {
    const cells = registryRoles.map((role) => (route.roles.includes(role) ? "✓" : ""));
    lines.push(`| ${route.method} | \`${route.path}\` | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** The text between the markers (trimmed), or an error naming the missing marker. */
export function matrixIn(readme: string): string {
  const start = readme.indexOf(MATRIX_START);
  const end = readme.indexOf(MATRIX_END);
  if (start === -1 || end < start) {
    throw new Error(`the README has no role matrix: put ${MATRIX_START} and ${MATRIX_END} where it belongs`);
  }
  return readme.slice(start + MATRIX_START.length, end).trim();
}

export function withMatrix(readme: string, matrix: string): string {
  matrixIn(readme);
  const start = readme.indexOf(MATRIX_START) + MATRIX_START.length;
  return `${readme.slice(0, start)}\n${matrix}\n${readme.slice(readme.indexOf(MATRIX_END))}`;
}

export const readmePath = fileURLToPath(new URL("../README.md", import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const readme = readFileSync(readmePath, "utf8");
  const updated = withMatrix(readme, formatRoleMatrix(routes));
  if (updated === readme) {
    process.stdout.write("README.md: the role matrix is up to date.\n");
  } else {
    writeFileSync(readmePath, updated);
    process.stdout.write("README.md: role matrix rewritten from the route table.\n");
  }
}
