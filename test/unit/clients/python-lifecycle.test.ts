/**
 * The Python client keeps its own copies of the lifecycle's names (`model_registry/lifecycle.py`):
 * they must be the server's. Read from the source, so this needs no Python.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as core from "../../../functions/core/schemas.ts";

const source = readFileSync(
  new URL("../../../clients/python/src/model_registry/lifecycle.py", import.meta.url),
  "utf8",
);

/** The strings of `NAME = ("a", "b", ...)` (a literal tuple, possibly over several lines). */
function tuple(name: string): string[] {
  const match = new RegExp(`^${name} = \\(([^)]*)\\)`, "m").exec(source);
  if (!match?.[1]) throw new Error(`lifecycle.py defines no literal tuple ${name}`);
  return [...match[1].matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? "");
}

describe("the Python client's lifecycle names", () => {
  it("are the server's", () => {
    expect(tuple("STAGES")).toEqual(core.STAGES);
    expect(tuple("ROLLBACK_STAGES")).toEqual(core.ROLLBACK_STAGES);
    expect(tuple("TRANSITION_STATUSES")).toEqual(core.TRANSITION_STATUSES);
    expect(tuple("OPEN_TRANSITION_STATUSES")).toEqual(core.OPEN_TRANSITION_STATUSES);
  });
});
