import { describe, expect, it } from "vitest";
import { medianRatioInterval } from "../../../bench/stats.ts";

describe("medianRatioInterval (bench/bundles.ts's import ratio)", () => {
  it("is exactly 1 with no spread when both samples are the same", () => {
    const sample = [30, 30, 30, 30, 30];
    expect(medianRatioInterval(sample, sample)).toEqual({ ratio: 1, low: 1, high: 1 });
  });

  it("brackets the ratio of medians, and widens with the spread of the rounds", () => {
    const baseline = [28, 29, 30, 31, 32, 29, 30, 31, 30, 29, 30];
    const steady = baseline.map((ms) => ms * 1.5);
    const noisy = steady.map((ms, round) => ms + (round % 2 === 0 ? 6 : -6));
    const tight = medianRatioInterval(steady, baseline);
    const wide = medianRatioInterval(noisy, baseline);
    expect(tight).toEqual({ ratio: 1.5, low: 1.5, high: 1.5 });
    expect(wide.low).toBeLessThanOrEqual(wide.ratio);
    expect(wide.high).toBeGreaterThanOrEqual(wide.ratio);
    expect(wide.high - wide.low).toBeGreaterThan(0.1);
  });

  it("is the same for the same samples (seeded), and refuses samples from different rounds", () => {
    const a = [40, 45, 50, 42, 47];
    const b = [30, 31, 29, 30, 32];
    expect(medianRatioInterval(a, b)).toEqual(medianRatioInterval(a, b));
    expect(() => medianRatioInterval(a, b.slice(1))).toThrow(/same rounds/);
  });
});
