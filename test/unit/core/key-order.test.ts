import { describe, expect, it } from "vitest";
import {
  HISTORY_ORDER,
  inKeyOrder,
  type KeyOrder,
  MODEL_ORDER,
  STAGE_TENURE_ORDER,
  TRANSITION_ORDER,
  VERSION_ORDER,
} from "#core/key-order.ts";
import { HistoryEntry, Model, ModelVersion, StageTenure, Transition } from "#core/schemas.ts";

type AnySchema = {
  _zod: {
    def: { type: string; innerType?: AnySchema; element?: AnySchema; shape?: Record<string, AnySchema> };
  };
};

/** The key order a zod object schema describes, down through optional, nullable and array wrappers. */
function orderOf(schema: AnySchema): KeyOrder | undefined {
  let def = schema._zod.def;
  while (def.innerType) def = def.innerType._zod.def;
  if (def.type === "array" && def.element) return orderOf(def.element);
  if (def.type === "record") return { keys: [], sorted: true };
  if (def.type !== "object" || !def.shape) return undefined;
  const nested = Object.fromEntries(
    Object.entries(def.shape).flatMap(([key, value]) => {
      const order = orderOf(value);
      return order ? [[key, order]] : [];
    }),
  );
  return Object.keys(nested).length > 0
    ? { keys: Object.keys(def.shape), nested }
    : { keys: Object.keys(def.shape) };
}

describe("key order of the representations", () => {
  it.each([
    ["Model", MODEL_ORDER, Model],
    ["ModelVersion", VERSION_ORDER, ModelVersion],
    ["HistoryEntry", HISTORY_ORDER, HistoryEntry],
    ["Transition", TRANSITION_ORDER, Transition],
    ["StageTenure", STAGE_TENURE_ORDER, StageTenure],
  ])("%s is written in its schema's order, nested objects included", (_name, order, schema) => {
    expect(order).toEqual(orderOf(schema as unknown as AnySchema));
  });

  it("orders nested objects and arrays of them, sorts free-form maps, and keeps other keys after", () => {
    const stored = {
      updatedBy: "u",
      extra: 1,
      tags: { z: "1", a: "2" },
      artifacts: [{ sha256: "h", size: 1, path: "a" }],
      model: "m",
      verification: {
        artifacts: [{ actual: { sha256: "h", size: 1 }, path: "a", status: "verified" }],
        status: "PASSED",
      },
    };
    const ordered = inKeyOrder(stored, VERSION_ORDER);
    expect(JSON.stringify(ordered)).toBe(
      JSON.stringify({
        model: "m",
        tags: { a: "2", z: "1" },
        artifacts: [{ path: "a", size: 1, sha256: "h" }],
        verification: {
          status: "PASSED",
          artifacts: [{ path: "a", status: "verified", actual: { size: 1, sha256: "h" } }],
        },
        updatedBy: "u",
        extra: 1,
      }),
    );
  });

  it("keeps a key named __proto__ a plain key", () => {
    const stored = JSON.parse('{"details": {}, "__proto__": {"polluted": true}, "seq": 1}') as object;
    const ordered = inKeyOrder(stored, HISTORY_ORDER) as Record<string, unknown>;
    expect(Object.keys(ordered)).toEqual(["seq", "details", "__proto__"]);
    expect(Object.getPrototypeOf(ordered)).toBe(Object.prototype);
    expect((ordered as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
