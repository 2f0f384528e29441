import { describe, expect, it } from "vitest";
import { parseVerificationEvent } from "#adapters/lambda/verification-event.ts";

const valid = { model: "fraud-detector", version: 3, startedAt: "2026-11-23T21:40:00.123Z" };

describe("the verifier's event", () => {
  it("gives the request a seal wrote, and nothing else", () => {
    expect(parseVerificationEvent({ ...valid, extra: true })).toEqual(valid);
    expect(parseVerificationEvent({ ...valid, startedAt: "2026-11-23T21:40:00Z" }).startedAt).toBe(
      "2026-11-23T21:40:00Z",
    );
  });

  it.each([
    [null, "must be an object"],
    [[valid], "must be an object"],
    ["fraud-detector", "must be an object"],
    [{ ...valid, model: "" }, 'model must be a non-empty string, got ""'],
    [{ ...valid, model: 7 }, "model must be a non-empty string, got 7"],
    [{ ...valid, version: 0 }, "version must be an integer of at least 1, got 0"],
    [{ ...valid, version: 1.5 }, "version must be an integer of at least 1, got 1.5"],
    [{ ...valid, version: "3" }, 'version must be an integer of at least 1, got "3"'],
    [
      { ...valid, startedAt: "2026-11-23" },
      'startedAt must be a UTC timestamp like 2026-01-31T12:00:00.000Z, got "2026-11-23"',
    ],
    [{ ...valid, startedAt: "2026-11-23T21:40:00+01:00" }, "startedAt must be a UTC timestamp"],
    [{ ...valid, startedAt: "2026-13-45T25:61:00Z" }, "startedAt must be a UTC timestamp"],
    [
      { model: "m" },
      "version must be an integer of at least 1, got nothing; startedAt must be a UTC timestamp",
    ],
  ])("refuses %j, naming what is wrong", (event, message) => {
    expect(() => parseVerificationEvent(event)).toThrow(message);
  });
});
