/** Maps whose keys users choose (tags, metrics, params): prototype-free, every key validated and named in errors. */
import * as z from "zod/mini";
import { storableNumber } from "./numbers.ts";

/** What a user map checks its keys and values with: the document states them (see `jsonSchemaOf`). */
export interface UserMapRules {
  key: z.core.$ZodType;
  value: z.core.$ZodType;
}

/**
 * The rules of every user map, by schema. The OpenAPI generator reads them to write the map's
 * `propertyNames` and `additionalProperties`; deriving those JSON Schemas here, when the schema is
 * built, would put zod's JSON Schema generator in every Lambda bundle and run it at every cold start.
 */
export const userMapRules = new WeakMap<z.core.$ZodType, UserMapRules>();

/**
 * A JSON object whose keys the caller chooses (tags, metrics, params, metric thresholds).
 *
 * Not `z.record`: zod skips a `__proto__` key without validating or keeping it, and builds its
 * result with plain assignment on `{}`. Here every own key of the input is checked against `key`
 * and either kept as an own property of a prototype-free object (so `__proto__`, `constructor` and
 * `toString` are just names) or refused with an issue naming it. The document is generated from
 * the same key and value schemas (`propertyNames`, `additionalProperties`, `maxProperties`).
 */
export function userMap<V extends z.ZodMiniType>(rules: {
  key: z.ZodMiniType<string, string>;
  value: V;
  maxEntries: number;
  /** Plural noun for the count message, e.g. "tags". */
  noun: string;
  id?: string;
  description: string;
  example?: unknown;
}): z.ZodMiniType<Record<string, z.output<V>>, Record<string, z.input<V>>> {
  const { key: keySchema, value: valueSchema, maxEntries, noun } = rules;
  const schema = z.pipe(
    z.unknown(),
    z.transform((input, ctx) => {
      if (typeof input !== "object" || input === null || Array.isArray(input)) {
        ctx.issues.push({
          code: "invalid_type",
          expected: "object",
          input,
          message: `must be an object of ${noun}`,
        });
        return z.NEVER;
      }
      const keys = Object.keys(input);
      if (keys.length > maxEntries) {
        ctx.issues.push({
          code: "too_big",
          origin: "object",
          maximum: maxEntries,
          inclusive: true,
          input,
          message: `at most ${maxEntries} ${noun} (got ${keys.length})`,
        });
        return z.NEVER;
      }
      const out: Record<string, z.output<V>> = Object.create(null);
      for (const key of keys) {
        const checkedKey = keySchema.safeParse(key);
        if (!checkedKey.success) {
          ctx.issues.push({
            code: "custom",
            path: [key],
            input: key,
            message: checkedKey.error.issues[0]?.message ?? `is not an allowed key of ${noun}`,
          });
          continue;
        }
        const value = (input as Record<string, unknown>)[key];
        const checked = valueSchema.safeParse(value, { reportInput: true });
        if (!checked.success) {
          for (const issue of checked.error.issues) {
            ctx.issues.push({ ...issue, path: [key, ...issue.path] } as (typeof ctx.issues)[number]);
          }
          continue;
        }
        // `out` has no prototype, so even `__proto__` is stored as an ordinary own property.
        out[key] = checked.data as z.output<V>;
      }
      return out;
    }),
  );
  schema.register(z.globalRegistry, {
    ...(rules.id && { id: rules.id }),
    // The document takes `type` from here instead of looking into the transform.
    type: "object",
    description: rules.description,
    maxProperties: maxEntries,
    ...(rules.example !== undefined && { example: rules.example }),
  });
  userMapRules.set(schema, { key: keySchema, value: valueSchema });
  return schema as unknown as z.ZodMiniType<Record<string, z.output<V>>, Record<string, z.input<V>>>;
}

/** The JSON Schema zod itself derives, for embedding in a map's `propertyNames`/`additionalProperties`. */
export function jsonSchemaOf(schema: z.core.$ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  // A schema with an `id` comes out as `$ref: "#/$defs/…"`, which means the document's root
  // inside an OpenAPI document: a dangling reference. Keys and values of maps must not have ids.
  if ("$defs" in rest) throw new Error("a userMap key or value schema must not carry a meta `id`");
  return rest;
}

/** A printable name: no control, format (bidi, zero-width) or separator-line characters, no edge spaces. */
export const PRINTABLE_NAME = /^(?![\s])(?!.*[\s]$)[^\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]{1,250}$/u;
export const PRINTABLE_NAME_RULE =
  "1-250 printable characters: no control or invisible formatting characters, and no leading or trailing spaces";

export const MetricName = z
  .string()
  .check(z.regex(PRINTABLE_NAME, { error: `metric names must be ${PRINTABLE_NAME_RULE}` }))
  .register(z.globalRegistry, { description: `metric name: ${PRINTABLE_NAME_RULE}`, example: "val/auc" });

export const ParamName = z
  .string()
  .check(z.regex(PRINTABLE_NAME, { error: `param names must be ${PRINTABLE_NAME_RULE}` }))
  .register(z.globalRegistry, {
    description: `param name: ${PRINTABLE_NAME_RULE}`,
    example: "learning_rate",
  });

export const TAG_KEY = /^[\p{L}\p{N} _.:/=+\-@]{1,128}$/u;

export const TagKey = z.string().check(
  z.regex(TAG_KEY, {
    error: "tag keys are 1-128 letters, digits, spaces or _ . : / = + - @",
  }),
);

export const Tags = userMap({
  id: "Tags",
  key: TagKey,
  value: z
    .string({ error: "tag values must be strings" })
    .check(z.maxLength(256, { error: "tag values are at most 256 characters" })),
  maxEntries: 50,
  noun: "tags",
  description:
    "Up to 50 tags: keys are 1-128 letters, digits, spaces or _ . : / = + - @; values at most 256 characters.",
  example: { team: "risk", "use-case": "card-fraud" },
});

export const Metrics = userMap({
  id: "Metrics",
  key: MetricName,
  value: storableNumber("metric values must be finite numbers"),
  maxEntries: 500,
  noun: "metrics",
  description: `Up to 500 metrics: name → number. Names are ${PRINTABLE_NAME_RULE}. Values are 0 or have a magnitude between 1e-130 and 9.99e125 (DynamoDB's number range).`,
  example: { auc: 0.93, "val/loss": 0.21 },
});

export const Params = userMap({
  id: "Params",
  key: ParamName,
  value: z
    .string({ error: "param values must be strings" })
    .check(z.maxLength(1000, { error: "param values are at most 1000 characters" })),
  maxEntries: 200,
  noun: "params",
  description: `Up to 200 parameters: name → string of at most 1000 characters. Names are ${PRINTABLE_NAME_RULE}.`,
  example: { learning_rate: "0.01", epochs: "20" },
});
