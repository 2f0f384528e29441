/**
 * The docs' role × route matrix, from the route table, and its table of allowed stage
 * transitions, from the lifecycle's rules, so each has one source. `npm run docs` (scripts/docs.ts)
 * writes them wherever their markers are (docs/http-api.md, docs/stages-and-approvals.md).
 */
import { ALLOWED_TRANSITIONS, STAGES_REQUIRING_READY } from "../functions/core/lifecycle/stages.ts";
import { STAGES } from "../functions/core/schemas.ts";
import { registryRoles } from "../functions/http/roles.ts";
import { type RouteDefinition, routes } from "../functions/http/route-table.ts";
import type { GeneratedSection } from "./readme-sections.ts";

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

export const roleMatrixSection: GeneratedSection = {
  name: "roles-matrix",
  source: "functions/http/route-table.ts",
  render: () => formatRoleMatrix(routes),
};

export const transitionsSection: GeneratedSection = {
  name: "transitions-table",
  source: "functions/core/lifecycle/stages.ts",
  render: formatTransitionTable,
};
