/**
 * The rooms keep their walls: no import circle in the TypeScript or in the Python client, the
 * core free of adapters, HTTP and the AWS SDK, and the runtime free of the infrastructure
 * (`scripts/import-graph.ts`; `npm run imports` prints the rooms' map).
 */
import { describe, expect, it } from "vitest";
import {
  boundaryViolations,
  type ImportGraph,
  importCycles,
  PYTHON_CLIENT_PACKAGE,
  pythonImportGraph,
  typescriptImportGraph,
  unresolvedImports,
} from "../../../scripts/import-graph.ts";

const graph = typescriptImportGraph();

describe("the TypeScript import graph", () => {
  it("reads every room, aliases and lazy imports included", () => {
    expect(graph.size).toBeGreaterThan(150);
    const buildCore = graph.get("functions/composition/build-core.ts") ?? [];
    expect(buildCore).toContain("functions/core/kernel/deps.ts"); // #core/* alias
    expect(buildCore).toContain("functions/adapters/s3/artifact-storage.ts"); // await import()
    expect(graph.get("local/event-bus.ts")).toContain("local/event-envelope.ts"); // import type
  });

  it("has no import circle", () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it("keeps the core off adapters, HTTP and the AWS SDK, and the runtime off lib/", () => {
    expect(boundaryViolations(graph)).toEqual([]);
  });

  it("resolves every relative and aliased import", () => {
    expect(unresolvedImports(graph)).toEqual([]);
  });
});

describe("the rules", () => {
  it("find a circle, however long, and a module importing itself", () => {
    const circular: ImportGraph = new Map([
      ["a.ts", ["b.ts", "package:zod"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["d.ts"]],
      ["e.ts", ["a.ts"]],
    ]);
    expect(importCycles(circular)).toEqual([["a.ts", "b.ts", "c.ts"], ["d.ts"]]);
  });

  it("name each import that crosses a boundary", () => {
    const crossing: ImportGraph = new Map([
      ["functions/core/x.ts", ["functions/adapters/s3/keys.ts", "package:@aws-sdk/client-s3", "package:zod"]],
      ["functions/http/y.ts", ["lib/registry-config.ts", "functions/core/x.ts"]],
    ]);
    expect(boundaryViolations(crossing).map((line) => line.split(" (")[0])).toEqual([
      "functions/core/x.ts → functions/adapters/s3/keys.ts",
      "functions/core/x.ts → package:@aws-sdk/client-s3",
      "functions/http/y.ts → lib/registry-config.ts",
    ]);
  });
});

describe("the Python client's import graph", () => {
  it("has no import circle (imports under TYPE_CHECKING count)", () => {
    const python = pythonImportGraph(PYTHON_CLIENT_PACKAGE);
    expect(python.get("client")).toContain("_transfer");
    expect(importCycles(python)).toEqual([]);
  });
});
