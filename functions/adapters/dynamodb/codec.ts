/**
 * Turns items into DynamoDB attribute values and back. The adapter owns this instead of using
 * lib-dynamodb's marshaller, which (in the SDK versions this project uses) refuses numbers past
 * 2^53 (a metric like 3e21 FLOPs was a 500), reads them back as BigInt, crashes on a map with a
 * `constructor` key, and drops a `__proto__` key. User maps (tags, metrics, params, aliases)
 * must round-trip exactly, so:
 *
 * - a finite number is written as JavaScript prints it (`3e+21`, `1e-100`: DynamoDB accepts
 *   exponent notation) and read back with `Number()`, which gives the same double because
 *   DynamoDB keeps up to 38 significant digits and JavaScript prints at most 17. Only the range
 *   is DynamoDB's: 0, or 1e-130 <= |x| < 1e126 (the schemas reject the rest with a 400);
 * - a map is read into an object whose keys are all own properties, `__proto__` included (as
 *   `JSON.parse` builds them), never setting a prototype.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";

export type Item = Record<string, unknown>;
export type AttributeMap = Record<string, AttributeValue>;

export function marshallItem(item: Item): AttributeMap {
  const map: AttributeMap = {};
  // Undefined attributes are left out, as optional record fields are.
  for (const [key, value] of Object.entries(item)) {
    if (value !== undefined) setOwn(map, key, marshallValue(value, key));
  }
  return map;
}

export function unmarshallItem(map: AttributeMap): Item {
  const item: Item = {};
  for (const [key, value] of Object.entries(map)) setOwn(item, key, unmarshallValue(value));
  return item;
}

function marshallValue(value: unknown, path: string): AttributeValue {
  switch (typeof value) {
    case "string":
      return { S: value };
    case "boolean":
      return { BOOL: value };
    case "number":
      return { N: numberText(value, path) };
    case "object": {
      if (value === null) return { NULL: true };
      if (Array.isArray(value)) {
        return {
          L: value.filter((v) => v !== undefined).map((v, i) => marshallValue(v, `${path}[${i}]`)),
        };
      }
      if (value instanceof Set) return marshallSet(value, path);
      const prototype = Object.getPrototypeOf(value);
      if (prototype === Object.prototype || prototype === null) {
        const map: AttributeMap = {};
        for (const [key, v] of Object.entries(value)) {
          if (v !== undefined) setOwn(map, key, marshallValue(v, `${path}.${key}`));
        }
        return { M: map };
      }
    }
  }
  throw new TypeError(`${path}: cannot store a ${describe(value)} in DynamoDB`);
}

function marshallSet(set: Set<unknown>, path: string): AttributeValue {
  const members = [...set];
  // DynamoDB has no empty sets: writers leave an empty set's attribute out.
  if (members.length === 0) throw new TypeError(`${path}: DynamoDB cannot store an empty set`);
  if (members.every((m) => typeof m === "string")) return { SS: members };
  if (members.every((m) => typeof m === "number")) return { NS: members.map((m) => numberText(m, path)) };
  throw new TypeError(`${path}: a set must hold only strings or only numbers`);
}

function numberText(value: number, path: string): string {
  if (!Number.isFinite(value)) throw new TypeError(`${path}: DynamoDB cannot store ${value}`);
  return String(value);
}

function unmarshallValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.M !== undefined) return unmarshallItem(value.M);
  if (value.L !== undefined) return value.L.map(unmarshallValue);
  if (value.SS !== undefined) return new Set(value.SS);
  if (value.NS !== undefined) return new Set(value.NS.map(Number));
  if (value.B !== undefined) return value.B;
  if (value.BS !== undefined) return new Set(value.BS);
  throw new TypeError(`unsupported DynamoDB attribute value: ${Object.keys(value).join(", ")}`);
}

/** `target[key] = value`, except that `__proto__` becomes an own property, not a prototype. */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

const describe = (value: unknown) =>
  typeof value === "object" && value !== null
    ? (Object.getPrototypeOf(value)?.constructor?.name ?? "object")
    : typeof value;
