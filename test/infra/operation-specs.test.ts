import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { routeGroups } from "#http/route-table.ts";
import { declaredBundles } from "../../lib/bundle-inventory.ts";
import { bundleHandler, bundleSizes } from "../../lib/bundling/index.ts";

const outdir = mkdtempSync(join(tmpdir(), "registry-operation-specs-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

// The service function builds the OpenAPI document, so it needs every group's specs.
const groups = routeGroups.filter((group) => group !== "service");

describe("operation specs in handler bundles", () => {
  it.each(groups)("the %s function bundles its own group's specs and no other's", async (group) => {
    const entry = `functions/entry-points/${group}.ts`;
    const bundle = declaredBundles().find((b) => b.entry === entry)!;
    const { initialInputs } = bundleSizes(await bundleHandler({ ...bundle, outdir: join(outdir, group) }));
    const own = [`functions/http/operations/${group}.ts`, "functions/http/operations/spec.ts"];
    const specModules = initialInputs.filter((input) => /^functions\/http\/operations(\.ts|\/)/.test(input));
    expect(specModules).toContain(own[0]);
    expect(
      specModules.filter((input) => !own.includes(input)),
      `${entry}: the merged operations.ts or another group's specs are in the cold start`,
    ).toEqual([]);
  });
});
