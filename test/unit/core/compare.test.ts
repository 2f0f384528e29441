import { describe, expect, it } from "vitest";
import { compareVersions, decimalDifference } from "#core/compare.ts";
import type { VersionRecord } from "#core/records.ts";

const version = (n: number, overrides: Partial<VersionRecord> = {}): VersionRecord => ({
  model: "fraud",
  version: n,
  status: "PENDING_UPLOAD",
  stage: "development",
  metrics: {},
  params: {},
  tags: {},
  artifacts: [],
  aliases: [],
  createdAt: "2026-01-01T00:00:00.000Z",
  createdBy: "arn:test",
  updatedAt: "2026-01-01T00:00:00.000Z",
  updatedBy: "arn:test",
  rev: 1,
  ...overrides,
});

/** A version whose signature has these inputs and no outputs. */
const withInputs = (n: number, inputs: NonNullable<VersionRecord["signature"]>["inputs"]) =>
  version(n, { signature: { inputs, outputs: [] } });

describe("comparing two versions", () => {
  it("reports metric deltas as other minus base, and null where one side lacks the metric", () => {
    const result = compareVersions(
      version(1, { metrics: { auc: 0.8, loss: 0.5 } }),
      version(2, { metrics: { auc: 0.9, f1: 0.7 } }),
    );
    expect(result.metrics.auc?.delta).toBe(0.1);
    expect(result.metrics.loss).toEqual({ base: 0.5, other: null, delta: null });
    expect(result.metrics.f1).toEqual({ base: null, other: 0.7, delta: null });
  });

  it("gives a delta to the decimal places its metrics are written with, not binary floating point's", () => {
    expect(0.91 - 0.87).not.toBe(0.04);
    expect(decimalDifference(0.91, 0.87)).toBe(0.04);
    expect(decimalDifference(0.3, 0.1)).toBe(0.2);
    expect(decimalDifference(1.5e-7, 1e-7)).toBe(5e-8);
    expect(decimalDifference(2.25, -1.125)).toBe(3.375);
    expect(decimalDifference(123456789, 3)).toBe(123456786);
    expect(decimalDifference(1e21, 1)).toBe(1e21);
    expect(decimalDifference(0.1234567890123456, 0.1234567890123455)).toBeCloseTo(1e-16, 30);
    expect(decimalDifference(Number.MAX_VALUE, -Number.MAX_VALUE)).toBe(Number.POSITIVE_INFINITY);
  });

  it("lists only params that differ", () => {
    const result = compareVersions(
      version(1, { params: { lr: "0.1", depth: "6" } }),
      version(2, { params: { lr: "0.01", depth: "6", seed: "7" } }),
    );
    expect(result.params).toEqual({ lr: { base: "0.1", other: "0.01" }, seed: { base: null, other: "7" } });
  });

  it("flags a new required input as breaking, and a new optional input as not", () => {
    const base = withInputs(1, [{ name: "x", type: "float32" }]);
    const required = compareVersions(
      base,
      withInputs(2, [
        { name: "x", type: "float32" },
        { name: "y", type: "int64" },
      ]),
    );
    expect(required.signature.breaking).toBe(true);
    const optional = compareVersions(
      base,
      withInputs(2, [
        { name: "x", type: "float32" },
        { name: "y", type: "int64", optional: true },
      ]),
    );
    expect(optional.signature.breaking).toBe(false);
    expect(optional.signature.changes).toEqual([
      expect.objectContaining({ name: "y", change: "added", breaking: false }),
    ]);
  });

  it("flags a removed output or a changed type or shape as breaking, but not a removed input", () => {
    const base = version(1, {
      signature: {
        inputs: [
          { name: "x", type: "float32", shape: [-1, 4] },
          { name: "legacy", type: "string" },
        ],
        outputs: [
          { name: "score", type: "float32" },
          { name: "label", type: "string" },
        ],
      },
    });
    const other = version(2, {
      signature: {
        inputs: [{ name: "x", type: "float64", shape: [-1, 8] }],
        outputs: [{ name: "score", type: "float32" }],
      },
    });
    const { changes, breaking } = compareVersions(base, other).signature;
    expect(breaking).toBe(true);
    expect(changes).toContainEqual(
      expect.objectContaining({ side: "inputs", name: "legacy", change: "removed", breaking: false }),
    );
    expect(changes).toContainEqual(
      expect.objectContaining({ side: "outputs", name: "label", change: "removed", breaking: true }),
    );
    expect(changes).toContainEqual(
      expect.objectContaining({ name: "x", change: "typeChanged", breaking: true }),
    );
    expect(changes).toContainEqual(
      expect.objectContaining({ name: "x", change: "shapeChanged", breaking: true }),
    );
  });

  it("finds nothing breaking between identical signatures", () => {
    const signature = {
      inputs: [{ name: "x", type: "float32", shape: [-1, 4] }],
      outputs: [{ name: "y", type: "float32" }],
    };
    const result = compareVersions(version(1, { signature }), version(2, { signature }));
    expect(result.signature).toEqual({ changes: [], breaking: false });
  });
});
