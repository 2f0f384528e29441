/**
 * Prints the README's role × route matrix from the route table, and its table of allowed stage
 * transitions from the lifecycle's rules, so each has one source. `npm run docs:roles` rewrites
 * the README between the markers; `test/unit/scripts` fails when a copy differs from what this
 * prints.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ALLOWED_TRANSITIONS, STAGES_REQUIRING_READY } from "../functions/core/lifecycle/stages.ts";
import { STAGES } from "../functions/core/schemas.ts";
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

export const TRANSITIONS_START =
  "<!-- transitions-table:start (generated from functions/core/lifecycle/stages.ts by `npm run docs:roles`; do not edit) -->";
export const TRANSITIONS_END = "<!-- transitions-table:end -->";

/** from (rows) × to (columns): the reason a move is allowed, or blank. */
export function formatTransitionTable(): string {
  const lines = [`| from \\ to | ${STAGES.join(" | ")} |`, `|---|${STAGES.map(() => "---|").join("")}`];
  for (const from of STAGES) {
    const cells = STAGES.map((to) => {
      const reason = ALLOWED_TRANSITIONS[from][to];
      if (!reason) return from === to ? "—" : "";
      return `✓ ${reason}${STAGES_REQUIRING_READY.includes(to) ? " (READY only)" : ""}`;
    });
    lines.push(`| **${from}** | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** The text between the markers (trimmed), or an error naming the missing marker. */
export function matrixIn(readme: string, markers: [string, string] = [MATRIX_START, MATRIX_END]): string {
  const [open, close] = markers;
  const start = readme.indexOf(open);
  const end = readme.indexOf(close);
  if (start === -1 || end < start) {
    throw new Error(`the README has no generated table here: put ${open} and ${close} where it belongs`);
  }
  return readme.slice(start + open.length, end).trim();
}

export function withMatrix(
  readme: string,
  matrix: string,
  markers: [string, string] = [MATRIX_START, MATRIX_END],
): string {
  matrixIn(readme, markers);
  const start = readme.indexOf(markers[0]) + markers[0].length;
  return `${readme.slice(0, start)}\n${matrix}\n${readme.slice(readme.indexOf(markers[1]))}`;
}

export const readmePath = fileURLToPath(new URL("../README.md", import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const readme = readFileSync(readmePath, "utf8");
  const updated = withMatrix(withMatrix(readme, formatRoleMatrix(routes)), formatTransitionTable(), [
    TRANSITIONS_START,
    TRANSITIONS_END,
  ]);
  if (updated === readme) {
    process.stdout.write("README.md: the role matrix and the transitions table are up to date.\n");
  } else {
    writeFileSync(readmePath, updated);
    process.stdout.write("README.md: role matrix and transitions table rewritten from their sources.\n");
  }
}
