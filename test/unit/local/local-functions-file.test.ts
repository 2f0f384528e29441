import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadFunctionsFromEnv } from "../../../local/registry.ts";

describe("REGISTRY_LOCAL_FUNCTIONS", () => {
  const before = process.env.REGISTRY_LOCAL_FUNCTIONS;
  afterEach(() => {
    if (before === undefined) delete process.env.REGISTRY_LOCAL_FUNCTIONS;
    else process.env.REGISTRY_LOCAL_FUNCTIONS = before;
  });

  it("resolves each module path against the file's folder, not the folder npm start runs in", () => {
    const folder = mkdtempSync(join(tmpdir(), "local-functions-"));
    mkdirSync(join(folder, "validators"));
    writeFileSync(join(folder, "functions.json"), JSON.stringify({ "fairness-check": "./validators/f.mjs" }));
    process.env.REGISTRY_LOCAL_FUNCTIONS = join(folder, "functions.json");
    expect(loadFunctionsFromEnv()).toEqual({ "fairness-check": join(folder, "validators", "f.mjs") });
  });

  it("is nothing when unset", () => {
    delete process.env.REGISTRY_LOCAL_FUNCTIONS;
    expect(loadFunctionsFromEnv()).toEqual({});
  });
});
