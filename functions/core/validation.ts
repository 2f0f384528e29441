import type { z } from "zod";
import { type FieldIssue, ValidationError } from "./errors.ts";

/**
 * Parses `data` with `schema`, or throws a ValidationError whose issues name each offending
 * field (dotted path, prefixed with `where` such as `body` or `query`) and say what is expected.
 */
export function parseInput<S extends z.ZodType>(schema: S, data: unknown, where?: string): z.output<S> {
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues.flatMap((issue) => toFieldIssues(issue, where)));
}

function toFieldIssues(issue: z.core.$ZodIssue, where: string | undefined): FieldIssue[] {
  const path = issue.path.map(String);
  const name = (segments: string[]) => [where, ...segments].filter(Boolean).join(".") || "body";
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({
        field: name([...path, key]),
        message: "is not a known field: remove it or check its spelling",
      }));
    case "invalid_type":
      if (issue.input === undefined) {
        return [{ field: name(path), message: `is required (expected ${issue.expected})` }];
      }
      if (/^Invalid input/.test(issue.message)) {
        return [{ field: name(path), message: `must be ${article(issue.expected)} ${issue.expected}` }];
      }
      return [{ field: name(path), message: issue.message }];
    case "invalid_value":
      if (/^Invalid/.test(issue.message)) {
        return [
          {
            field: name(path),
            message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`,
          },
        ];
      }
      return [{ field: name(path), message: issue.message }];
    default:
      return [{ field: name(path), message: issue.message }];
  }
}

const article = (word: string) => (/^[aeiou]/.test(word) ? "an" : "a");
