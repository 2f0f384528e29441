import { describe, expect, it } from "vitest";
import {
  likeMatcher,
  literalPrefix,
  MlflowFilterError,
  parseFilter,
  parseOrderBy,
} from "../../../functions/mlflow/filter.ts";

describe("MLflow's filter language", () => {
  it("reads what MLflow's client sends for a model search (its prompt filter appended)", () => {
    expect(parseFilter("name LIKE 'fraud-%' AND tag.`mlflow.prompt.is_prompt` != 'true'")).toEqual([
      { field: { kind: "name" }, op: "LIKE", value: "fraud-%" },
      { field: { kind: "tag", key: "mlflow.prompt.is_prompt" }, op: "!=", value: "true" },
    ]);
  });

  it("reads strings with spaces and doubled quotes, double-quoted tag keys, numbers, IN and NOT IN", () => {
    expect(
      parseFilter(
        `tags."my key" = 'risk team' and name ilike "%o'k%" AND version_number >= 3 AND run_id IN ('a b', 'c') AND name NOT IN ('x') AND tags.k = 'it''s'`,
      ),
    ).toEqual([
      { field: { kind: "tag", key: "my key" }, op: "=", value: "risk team" },
      { field: { kind: "name" }, op: "ILIKE", value: "%o'k%" },
      { field: { kind: "version_number" }, op: ">=", value: 3 },
      { field: { kind: "run_id" }, op: "IN", value: ["a b", "c"] },
      { field: { kind: "name" }, op: "NOT IN", value: ["x"] },
      { field: { kind: "tag", key: "k" }, op: "=", value: "it's" },
    ]);
    expect(parseFilter("version_number IN (1, 2)")).toEqual([
      { field: { kind: "version_number" }, op: "IN", value: [1, 2] },
    ]);
    expect(parseFilter("source_path = 'x'")).toEqual([
      { field: { kind: "other", name: "source_path" }, op: "=", value: "x" },
    ]);
    expect(parseFilter("  ")).toEqual([]);
    expect(parseFilter(undefined)).toEqual([]);
  });

  it("refuses what it cannot read, saying where and what was expected", () => {
    const cases: [string, RegExp][] = [
      ["name = 'a' OR name = 'b'", /OR is not supported/],
      ["name = 'a", /unterminated ' quote starting at position 7/],
      ["name 'a'", /expected a comparison .* after 'name', found 'a' at position 5/],
      ["name = ", /expected a quoted string or a number, found the end of the filter/],
      ["name = 'a' name = 'b'", /expected AND between conditions, found 'name' at position 11/],
      ["= 'a'", /expected a field/],
      ["name ! 'a'", /did you mean '!='/],
      ["name IN 'a'", /expected '\(' after IN/],
      ["name IN ('a' 'b')", /expected ',' or '\)' in the IN list/],
      ["name = 'a' AND", /expected a field .* found the end of the filter/],
      ["name = 'a' ; drop", /unexpected character ';' at position 11/],
    ];
    for (const [filter, message] of cases) {
      expect(() => parseFilter(filter), filter).toThrow(MlflowFilterError);
      expect(() => parseFilter(filter), filter).toThrow(message);
    }
  });

  it("reads order_by clauses, ASC by default, each key once", () => {
    expect(parseOrderBy(["last_updated_timestamp DESC", "name"])).toEqual([
      { key: "last_updated_timestamp", descending: true },
      { key: "name", descending: false },
    ]);
    expect(parseOrderBy(["timestamp desc"])).toEqual([{ key: "last_updated_timestamp", descending: true }]);
    expect(() => parseOrderBy(["size DESC"])).toThrow(/cannot order by 'size'/);
    expect(() => parseOrderBy(["name UP"])).toThrow(/invalid order_by clause 'name UP'/);
    expect(() => parseOrderBy(["name ASC", "name DESC"])).toThrow(/names 'name' twice/);
  });

  it("matches LIKE and ILIKE patterns, with regex characters taken literally", () => {
    expect(likeMatcher("fraud-%", false)("fraud-eu")).toBe(true);
    expect(likeMatcher("fraud-%", false)("Fraud-eu")).toBe(false);
    expect(likeMatcher("fraud-%", true)("Fraud-eu")).toBe(true);
    expect(likeMatcher("a_c", false)("abc")).toBe(true);
    expect(likeMatcher("a_c", false)("abbc")).toBe(false);
    expect(likeMatcher("a.c", false)("abc")).toBe(false);
    expect(likeMatcher("(x)+%", false)("(x)+1")).toBe(true);
    expect(likeMatcher("%", false)("")).toBe(true);
    expect(literalPrefix("fraud-%-eu")).toBe("fraud-");
    expect(literalPrefix("ab_c%")).toBe("ab");
    expect(literalPrefix("%x")).toBe("");
    expect(literalPrefix("exact")).toBe("exact");
  });
});
