/**
 * What `registry --help` loads: the CLI bundle's entry and the chunks it imports statically (what
 * Node reads and runs before printing anything). The AWS SDK's signer and `@smithy/core` (about
 * 400 KiB, most of the bundle) load with the first request signed, never for help or a usage
 * error. Start-up figures are measured by `npm run bench:cli`, not asserted here.
 */
import { build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";
// @ts-expect-error: an ES module script without types; its options are a plain object.
import { buildOptions } from "../../../clients/cli/build.mjs";

describe("the CLI bundle at start-up", () => {
  it("loads no AWS SDK module until a request is signed", async () => {
    const { metafile } = (await build({ ...buildOptions, write: false, logLevel: "silent" })) as {
      metafile: Metafile;
    };
    const outputs = metafile.outputs;
    const entry = Object.keys(outputs).find((file) => file.endsWith("/registry.mjs"))!;
    const loaded = new Set([entry]);
    for (const file of loaded)
      for (const imported of outputs[file]!.imports)
        if (imported.kind === "import-statement" && outputs[imported.path]) loaded.add(imported.path);
    const inputs = [...loaded].flatMap((file) => Object.keys(outputs[file]!.inputs));
    expect(inputs).toContain("clients/cli/usage.ts");
    expect(inputs.filter((input) => /node_modules\/(@smithy|@aws-sdk|@aws-crypto)\//.test(input))).toEqual(
      [],
    );
    const bytes = [...loaded].reduce((sum, file) => sum + outputs[file]!.bytes, 0);
    // About 100 KiB of the CLI's own code (it was ~440 KiB with the signer's SDK).
    expect(bytes).toBeLessThan(150 * 1024);
  });
});
