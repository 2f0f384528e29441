import { describe, expect, it } from "vitest";
import { compatibilityProblems, isBackwardsCompatible, type JsonSchema } from "#core/events/compatibility.ts";

const integer = { type: "integer", minimum: 1 };
const nullableInteger = { anyOf: [integer, { type: "null" }] };
const stage = { type: "string", enum: ["development", "staging", "production", "archived"] };

type DetailSchema = {
  [keyword: string]: unknown;
  properties: Record<string, JsonSchema>;
  required: string[];
};

/** A detail schema as the generator writes it: an open object. */
function detail(
  properties: Record<string, JsonSchema>,
  required = Object.keys(properties),
  extra: object = {},
): DetailSchema {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    properties: { eventVersion: { type: "string", const: "1" }, ...properties },
    required: ["eventVersion", ...required],
    additionalProperties: {},
    ...extra,
  };
}

const stringArray = { type: "array", items: { type: "string" } };
/** The properties of the published schema. */
const publishedProperties = { to: stage, previous: nullableInteger, approvedBy: stringArray };
const published = detail(publishedProperties);

describe("backwards compatibility of a detail schema", () => {
  it("an unchanged schema is compatible", () => {
    expect(compatibilityProblems(published, structuredClone(published))).toEqual([]);
  });

  it("adding an optional property is compatible", () => {
    const newer = detail({ ...publishedProperties, note: { type: "string" } }, [
      "to",
      "previous",
      "approvedBy",
    ]);
    expect(isBackwardsCompatible(published, newer)).toBe(true);
  });

  it("adding an enum value is compatible (subscribers ignore values they do not know)", () => {
    const newer = detail({ ...publishedProperties, to: { ...stage, enum: [...stage.enum, "shadow"] } });
    expect(isBackwardsCompatible(published, newer)).toBe(true);
  });

  it("removing a property breaks subscribers that read it", () => {
    const { previous: _previous, ...rest } = published.properties;
    const newer = { ...published, properties: rest, required: ["eventVersion", "to", "approvedBy"] };
    expect(compatibilityProblems(published, newer)).toEqual(["$: property 'previous' was removed"]);
  });

  it("changing a property's type breaks, whether it widens or narrows", () => {
    const narrowed = detail({ ...publishedProperties, previous: integer });
    expect(compatibilityProblems(published, narrowed)).toEqual([
      "$.previous: type changed from integer | null to integer",
    ]);
    const widened = detail({
      ...publishedProperties,
      approvedBy: { type: "array", items: { type: ["string", "null"] } },
    });
    expect(compatibilityProblems(published, widened)).toEqual([
      "$.approvedBy[]: type changed from string to null | string",
    ]);
  });

  it("making an optional property required breaks replays of archived events that lack it", () => {
    const older = detail({ to: stage, note: { type: "string" } }, ["to"]);
    const newer = detail({ to: stage, note: { type: "string" } });
    expect(compatibilityProblems(older, newer)).toEqual(["$: property 'note' became required"]);
  });

  it("adding a required property breaks for the same reason", () => {
    const newer = detail({ ...publishedProperties, note: { type: "string" } });
    expect(compatibilityProblems(published, newer)).toEqual([
      "$: new property 'note' is required (archived events lack it)",
    ]);
  });

  it("making a required property optional breaks subscribers that rely on it being there", () => {
    const newer = { ...published, required: ["eventVersion", "to", "approvedBy"] };
    expect(compatibilityProblems(published, newer)).toEqual(["$: property 'previous' is no longer required"]);
  });

  it("an enum that loses a value breaks, and so does a changed const", () => {
    const newer = detail({ ...publishedProperties, to: { ...stage, enum: ["staging", "production"] } });
    expect(compatibilityProblems(published, newer)).toEqual([
      `$.to: no longer allows ["development","archived"]`,
    ]);
    const v2 = {
      ...published,
      properties: { ...published.properties, eventVersion: { type: "string", const: "2" } },
    };
    expect(compatibilityProblems(published, v2)).toEqual([`$.eventVersion: no longer allows ["1"]`]);
  });

  it("tightening additionalProperties breaks, at the top and inside", () => {
    expect(compatibilityProblems(published, { ...published, additionalProperties: false })).toEqual([
      "$: additionalProperties tightened to false",
    ]);
    const tags = (values: JsonSchema) => detail({ tags: { type: "object", additionalProperties: values } });
    expect(compatibilityProblems(tags({}), tags({ type: "string" }))).toEqual([
      "$.tags[*]: type changed from any to string",
    ]);
    expect(isBackwardsCompatible(tags({ type: "string" }), tags({}))).toBe(false);
  });

  it("loosening additionalProperties is compatible", () => {
    const closed = { ...published, additionalProperties: false };
    expect(isBackwardsCompatible(closed, published)).toBe(true);
  });

  it("a changed pattern or format, or a tightened bound, breaks", () => {
    const uri = (extra: object) => detail({ uri: { type: "string", pattern: "^s3://", ...extra } });
    expect(compatibilityProblems(uri({}), uri({ pattern: "^s3://bucket/" }))).toEqual([
      `$.uri: pattern changed from "^s3://" to "^s3://bucket/"`,
    ]);
    expect(compatibilityProblems(uri({}), uri({ format: "uri" }))).toEqual([
      `$.uri: format changed from undefined to "uri"`,
    ]);
    expect(compatibilityProblems(uri({}), uri({ maxLength: 100 }))).toEqual([
      "$.uri: maxLength tightened from none to 100",
    ]);
    const size = (minimum: number) => detail({ size: { type: "integer", minimum } });
    expect(compatibilityProblems(size(0), size(1))).toEqual(["$.size: minimum tightened from 0 to 1"]);
    expect(isBackwardsCompatible(size(1), size(0))).toBe(true);
  });

  it("a change deep inside arrays of objects is found and located", () => {
    const artifacts = (sha256: JsonSchema) =>
      detail({
        artifacts: { type: "array", items: { type: "object", properties: { sha256 }, required: ["sha256"] } },
      });
    expect(compatibilityProblems(artifacts({ type: "string" }), artifacts({ type: "integer" }))).toEqual([
      "$.artifacts[].sha256: type changed from string to integer",
    ]);
  });

  it("a variant that disappears from anyOf breaks, even when the types stay the same", () => {
    const older = detail({
      by: {
        anyOf: [
          { type: "string", pattern: "^arn:" },
          { type: "string", const: "system" },
        ],
      },
    });
    const newer = detail({ by: { anyOf: [{ type: "string", pattern: "^arn:" }] } });
    expect(compatibilityProblems(older, newer)).toHaveLength(1);
    expect(compatibilityProblems(older, newer)[0]).toMatch(
      /^\$\.by: anyOf variant 1 .* has no compatible variant/,
    );
  });

  it("follows local $refs, recursive ones included", () => {
    const json = (leaf: JsonSchema) => ({
      $defs: { Json: { anyOf: [leaf, { type: "array", items: { $ref: "#/$defs/Json" } }] } },
      ...detail({ value: { $ref: "#/$defs/Json" } }),
    });
    expect(compatibilityProblems(json({ type: "string" }), json({ type: "string" }))).toEqual([]);
    expect(compatibilityProblems(json({ type: "string" }), json({ type: "number" }))).toEqual([
      "$.value: type changed from array | string to array | number",
    ]);
    const inlined = detail({
      value: { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
    });
    expect(isBackwardsCompatible(json({ type: "string" }), inlined)).toBe(false);
  });

  it("a schema that allows nothing any more breaks", () => {
    expect(
      compatibilityProblems(detail({ note: { type: "string" } }, []), detail({ note: false }, [])),
    ).toEqual(["$.note: no value is allowed any more"]);
  });
});
