/**
 * Stage names are reserved as alias names, in any case (issue 18, item 5): an alias called
 * `production` would serve, at `…/aliases/production/artifacts/…`, whatever version a publisher
 * pointed it at, outside production's policy. The OpenAPI document states the rule too.
 */
import { describe, expect, it } from "vitest";
import { AliasName, STAGES, StoredAliasName } from "#core/schemas.ts";
import { openApiDocument } from "#http/openapi.ts";

type Parameter = { name: string; schema: { pattern?: string; allOf?: { pattern?: string }[] } };
const doc = openApiDocument() as {
  paths: Record<string, Record<string, { parameters?: Parameter[] }>>;
};
/** Every pattern the document gives the alias parameter of an operation. */
function aliasPatterns(path: string, method: string): RegExp[] {
  const schema = doc.paths[path]?.[method]?.parameters?.find((p) => p.name === "alias")?.schema;
  if (!schema) throw new Error(`${method} ${path} has no alias parameter`);
  return [schema.pattern, ...(schema.allOf ?? []).map((s) => s.pattern)]
    .filter((p): p is string => typeof p === "string")
    .map((p) => new RegExp(p, "u"));
}

const variants = (stage: string) => [stage, stage.toUpperCase(), stage[0]!.toUpperCase() + stage.slice(1)];

describe("alias names", () => {
  it("refuses every stage name in any case, saying why", () => {
    for (const stage of STAGES) {
      for (const alias of variants(stage)) {
        const parsed = AliasName.safeParse(alias);
        expect(parsed.success, alias).toBe(false);
        expect(parsed.error?.issues[0]?.message).toMatch(
          /^is a stage name: development, staging, production, archived are reserved, in any case/,
        );
      }
    }
  });

  it("accepts names that only contain a stage name", () => {
    for (const alias of ["champion", "prod", "production2", "pre-production", "staging_canary", "Archive"]) {
      expect(AliasName.safeParse(alias).success, alias).toBe(true);
    }
  });

  it("the OpenAPI document refuses them on PUT, GET and the artifact download, and lets DELETE remove a legacy one", () => {
    const refusing = [
      ["/models/{model}/aliases/{alias}", "put"],
      ["/models/{model}/aliases/{alias}", "get"],
      ["/models/{model}/aliases/{alias}/artifacts/{path}", "get"],
    ] as const;
    for (const [path, method] of refusing) {
      const patterns = aliasPatterns(path, method);
      const accepts = (value: string) => patterns.every((p) => p.test(value));
      expect(accepts("champion"), `${method} ${path}`).toBe(true);
      for (const alias of variants("production"))
        expect(accepts(alias), `${method} ${path} ${alias}`).toBe(false);
    }
    const deleting = aliasPatterns("/models/{model}/aliases/{alias}", "delete");
    expect(deleting.every((p) => p.test("Production"))).toBe(true);
    expect(StoredAliasName.safeParse("production").success).toBe(true);
  });
});
