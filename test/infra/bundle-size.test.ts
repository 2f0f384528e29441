import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeclaredBundle, declaredBundles } from "../../lib/bundle-inventory.ts";
import { BUNDLE_TARGET_BYTES, bundleBudgetExceptions, bundleHandler } from "../../lib/bundling.ts";

// Every bundle the stacks declare, built with the deployed esbuild configuration (lib/bundling.ts).
const bundles: DeclaredBundle[] = declaredBundles();
const sizes = new Map<string, number>();
const outdir = mkdtempSync(join(tmpdir(), "registry-bundles-"));

beforeAll(async () => {
  for (const [i, bundle] of bundles.entries()) {
    const dir = join(outdir, String(i));
    await bundleHandler({ ...bundle, outdir: dir });
    sizes.set(bundle.id, statSync(join(dir, "index.mjs")).size);
  }
}, 60_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

describe("Lambda bundle sizes", () => {
  it("cover every function the stacks declare (HTTP groups, the verifier, the publisher)", () => {
    expect(bundles.map((b) => b.entry)).toEqual(
      expect.arrayContaining([
        "functions/http/handlers/models.ts",
        "functions/workers/verify-artifacts.ts",
        "functions/events/publish-history.ts",
      ]),
    );
  });

  it.each(bundles.map((b) => [b.entry, b] as const))("%s stays within its budget", (_, bundle) => {
    const size = sizes.get(bundle.id)!;
    const exception = bundleBudgetExceptions[bundle.entry];
    const budget = exception?.bytes ?? BUNDLE_TARGET_BYTES;
    expect(
      size,
      `${bundle.entry} is ${kib(size)}, over its ${kib(budget)} budget` +
        (exception ? ` (${exception.reason})` : " (the 350 KiB target)"),
    ).toBeLessThanOrEqual(budget);
  });

  it("lists an exception to the 350 KiB target only for bundles that still need one", () => {
    for (const [entry, exception] of Object.entries(bundleBudgetExceptions)) {
      const measured = bundles.filter((b) => b.entry === entry).map((b) => sizes.get(b.id)!);
      expect(measured.length, `${entry} is no longer deployed: remove its exception`).toBeGreaterThan(0);
      expect(
        Math.max(...measured),
        `${entry} now meets the 350 KiB target: remove its exception (${exception.reason})`,
      ).toBeGreaterThan(BUNDLE_TARGET_BYTES);
    }
  });

  it("leaves the S3 and Lambda SDKs out of functions whose grants do not cover them", () => {
    const models = bundles.find((b) => b.entry === "functions/http/handlers/models.ts")!;
    const artifacts = bundles.find((b) => b.entry === "functions/http/handlers/artifacts.ts")!;
    expect(models.without).toEqual(["s3", "lambda"]);
    expect(artifacts.without).toEqual([]);
    expect(sizes.get(artifacts.id)! - sizes.get(models.id)!).toBeGreaterThan(150 * 1024);
  });
});
