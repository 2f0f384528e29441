import { readFile } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { init as lexerReady, parse as parseModule } from "es-module-lexer";
import type { Plugin } from "esbuild";

const SDK_MODULE = /\/node_modules\/@(?:aws-sdk|smithy)\/[^/]+\/dist-es\/.*\.js$/;
const SDK_SCHEMA_MODULE = /\/node_modules\/@aws-sdk\/client-[^/]+\/dist-es\/schemas\/schemas_\d+\.js$/;
const STRING_CONSTANT = /^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm;
const COMPUTED_KEY = /\[(_\w+)\]:/g;

/**
 * Rewrites a module of SDK schemas so that its trait objects have literal keys. The generated
 * modules name every string once (`const _h = "http";`) and write trait objects as
 * `{ [_h]: [...] }`. esbuild cannot prove a computed key free of side effects, so it keeps every
 * schema that holds one, used or not: all ~470 of S3's operations and shapes (~64 KiB) in a
 * function that sends five commands. Replacing `[_h]:` by `"http":`, the string the constant
 * holds, builds the same objects and lets esbuild drop what no command uses. The SDK's issue:
 * https://github.com/aws/aws-sdk-js-v3/issues/7607 (the code generator's fix,
 * smithy-lang/smithy-typescript#1889, emits the same literal keys). A key whose constant is not
 * a string literal of the module is left as it is.
 */
export function literalSchemaKeys(source: string): { source: string; replaced: number } {
  const strings = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(STRING_CONSTANT))
    strings.set(name as string, literal as string);
  let replaced = 0;
  const rewritten = source.replace(COMPUTED_KEY, (key, name: string) => {
    const literal = strings.get(name);
    if (literal === undefined) return key;
    replaced += 1;
    return `${literal}:`;
  });
  return { source: rewritten, replaced };
}

/** `export { a, b as c } from "x";` or `export * from "x";`: all a barrel module holds. */
const RE_EXPORT =
  /export\s*\{([^}]*)\}\s*from\s*["']([^"']+)["']\s*;?|export\s*\*\s*from\s*["']([^"']+)["']\s*;?/g;
const COMMENT = /\/\*[\s\S]*?\*\/|\/\/.*$/gm;
const NAMED_IMPORT = /^import\s*\{([^}]*)\}\s*from\s*["'][^"']+["']\s*;?$/;

/** Where a name a barrel exports is defined: the module, and the name there. */
interface Definition {
  file: string;
  name: string;
}

/** `a`, `b as c` → [original, local]. */
function importedNames(list: string): [string, string][] {
  return list
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "")
    .map((item) => {
      const [original, local] = item.split(/\s+as\s+/) as [string, string | undefined];
      return [original, local ?? original];
    });
}

/**
 * Rewrites the SDK's own modules as they are bundled (`onLoad` of every `dist-es` module of
 * `@aws-sdk/*` and `@smithy/*`): schemas get literal keys (`literalSchemaKeys`), and each named
 * import from a package's barrel module (`import { A } from "@smithy/core/protocols"`) becomes an
 * import from the module that defines `A`.
 *
 * Why the second: esbuild places a module in the chunks of every entry that reaches it over
 * import edges, whether or not that entry uses what it exports. The DynamoDB client imports its
 * JSON protocol from the same barrel that re-exports the XML protocol and the checksums; in a
 * function that loads S3 on first use, those landed in the cold start's chunk although only the
 * S3 chunk uses them. Importing from the defining module is what the barrel resolves to anyway,
 * so the bindings are the same; the barrels' packages declare themselves free of side effects
 * (the one module of `@aws-sdk/core` that is not, `util-endpoints/aws.js`, is imported by name
 * where it is needed). A barrel is a module of nothing but re-exports, or one split into that
 * and its own code (`splitBarrel`); anything else (default imports, namespaces, a name not
 * found) is left as written. Each rewrite is checked in test/infra/sdk-modules.test.ts, and
 * every bundle runs against the emulators in test/integration/bundles.test.ts.
 */
export function sdkModules(): Plugin {
  return {
    name: "sdk-modules",
    setup(build) {
      const barrels = new Map<string, Promise<Map<string, Definition> | undefined>>();
      const leafExports = new Map<string, Promise<string[]>>();
      const splits = new Map<string, Promise<SplitBarrel | undefined>>();
      const resolveFrom = async (specifier: string, importer: string) => {
        if (specifier.endsWith(OWN_PART)) return specifier;
        const resolved = await build.resolve(specifier, {
          kind: "import-statement",
          importer,
          resolveDir: dirname(importer),
        });
        const usable = resolved.errors.length === 0 && !resolved.external && resolved.namespace === "file";
        return usable ? resolved.path : undefined;
      };
      const exportsOf = (file: string): Promise<string[]> => {
        let names = leafExports.get(file);
        if (!names) {
          names = (async () => {
            await lexerReady;
            return parseModule(await readFile(file, "utf8"))[1].map((entry) => entry.n);
          })();
          leafExports.set(file, names);
        }
        return names;
      };
      const split = (file: string): Promise<SplitBarrel | undefined> => {
        let parts = splits.get(file);
        if (!parts) {
          parts = (async () => splitBarrel(file, await readFile(file, "utf8")))();
          splits.set(file, parts);
        }
        return parts;
      };
      // The names a barrel exports, each with its defining module; undefined: not a barrel.
      const barrel = (file: string): Promise<Map<string, Definition> | undefined> => {
        let definitions = barrels.get(file);
        if (!definitions) {
          definitions = (async () => {
            if (file.endsWith(OWN_PART)) return undefined;
            const source = (await split(file))?.barrel ?? (await readFile(file, "utf8"));
            if (source.replace(RE_EXPORT, "").replace(COMMENT, "").trim() !== "") return undefined;
            const found = new Map<string, Definition>();
            for (const [, list, from, starFrom] of source.matchAll(RE_EXPORT)) {
              const target = await resolveFrom((from ?? starFrom) as string, file);
              if (!target) return undefined;
              const inner = await barrel(target);
              const definition = (name: string) => inner?.get(name) ?? { file: target, name };
              if (list !== undefined) {
                // An explicit re-export wins over a star's, as in the language.
                for (const [original, exported] of importedNames(list))
                  found.set(exported, definition(original));
              } else {
                for (const name of inner ? [...inner.keys()] : await exportsOf(target))
                  if (name !== "default" && !found.has(name)) found.set(name, definition(name));
              }
            }
            return found;
          })();
          barrels.set(file, definitions);
        }
        return definitions;
      };
      const directImports = async (source: string, importer: string): Promise<string> => {
        await lexerReady;
        let rewritten = "";
        let copied = 0;
        for (const statement of parseModule(source)[0]) {
          // Static imports of a package (barrels are reached by package name, not relatively).
          if (statement.t !== 1 || !statement.n?.startsWith("@")) continue;
          const names = NAMED_IMPORT.exec(source.slice(statement.ss, statement.se))?.[1];
          if (names === undefined) continue;
          const target = await resolveFrom(statement.n, importer);
          const definitions = target ? await barrel(target) : undefined;
          if (!definitions) continue;
          const direct = importedNames(names).map(([original, local]) => {
            const definition = definitions.get(original);
            return (
              definition &&
              `import { ${definition.name} as ${local} } from ${JSON.stringify(definition.file)};`
            );
          });
          if (direct.some((line) => line === undefined)) continue;
          rewritten += source.slice(copied, statement.ss) + direct.join(" ");
          copied = statement.se;
        }
        return rewritten + source.slice(copied);
      };

      build.onLoad({ filter: SDK_MODULE, namespace: "file" }, async (args) => {
        const parts = await split(args.path);
        if (parts) return { contents: parts.barrel, loader: "js", resolveDir: dirname(args.path) };
        let source = await readFile(args.path, "utf8");
        if (SDK_SCHEMA_MODULE.test(args.path)) source = literalSchemaKeys(source).source;
        return {
          contents: await directImports(source, args.path),
          loader: "js",
          resolveDir: dirname(args.path),
        };
      });
      // The code of a split barrel (see `splitBarrel`), free of side effects as its package says.
      build.onResolve({ filter: /\?sdk-own$/ }, (args) => ({
        path: args.path.slice(0, -OWN_PART.length),
        namespace: "sdk-own",
        sideEffects: false,
      }));
      build.onLoad({ filter: /.*/, namespace: "sdk-own" }, async (args) => ({
        contents: await directImports((await split(args.path))?.own ?? "", args.path),
        loader: "js",
        resolveDir: dirname(args.path),
      }));
    },
  };
}

/** The suffix naming the code of a split barrel (`splitBarrel`). */
const OWN_PART = "?sdk-own";

interface SplitBarrel {
  /** The module's re-exports, and its own names re-exported from `own`. */
  barrel: string;
  /** The module with its re-exports taken out: its imports and its own definitions. */
  own: string;
}

/**
 * A barrel that also defines names of its own (`@smithy/core/serde` re-exports the SDK's stream
 * helpers and defines the idempotency-token generator) is reached by every function that needs
 * one of those names, and so reaches, over its re-exports, modules only a chunk loaded on first
 * use needs. Split in two, its own code moves to a module of its own (`<file>?sdk-own`) and the
 * barrel only re-exports, which the direct imports then route around. Only for a module its
 * package declares free of side effects: that declaration is what makes evaluating its code on
 * demand, apart from its re-exports, the same program.
 */
export async function splitBarrel(file: string, source: string): Promise<SplitBarrel | undefined> {
  const reExports = [...source.matchAll(RE_EXPORT)].map(([statement]) => statement);
  if (reExports.length === 0) return undefined;
  const own = source.replace(RE_EXPORT, "");
  if (own.replace(COMMENT, "").trim() === "" || !(await declaredFreeOfSideEffects(file))) return undefined;
  await lexerReady;
  const ownNames = parseModule(own)[1].map((entry) => entry.n);
  if (ownNames.length === 0) return undefined;
  const reExportOwn = `export { ${ownNames.join(", ")} } from ${JSON.stringify(file + OWN_PART)};`;
  return { barrel: [...reExports, reExportOwn].join("\n"), own };
}

const sideEffectDeclarations = new Map<string, Promise<{ root: string; sideEffects: unknown } | undefined>>();

/** The nearest `package.json` that names a package, and its `sideEffects` field. */
function owningPackage(dir: string): Promise<{ root: string; sideEffects: unknown } | undefined> {
  let found = sideEffectDeclarations.get(dir);
  if (!found) {
    found = (async () => {
      try {
        const manifest = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as Record<
          string,
          unknown
        >;
        if (typeof manifest.name === "string") return { root: dir, sideEffects: manifest.sideEffects };
      } catch {
        // No package.json here (or one that names no package): look further up.
      }
      const parent = dirname(dir);
      return parent === dir ? undefined : owningPackage(parent);
    })();
    sideEffectDeclarations.set(dir, found);
  }
  return found;
}

/**
 * Whether a module's package declares it free of side effects (`"sideEffects": false`, or a list
 * of files that does not name it): the declaration esbuild itself relies on to leave out a module
 * none of whose exports are used. A list with globs counts as naming every module.
 */
async function declaredFreeOfSideEffects(file: string): Promise<boolean> {
  const owner = await owningPackage(dirname(file));
  if (!owner) return false;
  if (owner.sideEffects === false) return true;
  if (!Array.isArray(owner.sideEffects)) return false;
  const relative = file
    .slice(owner.root.length + 1)
    .split(sep)
    .join("/");
  return owner.sideEffects.every(
    (entry) => typeof entry === "string" && !/[*?[{]/.test(entry) && entry.replace(/^\.\//, "") !== relative,
  );
}
