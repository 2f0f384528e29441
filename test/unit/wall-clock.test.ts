import { describe, expect, it } from "vitest";
import { realDateNow, WALL_CLOCK_SHIFT_MS } from "../support/shifted-wall-clock.ts";

const YEAR_MS = 365.25 * 24 * 60 * 60 * 1000;

describe("the unit suite's wall clock", () => {
  it("is decades away from today, in the direction of the project running it", () => {
    const shift = Date.now() - realDateNow();
    expect(Math.abs(shift)).toBeGreaterThan(25 * YEAR_MS);
    expect(Math.abs(Date.parse(new Date().toISOString()) - realDateNow())).toBeGreaterThan(25 * YEAR_MS);
    expect(shift > 0).toBe(process.env.REGISTRY_TEST_WALL_CLOCK === "ahead");
    expect(Math.sign(WALL_CLOCK_SHIFT_MS)).toBe(Math.sign(shift));
  });

  it("keeps explicit dates and the rate of time as they are", async () => {
    expect(new Date("2026-11-23T09:00:00.000Z").toISOString()).toBe("2026-11-23T09:00:00.000Z");
    expect(new Date(0).getTime()).toBe(0);
    const before = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    const elapsed = Date.now() - before;
    expect(elapsed).toBeGreaterThanOrEqual(15);
    expect(elapsed).toBeLessThan(60_000);
  });
});
