import { describe, expect, it } from "vitest";
import { marshallItem, unmarshallItem } from "#adapters/dynamodb/codec.ts";

const roundTrip = (item: Record<string, unknown>) => unmarshallItem(marshallItem(item));

describe("the DynamoDB codec", () => {
  it("writes numbers as JavaScript prints them, exponents included, and reads back the same numbers", () => {
    const metrics = { flops: 3e21, tiny: 1e-100, big: 9.9e125, neg: -1e20, int: 2 ** 53 + 2, zero: 0 };
    expect(marshallItem({ metrics })).toEqual({
      metrics: {
        M: {
          flops: { N: "3e+21" },
          tiny: { N: "1e-100" },
          big: { N: "9.9e+125" },
          neg: { N: "-100000000000000000000" },
          int: { N: "9007199254740994" },
          zero: { N: "0" },
        },
      },
    });
    expect(roundTrip({ metrics })).toEqual({ metrics });
  });

  it("reads the plain decimal form DynamoDB answers with as the same number", () => {
    expect(unmarshallItem({ n: { N: `0.${"0".repeat(99)}1` }, m: { N: `3${"0".repeat(21)}` } })).toEqual({
      n: 1e-100,
      m: 3e21,
    });
  });

  it("refuses numbers DynamoDB cannot hold at all, naming the attribute", () => {
    expect(() => marshallItem({ metrics: { auc: Number.NaN } })).toThrow("metrics.auc");
    expect(() => marshallItem({ metrics: { auc: Number.POSITIVE_INFINITY } })).toThrow("metrics.auc");
  });

  it("keeps user map keys that name Object.prototype members as own properties", () => {
    const tags = JSON.parse('{"constructor":"a","__proto__":"b","toString":"c","hasOwnProperty":"d"}');
    const marshalled = marshallItem({ tags });
    expect(Object.keys(marshalled.tags?.M ?? {})).toEqual([
      "constructor",
      "__proto__",
      "toString",
      "hasOwnProperty",
    ]);
    const read = unmarshallItem(marshalled).tags as Record<string, string>;
    // Pairs, not an object literal: `{ __proto__: "b" }` in source would set a prototype.
    const expected = [
      ["constructor", "a"],
      ["__proto__", "b"],
      ["toString", "c"],
      ["hasOwnProperty", "d"],
    ];
    for (const [key = "", value] of expected) {
      expect(Object.hasOwn(read, key)).toBe(true);
      expect(Object.getOwnPropertyDescriptor(read, key)?.value).toBe(value);
    }
    // A `__proto__` map never becomes the object's prototype.
    const nested = unmarshallItem(JSON.parse('{"m":{"M":{"__proto__":{"M":{"polluted":{"BOOL":true}}}}}}'));
    expect(Object.getPrototypeOf(nested.m)).toBe(Object.prototype);
    expect((nested.m as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(nested.m, "__proto__")?.value).toEqual({ polluted: true });
  });

  it("stores sets, lists, booleans and null, and leaves undefined attributes out", () => {
    const item = { s: new Set(["a", "b"]), l: [1, "x", null, true], missing: undefined };
    expect(marshallItem(item)).toEqual({
      s: { SS: ["a", "b"] },
      l: { L: [{ N: "1" }, { S: "x" }, { NULL: true }, { BOOL: true }] },
    });
    expect(roundTrip(item)).toEqual({ s: new Set(["a", "b"]), l: [1, "x", null, true] });
  });

  it("refuses what it cannot store faithfully: empty sets and class instances", () => {
    expect(() => marshallItem({ aliases: new Set() })).toThrow("empty set");
    expect(() => marshallItem({ at: new Date() })).toThrow("Date");
  });
});
