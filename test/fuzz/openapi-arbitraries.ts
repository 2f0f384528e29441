/**
 * JSON Schema → fast-check arbitraries, for the subset of JSON Schema 2020-12 the registry's
 * OpenAPI document uses.
 *
 * `validValue` generates values the schema accepts, biased towards the edges servers get wrong:
 * extreme but valid numbers (1e16, 3e21, 1e-200, 2**53+2), map keys that are names of
 * `Object.prototype` members (`constructor`, `__proto__`, `toString`), empty keys, control
 * characters, strings exactly at their maximum length, maps with many entries.
 *
 * `invalidValue` generates values the schema rejects, by one mutation somewhere in a valid value:
 * wrong type, number out of range, unknown field, missing required field, pattern or enum broken,
 * string or array too long or too short.
 *
 * Objects are built with `Object.defineProperty`, so a `__proto__` key is a real own property that
 * `JSON.stringify` sends, not a prototype change.
 */
import fc from "fast-check";
import { counted } from "./counts.ts";
import {
  codePointLength,
  deref,
  isObject,
  type JsonSchema,
  patternRegExp,
  resolvePointer,
  validate,
} from "./json-schema.ts";

type Obj = { readonly [keyword: string]: unknown };

export interface ArbitraryOptions {
  /** The OpenAPI document: `$ref`s resolve against it. */
  root: unknown;
  /** Upper bound on generated array and map sizes (apart from the rare "many entries" case). */
  maxItems?: number;
  /** Upper bound on generated string lengths (apart from the "exactly maxLength" edge). */
  maxStringLength?: number;
}

/** Builds an object whose keys are all own, enumerable, JSON-visible properties — `__proto__` too. */
export function objectOf(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

/** Keys that collide with `Object.prototype` members, or that naive code mishandles. */
export const TRICKY_KEYS = [
  "constructor",
  "__proto__",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "prototype",
  "length",
  "",
  " ",
  "a.b",
  "a/b",
  "a=b",
  "é",
  "日本",
  "\u0000",
  "\t",
  "$ref",
] as const;

/** Numbers that are valid JSON numbers and break naive number handling (DynamoDB, float formatting). */
export const EXTREME_NUMBERS = [
  0,
  -0,
  1e16,
  3e21,
  -1e20,
  1e-100,
  1e-200,
  5e-324,
  2 ** 53 + 2,
  -(2 ** 53) - 2,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  0.1,
  123456789.12345679,
] as const;

const HUGE_STRING_LENGTH = 200_000;

/** Letters, digits, `-` and `_`: text no server should refuse. */
const PLAIN = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");

export function validValue(schema: JsonSchema, options: ArbitraryOptions): fc.Arbitrary<unknown> {
  return new Generator(options).valid(schema, 0);
}

export function invalidValue(schema: JsonSchema, options: ArbitraryOptions): fc.Arbitrary<unknown> {
  const { root } = options;
  const mutants = new Generator(options).invalid(schema, 0);
  if (!mutants) throw new Error("the schema accepts every value: there is no invalid one");
  // A mutation may happen to produce another valid value (a string that still matches): drop those.
  return mutants.filter(
    counted("invalid mutant that is still valid", (value) => validate(schema, value, root).length > 0),
  );
}

/** Removes `(?=…)` / `(?!…)` groups, which fast-check's `stringMatching` cannot generate from. */
function withoutLookarounds(pattern: string): string {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === "\\") {
      out += pattern.slice(i, i + 2);
      i++;
      continue;
    }
    if (pattern.startsWith("(?=", i) || pattern.startsWith("(?!", i)) {
      let depth = 0;
      for (; i < pattern.length; i++) {
        if (pattern[i] === "\\") i++;
        else if (pattern[i] === "(") depth++;
        else if (pattern[i] === ")" && --depth === 0) break;
      }
      continue;
    }
    out += pattern[i];
  }
  return out;
}

function matching(pattern: string): fc.Arbitrary<string> {
  const regex = patternRegExp(pattern);
  const simpler = new RegExp(withoutLookarounds(pattern), regex.flags);
  for (const candidate of [regex, simpler]) {
    try {
      const strings = fc.stringMatching(candidate);
      return candidate === regex
        ? strings
        : strings.filter(
            counted("string of the simplified pattern that misses the pattern", (s: string) => regex.test(s)),
          );
    } catch {
      // fast-check cannot generate from this pattern: try the next, simpler one.
    }
  }
  // Unicode property classes such as \p{Cs} are beyond stringMatching: printable text that matches.
  return fc
    .string({ minLength: 1, maxLength: 40, unit: "grapheme-ascii" })
    .filter(counted("printable string that misses the pattern", (s: string) => regex.test(s)));
}

class Generator {
  readonly #root: unknown;
  readonly #maxItems: number;
  readonly #maxString: number;

  constructor(options: ArbitraryOptions) {
    this.#root = options.root;
    this.#maxItems = options.maxItems ?? 4;
    this.#maxString = options.maxStringLength ?? 24;
  }

  #resolve(schema: JsonSchema): JsonSchema {
    return deref(schema, this.#root);
  }

  #conforms(schema: JsonSchema) {
    return (value: unknown) => validate(schema, value, this.#root).length === 0;
  }

  valid(input: JsonSchema, depth: number): fc.Arbitrary<unknown> {
    const schema = this.#resolve(input);
    if (schema === true) return fc.jsonValue({ maxDepth: 1 });
    if (schema === false) throw new Error("no value satisfies the schema `false`");
    if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
    if (Object.hasOwn(schema, "const")) return fc.constant(schema.const);
    if (Array.isArray(schema.oneOf) || Array.isArray(schema.anyOf)) {
      const branches = ((schema.oneOf ?? schema.anyOf) as JsonSchema[]).map((b) => this.valid(b, depth + 1));
      return fc
        .oneof(...branches)
        .filter(counted("oneOf/anyOf branch value the whole schema refuses", this.#conforms(schema)));
    }
    if (Array.isArray(schema.allOf)) {
      return this.valid(schema.allOf[0] as JsonSchema, depth + 1).filter(
        counted("allOf first-branch value the whole schema refuses", this.#conforms(schema)),
      );
    }
    const types =
      schema.type === undefined ? inferTypes(schema) : ([] as string[]).concat(schema.type as string);
    if (types.length === 0) return fc.jsonValue({ maxDepth: 1 });
    return fc.oneof(...types.map((type) => this.#validOfType(schema, type, depth)));
  }

  #validOfType(schema: Obj, type: string, depth: number): fc.Arbitrary<unknown> {
    switch (type) {
      case "string":
        return this.#validString(schema);
      case "integer":
        return this.#validNumber(schema, true);
      case "number":
        return this.#validNumber(schema, false);
      case "boolean":
        return fc.boolean();
      case "null":
        return fc.constant(null);
      case "array":
        return this.#validArray(schema, depth);
      case "object":
        return this.#validObject(schema, depth);
      default:
        throw new Error(`unsupported type ${type}`);
    }
  }

  #validString(schema: Obj): fc.Arbitrary<string> {
    const min = typeof schema.minLength === "number" ? schema.minLength : 0;
    const max = typeof schema.maxLength === "number" ? schema.maxLength : undefined;
    const fits = (s: string) => {
      const length = codePointLength(s);
      return length >= min && (max === undefined || length <= max);
    };
    if (typeof schema.pattern === "string") {
      return matching(schema.pattern).filter(counted("pattern string of the wrong length", fits));
    }
    if (schema.format === "date-time") return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
    const cap = Math.max(min, Math.min(max ?? this.#maxString, this.#maxString));
    const arbitraries: fc.WeightedArbitrary<string>[] = [
      // Mostly plain text, so that most requests get past every field and reach the store.
      { arbitrary: fc.string({ minLength: min, maxLength: cap, unit: PLAIN }), weight: 6 },
      { arbitrary: fc.string({ minLength: min, maxLength: cap }), weight: 3 },
      // Any code point, including control characters and astral-plane ones: the document allows them.
      { arbitrary: fc.string({ minLength: min, maxLength: cap, unit: "grapheme" }), weight: 2 },
      { arbitrary: fc.string({ minLength: min, maxLength: cap, unit: "binary" }), weight: 1 },
    ];
    // Exactly the longest string allowed.
    if (max !== undefined && max > cap)
      arbitraries.push({ arbitrary: fc.constant("x".repeat(max)), weight: 1 });
    return fc.oneof(...arbitraries).filter(counted("string of the wrong length or format", fits));
  }

  #validNumber(schema: Obj, integer: boolean): fc.Arbitrary<number> {
    const min = typeof schema.minimum === "number" ? schema.minimum : undefined;
    const max = typeof schema.maximum === "number" ? schema.maximum : undefined;
    const ok = this.#conforms(schema);
    const edges = [
      ...EXTREME_NUMBERS,
      ...(min !== undefined ? [min, min + 1] : []),
      ...(max !== undefined ? [max, max - 1] : []),
    ].filter((n) => ok(n) && (!integer || Number.isInteger(n)));
    const lo = BigInt(Math.ceil(Math.max(min ?? -1e15, -Number.MAX_SAFE_INTEGER)));
    const hi = BigInt(Math.floor(Math.min(max ?? 1e15, Number.MAX_SAFE_INTEGER)));
    const small = fc.integer({
      min: Math.max(Number(lo), -1000),
      max: Math.min(Number(hi), 1000),
    });
    const wide = fc.bigInt({ min: lo, max: hi }).map(Number);
    const arbitraries: fc.WeightedArbitrary<number>[] = [
      { arbitrary: small, weight: 4 },
      { arbitrary: wide, weight: 2 },
    ];
    if (!integer) {
      arbitraries.push({
        arbitrary: fc
          .double({
            noNaN: true,
            noDefaultInfinity: true,
            ...(min !== undefined && { min }),
            ...(max !== undefined && { max }),
          })
          .filter(counted("number outside the bounds", ok)),
        weight: 3,
      });
    }
    if (edges.length > 0) arbitraries.push({ arbitrary: fc.constantFrom(...edges), weight: 3 });
    return fc.oneof(...arbitraries).filter(counted("number outside the bounds", ok));
  }

  #validArray(schema: Obj, depth: number): fc.Arbitrary<unknown[]> {
    const min = typeof schema.minItems === "number" ? schema.minItems : 0;
    const max = typeof schema.maxItems === "number" ? schema.maxItems : undefined;
    const cap = Math.max(min, Math.min(max ?? this.#maxItems, this.#maxItems));
    const items =
      schema.items === undefined
        ? fc.jsonValue({ maxDepth: 1 })
        : this.valid(schema.items as JsonSchema, depth + 1);
    return fc.array(items, { minLength: min, maxLength: depth > 4 ? min : cap });
  }

  #validObject(schema: Obj, depth: number): fc.Arbitrary<Record<string, unknown>> {
    const properties = isObject(schema.properties) ? schema.properties : {};
    const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
    const fixed = Object.entries(properties).map(([key, sub]) => {
      const value = this.valid(sub as JsonSchema, depth + 1);
      return required.has(key)
        ? value.map((v) => [[key, v] as const])
        : // Optional members absent twice as often as present: one odd member at a time is easier to blame.
          fc
            .oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: value, weight: 1 })
            .map((v) => (v === undefined ? [] : [[key, v] as const]));
    });
    const extra = this.#additionalEntries(schema, Object.keys(properties), depth);
    const ok = this.#conforms(schema);
    return fc
      .tuple(fc.tuple(...fixed), extra)
      .map(([declared, additional]) => objectOf([...declared.flat(), ...additional]))
      .filter(counted("array the schema refuses", ok));
  }

  /** Entries beyond the declared properties, when `additionalProperties` allows them. */
  #additionalEntries(
    schema: Obj,
    declared: string[],
    depth: number,
  ): fc.Arbitrary<(readonly [string, unknown])[]> {
    const none = fc.constant([] as (readonly [string, unknown])[]);
    const additional = schema.additionalProperties;
    if (additional === false || depth > 5) return none;
    const isMap = additional !== undefined && additional !== true;
    const valueArb = isMap ? this.valid(additional as JsonSchema, depth + 1) : fc.jsonValue({ maxDepth: 1 });
    const keyArb = this.#key(schema).filter(
      counted("map key that is a declared property", (k: string) => !declared.includes(k)),
    );
    const maxProps = typeof schema.maxProperties === "number" ? schema.maxProperties : undefined;
    const minProps = typeof schema.minProperties === "number" ? schema.minProperties : 0;
    const cap = Math.max(minProps, Math.min(maxProps ?? this.#maxItems, this.#maxItems));
    const entries = (minLength: number, maxLength: number) =>
      fc.uniqueArray(fc.tuple(keyArb, valueArb), { selector: ([k]) => k, minLength, maxLength });
    if (!isMap) {
      // An open object (no `additionalProperties`): the document allows any extra member, so send one now and then.
      return fc.oneof({ arbitrary: none, weight: 9 }, { arbitrary: entries(1, 1), weight: 1 });
    }
    const arbitraries: fc.WeightedArbitrary<(readonly [string, unknown])[]>[] = [
      { arbitrary: entries(minProps, cap), weight: 12 },
    ];
    // Many entries: a map with no maxProperties promises to take them.
    const many = maxProps ?? 64;
    if (many > cap) arbitraries.push({ arbitrary: entries(Math.min(many, 51), many), weight: 1 });
    return fc.oneof(...arbitraries);
  }

  #key(schema: Obj): fc.Arbitrary<string> {
    const names = schema.propertyNames;
    const ok = names === undefined ? () => true : this.#conforms(names as JsonSchema);
    const tricky = TRICKY_KEYS.filter((k) => ok(k));
    const generated =
      names === undefined
        ? fc.oneof(
            { arbitrary: fc.string({ minLength: 1, maxLength: 12, unit: PLAIN }), weight: 3 },
            { arbitrary: fc.string({ minLength: 0, maxLength: 12 }), weight: 1 },
          )
        : (this.valid(names as JsonSchema, 9) as fc.Arbitrary<string>);
    return tricky.length > 0
      ? fc.oneof({ arbitrary: generated, weight: 3 }, { arbitrary: fc.constantFrom(...tricky), weight: 2 })
      : generated;
  }

  // -------------------------------------------------------------------------------------------
  // Invalid values: one mutation, at this level or inside one child.

  /** Undefined when the schema accepts every value (`{}`, `true`). */
  invalid(input: JsonSchema, depth: number): fc.Arbitrary<unknown> | undefined {
    const schema = this.#resolve(input);
    if (schema === true) return undefined;
    if (schema === false) return fc.jsonValue({ maxDepth: 1 });
    const types =
      schema.type === undefined ? inferTypes(schema) : ([] as string[]).concat(schema.type as string);
    if (types.length === 0 && !Array.isArray(schema.enum)) return undefined;
    const mutants: fc.WeightedArbitrary<unknown>[] = [{ arbitrary: wrongType(types), weight: 2 }];
    if (Array.isArray(schema.enum)) {
      const options = schema.enum.filter((v): v is string => typeof v === "string");
      mutants.push({
        arbitrary: fc.constantFrom(
          "banana",
          "",
          ...options.map((o) => o.toUpperCase()),
          ...options.map((o) => ` ${o}`),
        ),
        weight: 3,
      });
    }
    if (types.includes("string")) mutants.push({ arbitrary: this.#invalidString(schema), weight: 3 });
    if (types.includes("integer") || types.includes("number")) {
      mutants.push({ arbitrary: this.#invalidNumber(schema, !types.includes("number")), weight: 3 });
    }
    if (types.includes("array")) mutants.push({ arbitrary: this.#invalidArray(schema, depth), weight: 3 });
    if (types.includes("object")) mutants.push({ arbitrary: this.#invalidObject(schema, depth), weight: 5 });
    return fc.oneof(...mutants);
  }

  #invalidString(schema: Obj): fc.Arbitrary<unknown> {
    const options: fc.Arbitrary<string>[] = [];
    if (typeof schema.maxLength === "number") {
      options.push(fc.constant("x".repeat(schema.maxLength + 1)));
    }
    if (typeof schema.minLength === "number" && schema.minLength > 0) {
      options.push(fc.constant("x".repeat(schema.minLength - 1)));
    }
    if (typeof schema.pattern === "string") {
      const regex = patternRegExp(schema.pattern);
      options.push(
        fc
          .oneof(
            fc.constantFrom(
              "",
              " ",
              "-",
              "_x",
              "a b!",
              "../x",
              "/abs",
              "\u0000",
              "x\ny",
              "é",
              "toString()",
              "0x1",
            ),
            fc.string({ maxLength: 16, unit: "binary" }),
          )
          .filter(counted("invalid string that matches the pattern", (s: string) => !regex.test(s))),
      );
    }
    if (schema.format === "date-time") options.push(fc.constantFrom("yesterday", "2024-13-45", ""));
    // Huge strings: the answer must be a 4xx that names the field, not a 5xx or a timeout.
    options.push(fc.constant("y".repeat(HUGE_STRING_LENGTH)));
    return fc.oneof(...options);
  }

  #invalidNumber(schema: Obj, integer: boolean): fc.Arbitrary<unknown> {
    const options: number[] = [];
    const min = typeof schema.minimum === "number" ? schema.minimum : undefined;
    const max = typeof schema.maximum === "number" ? schema.maximum : undefined;
    if (min !== undefined) options.push(min - 1, min - 0.5, min - 1e16, -Number.MAX_VALUE);
    if (max !== undefined) options.push(max + 1, max + 0.5, max * 10, 3e21, Number.MAX_VALUE);
    if (integer) options.push(1.5, 0.1, 1e-200, (min ?? 0) + 0.5);
    const numeric = options.filter((n) => Number.isFinite(n));
    return numeric.length > 0 ? fc.constantFrom(...numeric) : wrongType(integer ? ["integer"] : ["number"]);
  }

  #invalidArray(schema: Obj, depth: number): fc.Arbitrary<unknown> {
    const items = schema.items as JsonSchema | undefined;
    const options: fc.Arbitrary<unknown>[] = [];
    const validItem = items === undefined ? fc.jsonValue({ maxDepth: 1 }) : this.valid(items, depth + 1);
    if (typeof schema.minItems === "number" && schema.minItems > 0) {
      options.push(fc.array(validItem, { minLength: schema.minItems - 1, maxLength: schema.minItems - 1 }));
    }
    if (typeof schema.maxItems === "number" && schema.maxItems < 200) {
      options.push(fc.array(validItem, { minLength: schema.maxItems + 1, maxLength: schema.maxItems + 1 }));
    }
    const badItem = items === undefined || depth >= 6 ? undefined : this.invalid(items, depth + 1);
    if (badItem) {
      options.push(
        fc
          .tuple(fc.array(validItem, { maxLength: 2 }), badItem, fc.array(validItem, { maxLength: 1 }))
          .map(([before, bad, after]) => [...before, bad, ...after]),
      );
    }
    return options.length > 0 ? fc.oneof(...options) : wrongType(["array"]);
  }

  #invalidObject(schema: Obj, depth: number): fc.Arbitrary<unknown> {
    const properties = isObject(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
    const base = this.#validObject(schema, depth).map((o) => Object.entries(o));
    const options: fc.Arbitrary<unknown>[] = [];
    // A required property left out.
    if (required.length > 0) {
      options.push(
        fc
          .tuple(base, fc.constantFrom(...required))
          .map(([entries, key]) => objectOf(entries.filter(([k]) => k !== key))),
      );
    }
    // An unknown member where none is allowed, named like a prototype member or not at all.
    if (schema.additionalProperties === false) {
      const unknown = fc
        .constantFrom(...TRICKY_KEYS, "unknownField", "Name", "tags ")
        .filter(
          counted("unknown member that is a declared property", (k: string) => !Object.hasOwn(properties, k)),
        );
      options.push(
        fc
          .tuple(base, unknown, fc.jsonValue({ maxDepth: 1 }))
          .map(([entries, key, value]) => objectOf([...entries, [key, value]])),
      );
    }
    // A map key the names pattern forbids.
    const badNames =
      schema.propertyNames === undefined
        ? undefined
        : this.invalid(schema.propertyNames as JsonSchema, depth + 1);
    if (badNames) {
      const badKey = badNames.filter(
        counted("invalid map key that is no string", (k: unknown) => typeof k === "string"),
      ) as fc.Arbitrary<string>;
      const value = isObject(schema.additionalProperties)
        ? this.valid(schema.additionalProperties as JsonSchema, depth + 1)
        : fc.constant("v");
      options.push(
        fc.tuple(base, badKey, value).map(([entries, key, v]) => objectOf([...entries, [key, v]])),
      );
    }
    if (typeof schema.minProperties === "number" && schema.minProperties > 0) options.push(fc.constant({}));
    // One declared property (or map value) replaced by an invalid one.
    if (depth < 6) {
      const children: fc.Arbitrary<readonly [string, unknown]>[] = [];
      for (const [key, sub] of Object.entries(properties)) {
        const bad = this.invalid(sub as JsonSchema, depth + 1);
        if (bad) children.push(bad.map((v) => [key, v] as const));
      }
      const badValue = isObject(schema.additionalProperties)
        ? this.invalid(schema.additionalProperties as JsonSchema, depth + 1)
        : undefined;
      if (badValue) children.push(fc.tuple(this.#key(schema), badValue).map(([k, v]) => [k, v] as const));
      if (children.length > 0) {
        options.push(
          fc
            .tuple(base, fc.oneof(...children))
            .map(([entries, [key, bad]]) => objectOf([...entries.filter(([k]) => k !== key), [key, bad]])),
        );
      }
    }
    return options.length > 0 ? fc.oneof(...options) : wrongType(["object"]);
  }
}

function inferTypes(schema: Obj): string[] {
  if (
    isObject(schema.properties) ||
    schema.additionalProperties !== undefined ||
    Array.isArray(schema.required)
  ) {
    return ["object"];
  }
  if (schema.items !== undefined) return ["array"];
  if (typeof schema.pattern === "string" || typeof schema.maxLength === "number") return ["string"];
  if (typeof schema.minimum === "number" || typeof schema.maximum === "number") return ["number"];
  return [];
}

/** A JSON value of none of the given types (numbers given as strings included: "1" is not 1). */
function wrongType(types: string[]): fc.Arbitrary<unknown> {
  const candidates: [string, unknown[]][] = [
    ["string", ["1", "true", "", "null"]],
    ["integer", [1, 0, -1]],
    ["number", [1.5, -0.25]],
    ["boolean", [true, false]],
    ["null", [null]],
    ["array", [[], ["x"]]],
    ["object", [{}, { a: 1 }]],
  ];
  const accepted = (type: string) => types.includes(type) || (type === "integer" && types.includes("number"));
  const values = candidates.filter(([type]) => !accepted(type)).flatMap(([, vs]) => vs);
  return fc.constantFrom(...values);
}

export { resolvePointer };
