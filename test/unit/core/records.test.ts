import { describe, expect, it } from "vitest";
import { etagOf, ifMatchSatisfied } from "#core/records.ts";

describe("If-Match", () => {
  it("matches the current ETag, a list containing it, a weak form of it, or *", () => {
    expect(ifMatchSatisfied(etagOf(3), 3)).toBe(true);
    expect(ifMatchSatisfied(`"1", ${etagOf(3)}`, 3)).toBe(true);
    expect(ifMatchSatisfied(`W/${etagOf(3)}`, 3)).toBe(true);
    expect(ifMatchSatisfied("*", 3)).toBe(true);
  });

  it("does not match a stale or unquoted ETag", () => {
    expect(ifMatchSatisfied(etagOf(2), 3)).toBe(false);
    expect(ifMatchSatisfied("3", 3)).toBe(false);
  });
});
