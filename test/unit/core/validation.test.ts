import { describe, expect, it } from "vitest";
import { ValidationError } from "#core/errors.ts";
import { CreateModelInput, CreateVersionInput, ListModelsQuery, VersionParam } from "#core/schemas.ts";
import { parseInput } from "#core/validation.ts";

const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error("expected a ValidationError");
};

const artifact = { path: "model.onnx", size: 10, sha256: "a".repeat(64) };

describe("input validation names the field and what is expected", () => {
  it("a missing required field", () => {
    expect(issuesOf(() => parseInput(CreateModelInput, {}, "body"))).toEqual([
      { field: "body.name", message: "is required (expected string)" },
    ]);
  });

  it("a model name that breaks the pattern", () => {
    const [issue] = issuesOf(() => parseInput(CreateModelInput, { name: "-bad name" }, "body"));
    expect(issue?.field).toBe("body.name");
    expect(issue?.message).toMatch(/letters, digits/);
  });

  it("an unknown field, so typos do not pass silently", () => {
    expect(issuesOf(() => parseInput(CreateModelInput, { name: "ok", descriptoin: "x" }, "body"))).toEqual([
      { field: "body.descriptoin", message: "is not a known field: remove it or check its spelling" },
    ]);
  });

  it("a wrongly typed nested field", () => {
    const [issue] = issuesOf(() =>
      parseInput(CreateVersionInput, { artifacts: [artifact], metrics: { auc: "high" } }, "body"),
    );
    expect(issue).toEqual({ field: "body.metrics.auc", message: "metric values must be finite numbers" });
  });

  it("a bad checksum, pointing at the artifact's index", () => {
    const [issue] = issuesOf(() =>
      parseInput(
        CreateVersionInput,
        { artifacts: [artifact, { ...artifact, path: "b", sha256: "xyz" }] },
        "body",
      ),
    );
    expect(issue?.field).toBe("body.artifacts.1.sha256");
    expect(issue?.message).toMatch(/64 hex/);
  });

  it("an artifact path that escapes its version folder", () => {
    for (const path of ["../etc/passwd", "/abs", "a/../../b", "a/./b"]) {
      const [issue] = issuesOf(() =>
        parseInput(CreateVersionInput, { artifacts: [{ ...artifact, path }] }, "body"),
      );
      expect(issue?.field).toBe("body.artifacts.0.path");
    }
  });

  it("missing artifacts say what to declare", () => {
    const [issue] = issuesOf(() => parseInput(CreateVersionInput, {}, "body"));
    expect(issue?.field).toBe("body.artifacts");
  });

  it("duplicate artifact paths", () => {
    const [issue] = issuesOf(() =>
      parseInput(CreateVersionInput, { artifacts: [artifact, artifact] }, "body"),
    );
    expect(issue?.message).toMatch(/unique/);
  });

  it("an enum lists the allowed values", () => {
    const [issue] = issuesOf(() =>
      parseInput(CreateVersionInput, { artifacts: [artifact], format: "tflite" }, "body"),
    );
    expect(issue?.field).toBe("body.format");
    expect(issue?.message).toMatch(/onnx/);
  });

  it("limit out of range and a non-numeric version", () => {
    expect(issuesOf(() => parseInput(ListModelsQuery, { limit: "500" }, "query"))[0]).toEqual({
      field: "query.limit",
      message:
        "must be a whole number from 1 to 100, written in plain decimal digits (no sign, leading zero, exponent, decimal point or spaces)",
    });
    expect(issuesOf(() => parseInput(VersionParam, "abc", "path.version"))[0]).toEqual({
      field: "path.version",
      message: expect.stringMatching(/^must be a whole number from 1 to 9999999999/),
    });
  });

  it("normalises formats and checksums to lower case", () => {
    const parsed = parseInput(CreateVersionInput, {
      artifacts: [{ ...artifact, sha256: "A".repeat(64) }],
      format: "ONNX",
    });
    expect(parsed.format).toBe("onnx");
    expect(parsed.artifacts[0]?.sha256).toBe("a".repeat(64));
  });
});
