/** Numbers the API accepts: what DynamoDB can store, and canonical decimal integers in paths and queries. */
import * as z from "zod/mini";

/** The largest version number; also bounds `latestVersion` so the sort keys stay fixed-width. */
export const MAX_VERSION = 9_999_999_999;

/**
 * DynamoDB stores numbers in [1e-130, 9.9999999999999999999999999999999999999e125] (and 0, and their
 * negatives). A double at or above 1e126 prints as `1e+126` and would be refused by the table, so
 * the upper bound is exclusive; 1e-130 itself prints as `1e-130` and is accepted.
 */
export const DYNAMODB_NUMBER_RULE =
  "must be 0 or have a magnitude between 1e-130 and 9.99e125 (DynamoDB's number range)";

/** A finite JSON number DynamoDB can store; `notANumber` is the message for anything else (strings, Infinity). */
export const storableNumber = (notANumber: string) =>
  z
    .number({ error: notANumber })
    .check(
      z.gt(-1e126, { error: DYNAMODB_NUMBER_RULE }),
      z.lt(1e126, { error: DYNAMODB_NUMBER_RULE }),
      z.refine((n) => n === 0 || Math.abs(n) >= 1e-130, { error: DYNAMODB_NUMBER_RULE }),
    )
    // The refinement is invisible to the generated document: state the same rule as JSON Schema.
    .register(z.globalRegistry, { anyOf: [{ const: 0 }, { minimum: 1e-130 }, { maximum: -1e-130 }] });

/** A whole JSON number within bounds; the bounds are checks, so the document states them. */
export const boundedInteger = (min: number, max: number, rule: string) =>
  z.int({ error: rule }).check(z.minimum(min, { error: rule }), z.maximum(max, { error: rule }));

export const CANONICAL_DECIMAL = /^[1-9][0-9]{0,15}$/;

/**
 * A whole number written in a path or query string. Only canonical decimal digits are read:
 * `0x1`, `1e0`, `01`, ` 1` and `1.0` are refused rather than silently meaning 1, so one resource
 * has one URL. The document shows the parameter as an integer with its bounds (a generated client
 * sends `limit=5`, which is exactly the canonical form).
 */
export const decimalParam = (min: number, max: number) => {
  const rule = `must be a whole number from ${min} to ${max}, written in plain decimal digits (no sign, leading zero, exponent, decimal point or spaces)`;
  // zod/mini has no `preprocess`: this is what it is, a transform piped into the number's rules.
  return z.pipe(
    z.transform((raw: unknown, ctx) => {
      if (typeof raw === "string" && CANONICAL_DECIMAL.test(raw)) return Number(raw);
      if (typeof raw === "number") return raw; // an already-parsed value from in-process callers
      ctx.issues.push({ code: "custom", message: rule, input: raw });
      return raw;
    }),
    boundedInteger(min, max, rule),
  );
};

export const VersionNumber = boundedInteger(
  1,
  MAX_VERSION,
  `must be a positive integer (1 to ${MAX_VERSION})`,
).register(z.globalRegistry, { description: "a version number of this model", example: 3 });

/** `{version}` and `{other}` in paths. */
export const VersionParam = decimalParam(1, MAX_VERSION);
