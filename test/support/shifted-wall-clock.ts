/**
 * Unit tests run twice, with the wall clock moved decades ahead of today and decades back, so a test that reads the wall clock by accident where the code under test runs on
 * an injected clock fails today, not on the day the two drift apart (a fixed test clock of
 * 2026-11-23 and a store reading `Date.now()` passed for a day, then failed every run).
 *
 * Only the date moves: `Date.now()` and `new Date()` keep ticking at the real rate (durations
 * measured with them stay right), and `performance.now()` and timers are untouched. A unit test
 * that really wants today's date (there should be none) reads `realDateNow()`.
 *
 * The direction is the project's (`REGISTRY_TEST_WALL_CLOCK`, "ahead" or "back", set by the two
 * unit projects of vitest.config.ts), so a failure reproduces on every run. Integration tests keep
 * the real clock: they sign requests that real emulators check against their own clocks.
 */

const YEARS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
const RealDate = Date;

/** Epoch milliseconds of the real wall clock, for the rare test that must have it. */
export const realDateNow = () => RealDate.now();

const direction = process.env.REGISTRY_TEST_WALL_CLOCK;
if (direction !== "ahead" && direction !== "back") {
  throw new Error(`REGISTRY_TEST_WALL_CLOCK must be "ahead" or "back", not ${JSON.stringify(direction)}`);
}
const ahead = direction === "ahead";
/** A whole number of days, so times of day stay what they are. */
export const WALL_CLOCK_SHIFT_MS = (ahead ? 1 : -1) * Math.round(YEARS * 365.25) * DAY_MS;

class ShiftedDate extends RealDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(RealDate.now() + WALL_CLOCK_SHIFT_MS);
    else super(...(args as [string | number | Date]));
  }
  static override now() {
    return RealDate.now() + WALL_CLOCK_SHIFT_MS;
  }
}

globalThis.Date = ShiftedDate as DateConstructor;
