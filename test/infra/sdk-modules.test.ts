/**
 * The bundler's rewrites of the SDK's own modules (lib/bundling/, `sdkModules`) must build the
 * same values as the modules as published: here, every schema of the S3 and DynamoDB clients is
 * compared before and after the literal-key rewrite. That the rewritten clients still talk to
 * S3 and DynamoDB is shown by the bundles run against the emulators; what each rewrite saves is
 * in bundle-size.test.ts and bench/results/bundles-latest.json.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { literalSchemaKeys, projectRoot, splitBarrel } from "../../lib/bundling/index.ts";

const require = createRequire(join(projectRoot, "package.json"));

/** The published ESM schema module of a client (the one esbuild bundles). */
function schemaModule(client: string): string {
  const cjsEntry = require.resolve(`@aws-sdk/${client}`);
  return join(dirname(cjsEntry), "..", "dist-es", "schemas", "schemas_0.js");
}

/** Bundles a module's source as if it stood at `file`, and imports what it exports. */
async function evaluate(source: string, file: string): Promise<Record<string, unknown>> {
  const { build } = await import("esbuild");
  const result = await build({
    stdin: { contents: source, resolveDir: dirname(file), sourcefile: file, loader: "js" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    mainFields: ["module", "main"],
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.text ?? "";
  return (await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`)) as Record<
    string,
    unknown
  >;
}

/** A schema as data: thunks (`() => Other$`) by their source, which the rewrite does not touch. */
const asData = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === "function" ? String(v) : v));

describe("literal keys in SDK schema modules", () => {
  it.each(["client-s3", "client-dynamodb"])(
    "%s: every exported schema is the same value after the rewrite",
    async (client) => {
      const file = schemaModule(client);
      const published = readFileSync(file, "utf8");
      const { source, replaced } = literalSchemaKeys(published);
      // The rewrite did something: the computed keys are what kept unused schemas in bundles.
      expect(replaced).toBeGreaterThan(30);
      expect(source).not.toMatch(/\[_\w+\]:/);
      const before = await evaluate(published, file);
      const after = await evaluate(source, file);
      const names = Object.keys(before).filter((name) => name.endsWith("$"));
      expect(names.length).toBeGreaterThan(50);
      expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
      for (const name of names) expect(asData(after[name]), name).toBe(asData(before[name]));
    },
  );

  it("leaves a computed key alone when its constant is not a string of the module", () => {
    const source = ['const _h = "http";', "const x = [{ [_h]: 1, [_other]: 2 }];"].join("\n");
    expect(literalSchemaKeys(source)).toEqual({
      source: ['const _h = "http";', 'const x = [{ "http": 1, [_other]: 2 }];'].join("\n"),
      replaced: 1,
    });
  });
});

describe("splitting an SDK barrel that has code of its own", () => {
  it("moves @smithy/core/serde's own code to a module of its own and leaves a barrel of re-exports", async () => {
    // dist-cjs/submodules/serde/index.js, three folders below the package; esbuild bundles dist-es.
    const file = join(
      dirname(require.resolve("@smithy/core/serde")),
      "../../..",
      "dist-es",
      "submodules",
      "serde",
      "index.js",
    );
    const source = readFileSync(file, "utf8");
    const parts = await splitBarrel(file, source);
    expect(parts).toBeDefined();
    // The barrel: only `export … from` statements, its own names now re-exported from the own part.
    const barrelLines = parts!.barrel.split("\n").filter((line) => line.trim() !== "");
    for (const line of barrelLines) expect(line).toMatch(/^export (\*|\{[^}]*\}) from "[^"]+";$/);
    expect(parts!.barrel).toContain(`from ${JSON.stringify(`${file}?sdk-own`)}`);
    expect(parts!.barrel).toMatch(/export \{[^}]*\bv4\b[^}]*\} from/);
    // The own part: the module's code, without a single re-export (so it reaches no stream helper).
    expect(parts!.own).not.toMatch(/export \* from|export \{[^}]*\} from/);
    expect(parts!.own).toContain("bindV4");
  });

  it("leaves alone a module whose package does not declare it free of side effects, and a plain barrel", async () => {
    const dir = mkdtempSync(join(tmpdir(), "split-barrel-"));
    try {
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "with-effects" }));
      const source = 'export * from "./a.js";\nglobalThis.registered = true;\nexport const own = 1;\n';
      expect(await splitBarrel(join(dir, "index.js"), source)).toBeUndefined();
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "pure", sideEffects: false }));
      expect(await splitBarrel(join(dir, "plain.js"), 'export * from "./a.js";\n')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
