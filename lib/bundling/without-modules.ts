import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Plugin } from "esbuild";
import { projectRoot } from "./project-root.ts";

/**
 * The names the project's own code imports from a package (`import { A, type B } from "pkg"`).
 * A stub exports only these: a name missing here fails the build ("No matching export"), never
 * a request.
 */
async function namesImportedFrom(pkg: string): Promise<string[]> {
  const { glob } = await import("node:fs/promises");
  const names = new Set<string>();
  const quoted = pkg.replace(/[/.-]/g, "\\$&");
  const pattern = new RegExp(`import\\s+(type\\s+)?\\{([^}]*)\\}\\s*from\\s*"${quoted}"`, "g");
  for await (const file of glob("functions/**/*.ts", { cwd: projectRoot })) {
    const source = await readFile(join(projectRoot, file), "utf8");
    for (const [, typeOnly, list] of source.matchAll(pattern)) {
      if (typeOnly) continue;
      for (const item of (list ?? "").split(",").map((i) => i.trim())) {
        if (item === "" || item.startsWith("type ")) continue;
        names.add(item.split(/\s+as\s+/)[0] as string);
      }
    }
  }
  return [...names].sort();
}

/** Replaces each listed package with a stub exporting the names the project imports, each of which throws when used. */
export function withoutModules(packages: readonly string[]): Plugin {
  return {
    name: "without-modules",
    setup(build) {
      if (packages.length === 0) return;
      const filter = new RegExp(
        `^(${packages.map((p) => p.replace(/[/\\^$.*+?()[\]{}|-]/g, "\\$&")).join("|")})$`,
      );
      build.onResolve({ filter }, (args) => ({ path: args.path, namespace: "without-module" }));
      build.onLoad({ filter: /.*/, namespace: "without-module" }, async (args) => {
        const names = await namesImportedFrom(args.path);
        const message = `${args.path} is not bundled into this function: its grants do not cover it (lib/bundling/without-modules.ts)`;
        return {
          contents: [
            `const fail = () => { throw new Error(${JSON.stringify(message)}); };`,
            "const stub = () => { function Stub() { if (!new.target) fail(); } Stub.prototype.send = async () => fail(); Stub.prototype.destroy = () => {}; return Stub; };",
            ...names.map((name) => `export const ${name} = stub();`),
          ].join("\n"),
          loader: "js",
        };
      });
    },
  };
}
