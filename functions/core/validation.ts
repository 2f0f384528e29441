import type * as z from "zod/mini";
import { type FieldIssue, ValidationError } from "./errors.ts";

/**
 * Parses `data` with `schema`, or throws a ValidationError whose issues name each offending
 * field (prefixed with `where` such as `body` or `query`; map keys that are not plain words are
 * quoted, e.g. `body.metrics[""]`) and say what is expected.
 */
export function parseInput<S extends z.ZodMiniType>(schema: S, data: unknown, where?: string): z.output<S> {
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues.flatMap((issue) => toFieldIssues(issue, where)));
}

/** How a field is written in a message: `body.tags.team`, `body.artifacts.0.path`, `body.metrics["val loss"]`. */
export function fieldName(where: string | undefined, path: readonly PropertyKey[]): string {
  let name = where ?? "";
  for (const segment of path) {
    if (typeof segment === "number") name += `${name ? "." : ""}${segment}`;
    else if (typeof segment === "string" && PLAIN_KEY.test(segment)) name += `${name ? "." : ""}${segment}`;
    else name += `[${JSON.stringify(String(segment))}]`;
  }
  return name || "body";
}

/** Keys written without quotes; anything else (empty, spaces, digits only, punctuation) is quoted. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function toFieldIssues(
  issue: z.core.$ZodIssue,
  where: string | undefined,
  prefix: PropertyKey[] = [],
): FieldIssue[] {
  const path = [...prefix, ...issue.path];
  const field = fieldName(where, path);
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({
        field: fieldName(where, [...path, key]),
        message: "is not a known field: remove it or check its spelling",
      }));
    case "invalid_union":
      return [{ field, message: unionMessage(issue) }];
    case "invalid_key":
      // A record key that breaks the key rule: name the key, give the key rule.
      return [{ field, message: issue.issues.map((inner) => describe(inner)).join("; ") }];
    case "invalid_element":
      return issue.issues.flatMap((inner) => toFieldIssues(inner, where, path));
    default:
      return [{ field, message: describe(issue) }];
  }
}

/**
 * The message of one issue. Our schemas give their own messages for their rules; zod's generic
 * ones ("Invalid input", "Too small: …") are rewritten to say what is expected, in words.
 */
function describe(issue: z.core.$ZodIssue): string {
  const generic = isGeneric(issue);
  switch (issue.code) {
    case "invalid_type": {
      const expected = EXPECTED[issue.expected] ?? `${article(issue.expected)} ${issue.expected}`;
      if (issue.input === undefined) {
        if (generic) return `is required (expected ${issue.expected})`;
        return issue.message.startsWith("is required") ? issue.message : `is required: ${issue.message}`;
      }
      if (!generic) return issue.message;
      if (issue.input === null) return `must be ${expected}, not null (leave the field out instead)`;
      return `must be ${expected}, not ${received(issue.input)}`;
    }
    case "too_small":
    case "too_big": {
      if (!generic) return issue.message;
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const least = issue.code === "too_small";
      const inclusive = issue.inclusive !== false;
      const comparison = least ? (inclusive ? "at least" : "more than") : inclusive ? "at most" : "less than";
      switch (issue.origin) {
        case "string":
          return `must be ${comparison} ${bound} characters long`;
        case "array":
        case "set":
          return `must have ${comparison} ${bound} items`;
        case "object":
          return `must have ${comparison} ${bound} entries`;
        default:
          return `must be ${comparison} ${bound}`;
      }
    }
    case "invalid_format": {
      if (!generic) return issue.message;
      if (issue.format === "regex" && issue.pattern) return `must match the pattern ${issue.pattern}`;
      return `must be a valid ${FORMATS[issue.format] ?? issue.format}`;
    }
    case "not_multiple_of":
      return generic ? `must be a multiple of ${issue.divisor}` : issue.message;
    case "invalid_value": {
      if (!generic) return issue.message;
      const values = issue.values.map((v) => JSON.stringify(v));
      return values.length === 1 ? `must be ${values[0]}` : `must be one of ${values.join(", ")}`;
    }
    case "invalid_key":
      return issue.issues.map((inner) => describe(inner)).join("; ");
    case "invalid_union":
      return unionMessage(issue);
    case "custom":
      return generic ? "is not valid here" : issue.message;
    default:
      return issue.message;
  }
}

/** zod's default messages start like this; ours never do. */
const isGeneric = (issue: z.core.$ZodIssue) => /^(Invalid|Too (small|big)|Expected)\b/.test(issue.message);

function unionMessage(issue: z.core.$ZodIssueInvalidUnion): string {
  if (!isGeneric(issue)) return issue.message;
  if (issue.errors.length === 0) return "does not match any of the accepted forms";
  const forms = issue.errors.map((branch) =>
    branch
      .map((inner) => `${fieldName(undefined, inner.path).replace(/^body$/, "it")} ${describe(inner)}`)
      .join(", "),
  );
  return `must match one of the accepted forms: ${forms.map((f, i) => `(${i + 1}) ${f}`).join("; ")}`;
}

const EXPECTED: Record<string, string> = {
  int: "an integer",
  number: "a number",
  string: "a string",
  boolean: "true or false",
  object: "an object",
  record: "an object",
  array: "an array",
};

const FORMATS: Record<string, string> = {
  datetime: "ISO-8601 date-time such as 2024-05-01T12:00:00Z",
  date: "date such as 2024-05-01",
  url: "URL",
  email: "e-mail address",
  uuid: "UUID",
};

function received(input: unknown): string {
  if (Array.isArray(input)) return "an array";
  if (typeof input === "number" && !Number.isFinite(input)) return "a number out of range";
  const type = typeof input;
  return type === "object" ? "an object" : `${article(type)} ${type}`;
}

const article = (word: string) => (/^[aeiou]/.test(word) ? "an" : "a");
