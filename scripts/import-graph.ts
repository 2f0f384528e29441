/**
 * The repository's import graph, read from the sources with the TypeScript compiler's own
 * pre-processor and module resolution (the `#core/*`-style aliases of package.json included),
 * and the rules it must keep (`test/unit/scripts/import-graph.test.ts`):
 *
 * - no import circle among the TypeScript modules (type-only imports and `await import()` count);
 * - the core (`functions/core/`) imports no adapter, no HTTP, no composition or entry point, and
 *   no AWS SDK, middy, Powertools or Lambda types;
 * - nothing under `functions/` (the runtime) imports `lib/` (the infrastructure), `local/`,
 *   `clients/` or `scripts/`;
 * - no import circle among the Python client's modules (`clients/python`, read with Python's `ast`).
 *
 * A small script rather than dependency-cruiser or madge: the compiler it needs is already the
 * project's, the rules are four, and the same graph draws the rooms' map
 * (`npm run imports`, in docs/architecture.md#source-layout).
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const repositoryRoot = fileURLToPath(new URL("../", import.meta.url));

/** The folders whose TypeScript the rules cover. */
export const TYPESCRIPT_ROOTS = [
  "functions",
  "lib",
  "local",
  "clients",
  "scripts",
  "bin",
  "event-schemas",
  "console",
];

/** file → what it imports: repository-relative paths, or `package:<name>` for a package. */
export type ImportGraph = Map<string, string[]>;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return ["node_modules", "dist"].includes(entry.name) ? [] : sourceFiles(path);
    return /\.(ts|mts|mjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The package a bare specifier names (`@aws-sdk/client-s3/dist` → `@aws-sdk/client-s3`). */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return parts[0]?.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

export function typescriptImportGraph(root = repositoryRoot, roots = TYPESCRIPT_ROOTS): ImportGraph {
  const config = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile).config;
  const options = ts.parseJsonConfigFileContent(config, ts.sys, root).options;
  const graph: ImportGraph = new Map();
  for (const file of roots.flatMap((folder) => sourceFiles(join(root, folder)))) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const targets = importedFiles.map(({ fileName: specifier }) => {
      if (!/^[.#]/.test(specifier)) return `package:${packageOf(specifier)}`;
      const resolved = ts.resolveModuleName(specifier, file, options, ts.sys).resolvedModule;
      return resolved ? relative(root, resolved.resolvedFileName) : `unresolved:${specifier}`;
    });
    graph.set(relative(root, file), [...new Set(targets)]);
  }
  return graph;
}

/** Every strongly connected set of more than one module, or a module importing itself (Tarjan). */
export function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const members: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      members.push(member);
    } while (member !== node);
    if (members.length > 1 || graph.get(node)?.includes(node)) cycles.push(members.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

interface Boundary {
  from: RegExp;
  to: RegExp;
  rule: string;
}

export const BOUNDARIES: readonly Boundary[] = [
  {
    from: /^functions\/core\//,
    to: /^(functions\/(adapters|http|composition|entry-points|publisher)\/|package:(@aws-sdk\/|@smithy\/|@middy\/|@aws-lambda-powertools\/|aws-lambda$))/,
    rule: "the core imports no adapter, HTTP, composition or entry point, and no AWS SDK, middy, Powertools or Lambda types",
  },
  {
    from: /^functions\//,
    to: /^(lib|local|clients|scripts|bin)\//,
    rule: "the runtime (functions/) imports nothing of the infrastructure (lib/), local mode, the clients or the scripts",
  },
];

/** Every import that crosses a boundary, as `from → to (rule)`. */
export function boundaryViolations(graph: ImportGraph, boundaries = BOUNDARIES): string[] {
  return [...graph].flatMap(([from, targets]) =>
    targets.flatMap((to) =>
      boundaries.filter((b) => b.from.test(from) && b.to.test(to)).map((b) => `${from} → ${to} (${b.rule})`),
    ),
  );
}

/** Relative imports that resolve to no file (a build output such as clients/cli/dist/ excepted). */
export function unresolvedImports(graph: ImportGraph): string[] {
  return [...graph].flatMap(([from, targets]) =>
    targets
      .filter((to) => to.startsWith("unresolved:") && !to.includes("/dist/"))
      .map((to) => `${from} → ${to.slice("unresolved:".length)}`),
  );
}

/** The room a module lives in: `functions/<room>`, `clients/<room>`, or the top-level folder. */
export function roomOf(file: string): string {
  const parts = file.split("/");
  if (parts[0] === "package:") return file;
  if ((parts[0] === "functions" || parts[0] === "clients") && parts.length > 2)
    return `${parts[0]}/${parts[1]}`;
  return parts.length > 1 ? (parts[0] ?? file) : file;
}

/** Which room imports which (the repository's own modules; packages left out). */
export function roomGraph(graph: ImportGraph): Map<string, string[]> {
  const rooms = new Map<string, Set<string>>();
  for (const [from, targets] of graph) {
    const edges = rooms.get(roomOf(from)) ?? new Set<string>();
    for (const to of targets)
      if (!to.startsWith("package:") && !to.startsWith("unresolved:") && roomOf(to) !== roomOf(from))
        edges.add(roomOf(to));
    rooms.set(roomOf(from), edges);
  }
  return new Map(
    [...rooms].sort(([a], [b]) => a.localeCompare(b)).map(([room, to]) => [room, [...to].sort()]),
  );
}

const PYTHON_IMPORTS = `
import ast, json, pathlib, sys
package = pathlib.Path(sys.argv[1])
name = package.name
graph = {}
for path in sorted(package.glob("*.py")):
    module = path.stem
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                targets.add(node.module.split(".")[0])
            elif node.level == 1:
                targets.update(alias.name for alias in node.names)
            elif node.level == 0 and node.module and node.module.split(".")[0] == name:
                rest = node.module.split(".")[1:]
                targets.update([rest[0]] if rest else [alias.name for alias in node.names])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == name and len(parts) > 1:
                    targets.add(parts[1])
    graph[module] = sorted(t for t in targets if (package / (t + ".py")).exists())
print(json.dumps(graph))
`;

/**
 * The imports among one Python package's modules, every `import` statement counted (those under
 * `if TYPE_CHECKING:` too), read with Python's own parser (`python3` on the PATH).
 */
export function pythonImportGraph(packageDirectory: string, python = "python3"): ImportGraph {
  const json = execFileSync(python, ["-c", PYTHON_IMPORTS, packageDirectory], { encoding: "utf8" });
  return new Map(Object.entries(JSON.parse(json) as Record<string, string[]>));
}

export const PYTHON_CLIENT_PACKAGE = join(repositoryRoot, "clients/python/src/model_registry");

/** `npm run imports`: the rooms and their imports, then any rule broken (exit 1). */
function main(): void {
  const graph = typescriptImportGraph();
  const rooms = roomGraph(graph);
  const width = Math.max(...[...rooms.keys()].map((room) => room.length));
  for (const [room, to] of rooms) console.log(`${room.padEnd(width)} → ${to.join(", ") || "(nothing)"}`);
  const problems = [
    ...importCycles(graph).map((cycle) => `import circle: ${cycle.join(" ⇄ ")}`),
    ...boundaryViolations(graph),
    ...unresolvedImports(graph).map((line) => `unresolved: ${line}`),
    ...importCycles(pythonImportGraph(PYTHON_CLIENT_PACKAGE)).map(
      (cycle) => `Python import circle: ${cycle.join(" ⇄ ")}`,
    ),
  ];
  console.log(`\n${graph.size} TypeScript modules; ${problems.length} problem(s)`);
  for (const problem of problems) console.log(`  ${problem}`);
  if (problems.length > 0) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
