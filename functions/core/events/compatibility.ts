/**
 * Is a new JSON Schema of an event detail backwards compatible with the published one?
 *
 * Subscribers hold two kinds of data written against the old schema: code that reads fields, and
 * archived events replayed from the bus's archive. So a change is breaking when
 * - a property disappears, or a required one becomes optional (code reads it);
 * - a property's type changes, in either direction (code handles the old types only);
 * - a property becomes required, or a new required one appears (archived events lack it);
 * - an enum or const loses a value, or a value set appears where any value was allowed;
 * - `additionalProperties` tightens, a `pattern` or `format` changes, a bound tightens;
 * - a variant of `anyOf`/`oneOf` disappears.
 * Adding optional properties and enum values is fine (subscribers ignore what they don't know).
 *
 * This covers the JSON Schema that `z.toJSONSchema` writes (local `$ref`s included), not every
 * keyword of the standard.
 */

export type JsonSchema = boolean | { [keyword: string]: unknown };
type SchemaObject = { [keyword: string]: unknown };

export function isBackwardsCompatible(older: JsonSchema, newer: JsonSchema): boolean {
  return compatibilityProblems(older, newer).length === 0;
}

/** Each breaking difference, as `<JSON path>: <what changed>`; empty when compatible. */
export function compatibilityProblems(older: JsonSchema, newer: JsonSchema): string[] {
  const problems: string[] = [];
  compare(older, newer, "$", { older, newer, problems, seen: new Set() });
  return problems;
}

interface Walk {
  older: JsonSchema;
  newer: JsonSchema;
  problems: string[];
  /** Pairs of schema objects (one a `$ref`) already compared: recursive schemas end. */
  seen: Set<string>;
}

function compare(oldSchema: JsonSchema, newSchema: JsonSchema, path: string, walk: Walk): void {
  // Cycles only run through `$ref`s, and revisit the same schema objects: a pair seen before is
  // being compared further up (or was already), so it is not compared again.
  if (isRef(oldSchema) || isRef(newSchema)) {
    const pair = `${idOf(oldSchema)}|${idOf(newSchema)}`;
    if (walk.seen.has(pair)) return;
    walk.seen.add(pair);
  }
  const o = asObject(resolve(oldSchema, walk.older));
  const n = asObject(resolve(newSchema, walk.newer));
  const report = (problem: string) => walk.problems.push(`${path}: ${problem}`);
  if (n === false) {
    if (o !== false) report("no value is allowed any more");
    return;
  }
  if (o === false) return;

  const oldTypes = typesOf(o, walk.older);
  const newTypes = typesOf(n, walk.newer);
  if (!sameSet(oldTypes, newTypes)) {
    report(`type changed from ${describeTypes(oldTypes)} to ${describeTypes(newTypes)}`);
    return;
  }

  compareValues(o, n, report);
  compareConstraints(o, n, report);
  compareObjects(o, n, path, walk, report);
  compareArrays(o, n, path, walk);
  compareVariants(o, n, walk, report);
}

function compareValues(o: SchemaObject, n: SchemaObject, report: (p: string) => void): void {
  const oldValues = valuesOf(o);
  const newValues = valuesOf(n);
  if (newValues === undefined) return;
  if (oldValues === undefined) {
    report(`now limited to ${JSON.stringify(newValues)}`);
    return;
  }
  const lost = oldValues.filter((v) => !newValues.some((w) => JSON.stringify(w) === JSON.stringify(v)));
  if (lost.length > 0) report(`no longer allows ${JSON.stringify(lost)}`);
}

function compareConstraints(o: SchemaObject, n: SchemaObject, report: (p: string) => void): void {
  for (const keyword of ["pattern", "format"]) {
    if (n[keyword] !== undefined && n[keyword] !== o[keyword]) {
      report(`${keyword} changed from ${JSON.stringify(o[keyword])} to ${JSON.stringify(n[keyword])}`);
    }
  }
  const raised = (keyword: string, tighter: (before: number, after: number) => boolean) => {
    const before = o[keyword];
    const after = n[keyword];
    if (typeof after !== "number") return;
    if (typeof before !== "number" || tighter(before, after)) {
      report(`${keyword} tightened from ${before ?? "none"} to ${after}`);
    }
  };
  for (const keyword of ["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"]) {
    raised(keyword, (before, after) => after > before);
  }
  for (const keyword of ["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"]) {
    raised(keyword, (before, after) => after < before);
  }
}

function compareObjects(
  o: SchemaObject,
  n: SchemaObject,
  path: string,
  walk: Walk,
  report: (p: string) => void,
): void {
  const oldProperties = recordOf(o.properties);
  const newProperties = recordOf(n.properties);
  const oldRequired = new Set(stringsOf(o.required));
  const newRequired = new Set(stringsOf(n.required));
  for (const [name, oldProperty] of Object.entries(oldProperties)) {
    const newProperty = newProperties[name];
    if (newProperty === undefined) {
      report(`property '${name}' was removed`);
      continue;
    }
    if (oldRequired.has(name) && !newRequired.has(name)) report(`property '${name}' is no longer required`);
    if (!oldRequired.has(name) && newRequired.has(name)) report(`property '${name}' became required`);
    compare(oldProperty, newProperty, `${path}.${name}`, walk);
  }
  for (const name of newRequired) {
    if (!(name in oldProperties)) report(`new property '${name}' is required (archived events lack it)`);
  }
  // Absent `additionalProperties` allows anything, as `true` and `{}` do.
  const oldExtra = (o.additionalProperties ?? true) as JsonSchema;
  const newExtra = (n.additionalProperties ?? true) as JsonSchema;
  if (newExtra === false && oldExtra !== false) {
    report("additionalProperties tightened to false");
  } else if (oldExtra !== false && newExtra !== true) {
    compare(oldExtra, newExtra, `${path}[*]`, walk);
  }
  if (n.propertyNames !== undefined) {
    compare((o.propertyNames ?? true) as JsonSchema, n.propertyNames as JsonSchema, `${path}{key}`, walk);
  }
}

function compareArrays(o: SchemaObject, n: SchemaObject, path: string, walk: Walk): void {
  if (n.items !== undefined) {
    compare((o.items ?? true) as JsonSchema, n.items as JsonSchema, `${path}[]`, walk);
  }
  const oldPrefix = Array.isArray(o.prefixItems) ? (o.prefixItems as JsonSchema[]) : [];
  const newPrefix = Array.isArray(n.prefixItems) ? (n.prefixItems as JsonSchema[]) : [];
  newPrefix.forEach((item, i) => {
    compare(oldPrefix[i] ?? true, item, `${path}[${i}]`, walk);
  });
}

/** Every old variant must still be accepted by one new variant (as it is, or compatibly changed). */
function compareVariants(o: SchemaObject, n: SchemaObject, walk: Walk, report: (p: string) => void): void {
  for (const keyword of ["anyOf", "oneOf"]) {
    const oldVariants = o[keyword];
    const newVariants = n[keyword];
    if (!Array.isArray(oldVariants) || !Array.isArray(newVariants)) continue;
    oldVariants.forEach((variant: JsonSchema, i) => {
      // A trial comparison: its problems are discarded; a copy of `seen` still ends recursion.
      const matched = newVariants.some((candidate: JsonSchema) => {
        const trial: Walk = { ...walk, problems: [], seen: new Set(walk.seen) };
        compare(variant, candidate, "$", trial);
        return trial.problems.length === 0;
      });
      if (!matched) {
        report(`${keyword} variant ${i} (${JSON.stringify(variant)}) has no compatible variant any more`);
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------

function asObject(schema: JsonSchema): SchemaObject | false {
  if (schema === true) return {};
  return schema;
}

function isRef(schema: JsonSchema): boolean {
  return typeof schema === "object" && typeof schema.$ref === "string";
}

const ids = new WeakMap<object, number>();
let lastId = 0;
function idOf(schema: JsonSchema): string {
  if (typeof schema === "boolean") return String(schema);
  if (!ids.has(schema)) ids.set(schema, ++lastId);
  return String(ids.get(schema));
}

/** Follows local `$ref`s (`#/$defs/X`, any `#/...` pointer) within the root schema. */
function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  let current = schema;
  for (let hops = 0; typeof current === "object" && typeof current.$ref === "string"; hops++) {
    const ref = current.$ref;
    if (!ref.startsWith("#") || hops > 32) throw new Error(`cannot resolve $ref '${ref}'`);
    const { $ref: _ref, ...siblings } = current;
    let target: unknown = root;
    for (const token of ref.slice(1).split("/").filter(Boolean)) {
      const key = decodeURIComponent(token).replaceAll("~1", "/").replaceAll("~0", "~");
      target = typeof target === "object" && target !== null ? (target as SchemaObject)[key] : undefined;
    }
    if (target === undefined) throw new Error(`cannot resolve $ref '${ref}'`);
    current = typeof target === "boolean" ? target : { ...(target as SchemaObject), ...siblings };
  }
  return current;
}

/** The JSON types a schema admits, from `type` or its variants; undefined when unconstrained. */
function typesOf(schema: SchemaObject, root: JsonSchema): Set<string> | undefined {
  if (typeof schema.type === "string") return new Set([schema.type]);
  if (Array.isArray(schema.type)) return new Set(schema.type as string[]);
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (!Array.isArray(variants)) {
    if (schema.const !== undefined) return new Set([jsonTypeOf(schema.const)]);
    return undefined;
  }
  const types = new Set<string>();
  for (const variant of variants) {
    const resolved = asObject(resolve(variant, root));
    if (resolved === false) continue;
    const inner = typesOf(resolved, root);
    if (inner === undefined) return undefined;
    for (const t of inner) types.add(t);
  }
  return types;
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function valuesOf(schema: SchemaObject): unknown[] | undefined {
  if (schema.const !== undefined) return [schema.const];
  return Array.isArray(schema.enum) ? schema.enum : undefined;
}

function sameSet(a: Set<string> | undefined, b: Set<string> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.size === b.size && [...a].every((x) => b.has(x));
}

function describeTypes(types: Set<string> | undefined): string {
  return types === undefined ? "any" : [...types].sort().join(" | ");
}

function recordOf(value: unknown): Record<string, JsonSchema> {
  return typeof value === "object" && value !== null ? (value as Record<string, JsonSchema>) : {};
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}
