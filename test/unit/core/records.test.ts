import { describe, expect, it } from "vitest";
import { etagOf, ifMatchSatisfied } from "#core/records.ts";

describe("If-Match", () => {
  it("matches the current ETag, a list containing it, or *", () => {
    expect(ifMatchSatisfied(etagOf(3), 3)).toBe(true);
    expect(ifMatchSatisfied(`"1", ${etagOf(3)}`, 3)).toBe(true);
    expect(ifMatchSatisfied(`"1",${etagOf(3)} `, 3)).toBe(true);
    expect(ifMatchSatisfied("*", 3)).toBe(true);
    expect(ifMatchSatisfied(" * ", 3)).toBe(true);
  });

  it("never matches a weak tag, because If-Match uses the strong comparison (RFC 9110 §13.1.1)", () => {
    expect(ifMatchSatisfied(`W/${etagOf(3)}`, 3)).toBe(false);
    expect(ifMatchSatisfied(`"1", W/${etagOf(3)}`, 3)).toBe(false);
  });

  it("does not match a stale or unquoted ETag", () => {
    expect(ifMatchSatisfied(etagOf(2), 3)).toBe(false);
    expect(ifMatchSatisfied("3", 3)).toBe(false);
  });

  it("matches nothing when the header is malformed, even if it contains the current ETag", () => {
    expect(ifMatchSatisfied("", 3)).toBe(false);
    expect(ifMatchSatisfied(`${etagOf(3)} junk`, 3)).toBe(false);
    expect(ifMatchSatisfied(`*, ${etagOf(3)}`, 3)).toBe(false);
    expect(ifMatchSatisfied(`"3`, 3)).toBe(false);
  });

  it("reads a tag that contains a comma as one tag", () => {
    expect(ifMatchSatisfied(`"a,b", ${etagOf(3)}`, 3)).toBe(true);
    expect(ifMatchSatisfied(`"a,${etagOf(3)}"`, 3)).toBe(false);
  });
});
