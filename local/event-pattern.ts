/**
 * An EventBridge event-pattern matcher, so local rules and targets select events exactly as
 * the bus in AWS would (no complete matcher exists on npm here; see ARCHITECTURE.md). Follows
 * the AWS documentation ("Event pattern syntax", "Content filtering", "Arrays in event
 * patterns"); `test/unit/local/event-pattern.test.ts` checks it against the documentation's
 * examples.
 *
 * Semantics, in short: every key of the pattern must match (AND); a leaf is a list of
 * matchers, any of which may match (OR); `$or` lists alternative sub-patterns at its level. A
 * field whose value is an array matches when any element does; an array of objects is matched
 * element by element, so two conditions on one element's fields must hold for the same element.
 * Comparison operators apply to leaf values only (strings, numbers, booleans, null).
 */

export type EventPattern = { [key: string]: unknown };

type Leaf = string | number | boolean | null;
type Matcher = (value: Leaf) => boolean;
/** A leaf condition: whether the field has leaf values at all, and which values match. */
interface LeafCondition {
  /** `exists: false`: the field has no leaf value. */
  absent?: true;
  test: Matcher[];
}
type CompiledPattern = { fields: [string, CompiledPattern | LeafCondition][]; or: CompiledPattern[][] };

export class InvalidEventPatternError extends Error {
  override readonly name = "InvalidEventPatternError";
}

/** Compiles a pattern once (throwing `InvalidEventPatternError` on a malformed one) into a predicate. */
export function compileEventPattern(pattern: unknown): (event: unknown) => boolean {
  if (!isObject(pattern)) throw new InvalidEventPatternError("an event pattern is a JSON object");
  const compiled = compileObject(pattern, "");
  return (event) => matchObject(compiled, event);
}

export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  return compileEventPattern(pattern)(event);
}

function compileObject(pattern: Record<string, unknown>, path: string): CompiledPattern {
  const compiled: CompiledPattern = { fields: [], or: [] };
  for (const [key, value] of Object.entries(pattern)) {
    const at = path ? `${path}.${key}` : key;
    if (key === "$or") {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) {
        throw new InvalidEventPatternError(`${at}: $or takes a list of at least two patterns`);
      }
      compiled.or.push(value.map((alternative) => compileObject(alternative, at)));
    } else if (Array.isArray(value)) {
      compiled.fields.push([key, compileLeaf(value, at)]);
    } else if (isObject(value)) {
      compiled.fields.push([key, compileObject(value, at)]);
    } else {
      throw new InvalidEventPatternError(`${at}: a pattern value is a list of matchers or a nested pattern`);
    }
  }
  return compiled;
}

function compileLeaf(matchers: unknown[], path: string): LeafCondition {
  if (matchers.length === 0) throw new InvalidEventPatternError(`${path}: an empty list matches nothing`);
  const condition: LeafCondition = { test: [] };
  for (const matcher of matchers) {
    if (!isObject(matcher)) {
      if (isLeaf(matcher)) condition.test.push((value) => equal(value, matcher));
      else throw new InvalidEventPatternError(`${path}: ${JSON.stringify(matcher)} is not a matcher`);
      continue;
    }
    const keys = Object.keys(matcher);
    if (keys.length !== 1)
      throw new InvalidEventPatternError(`${path}: a matcher object has exactly one key`);
    const [operator] = keys as [string];
    const operand = matcher[operator];
    if (operator === "exists") {
      if (typeof operand !== "boolean")
        throw new InvalidEventPatternError(`${path}: exists takes true or false`);
      if (operand) condition.test.push(() => true);
      else condition.absent = true;
    } else {
      condition.test.push(compileOperator(operator, operand, path));
    }
  }
  return condition;
}

function compileOperator(operator: string, operand: unknown, path: string): Matcher {
  switch (operator) {
    case "prefix":
      return stringTest(operand, path, operator, (value, text) => value.startsWith(text));
    case "suffix":
      return stringTest(operand, path, operator, (value, text) => value.endsWith(text));
    case "equals-ignore-case":
      return stringTest({ "equals-ignore-case": operand }, path, operator, (value, text) => value === text);
    case "wildcard": {
      const regex = wildcardRegex(requireString(operand, path, operator));
      return (value) => typeof value === "string" && regex.test(value);
    }
    case "numeric":
      return numericTest(operand, path);
    case "cidr":
      return cidrTest(requireString(operand, path, operator), path);
    case "anything-but":
      return anythingBut(operand, path);
    default:
      throw new InvalidEventPatternError(`${path}: unknown matcher '${operator}'`);
  }
}

/** prefix / suffix / equals-ignore-case, with an optional `{"equals-ignore-case": text}` operand. */
function stringTest(
  operand: unknown,
  path: string,
  operator: string,
  test: (value: string, text: string) => boolean,
): Matcher {
  if (isObject(operand) && Object.keys(operand).length === 1 && "equals-ignore-case" in operand) {
    const text = requireString(operand["equals-ignore-case"], path, operator).toLowerCase();
    return (value) => typeof value === "string" && test(value.toLowerCase(), text);
  }
  const text = requireString(operand, path, operator);
  return (value) => typeof value === "string" && test(value, text);
}

function anythingBut(operand: unknown, path: string): Matcher {
  // anything-but matches a present value that the inner condition does not match.
  let inner: Matcher;
  if (isObject(operand)) {
    const [operator, ...rest] = Object.keys(operand);
    if (
      !operator ||
      rest.length > 0 ||
      !["prefix", "suffix", "equals-ignore-case", "wildcard"].includes(operator)
    ) {
      throw new InvalidEventPatternError(
        `${path}: anything-but takes a value, a list, or one of prefix, suffix, equals-ignore-case, wildcard`,
      );
    }
    const value = operand[operator];
    const values = operator === "equals-ignore-case" && Array.isArray(value) ? value : [value];
    const tests = values.map((v) => compileOperator(operator, v, path));
    inner = (candidate) => tests.some((test) => test(candidate));
  } else {
    const values = Array.isArray(operand) ? operand : [operand];
    if (values.length === 0 || !values.every((v) => typeof v === "string" || typeof v === "number")) {
      throw new InvalidEventPatternError(`${path}: anything-but takes strings or numbers`);
    }
    inner = (candidate) => values.some((v) => equal(candidate, v as Leaf));
  }
  return (value) => !inner(value);
}

const COMPARATORS: Record<string, (a: number, b: number) => boolean> = {
  "=": (a, b) => a === b,
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
};

function numericTest(operand: unknown, path: string): Matcher {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0 || operand.length > 4) {
    throw new InvalidEventPatternError(`${path}: numeric takes one or two [operator, number] pairs`);
  }
  const checks: ((n: number) => boolean)[] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const compare = COMPARATORS[operand[i] as string];
    const bound = operand[i + 1];
    if (!compare || typeof bound !== "number") {
      throw new InvalidEventPatternError(
        `${path}: numeric pairs are an operator (=, <, <=, >, >=) and a number`,
      );
    }
    checks.push((n) => compare(n, bound));
  }
  return (value) => typeof value === "number" && checks.every((check) => check(value));
}

function cidrTest(block: string, path: string): Matcher {
  const [address, bits] = block.split("/");
  const base = ipv4(address ?? "");
  const prefix = Number(bits);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
    throw new InvalidEventPatternError(`${path}: cidr takes an IPv4 block such as 10.0.0.0/24`);
  }
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return (value) => {
    const ip = typeof value === "string" ? ipv4(value) : undefined;
    return ip !== undefined && (ip & mask) >>> 0 === (base & mask) >>> 0;
  };
}

function ipv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((n, p) => ((n << 8) | Number(p)) >>> 0, 0);
}

/** `*` matches any run of characters; `\*` is a literal star and `\\` a literal backslash. */
function wildcardRegex(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "\\" && (pattern[i + 1] === "*" || pattern[i + 1] === "\\")) {
      source += `\\${pattern[++i]}`;
    } else if (ch === "*") {
      source += "[\\s\\S]*";
    } else {
      source += ch.replace(/[.+?^${}()|[\]\\/]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
}

function requireString(operand: unknown, path: string, operator: string): string {
  if (typeof operand !== "string") throw new InvalidEventPatternError(`${path}: ${operator} takes a string`);
  return operand;
}

/** Exact match: strings case-sensitively, numbers by value (300 = 3.0e2), booleans and null. */
function equal(value: Leaf, expected: Leaf): boolean {
  return value === expected;
}

function matchObject(pattern: CompiledPattern, value: unknown): boolean {
  if (!isObject(value)) return false;
  for (const [key, sub] of pattern.fields) {
    const field = Object.hasOwn(value, key) ? value[key] : undefined;
    if (!("test" in sub) ? !matchNested(sub, field) : !matchLeaf(sub, field)) return false;
  }
  return pattern.or.every((alternatives) =>
    alternatives.some((alternative) => matchObject(alternative, value)),
  );
}

/** A nested pattern against an object, or against any element of an array of objects. */
function matchNested(pattern: CompiledPattern, field: unknown): boolean {
  if (Array.isArray(field)) return field.some((element) => matchNested(pattern, element));
  return matchObject(pattern, field);
}

function matchLeaf(condition: LeafCondition, field: unknown): boolean {
  const values = leafValues(field);
  if (values.length === 0) return condition.absent === true;
  return values.some((value) => condition.test.some((test) => test(value)));
}

/** The leaf values of a field: itself, or the leaf elements of an array (nested arrays flattened). */
function leafValues(field: unknown): Leaf[] {
  if (field === undefined) return [];
  if (Array.isArray(field)) return field.flatMap(leafValues);
  return isLeaf(field) ? [field] : [];
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
