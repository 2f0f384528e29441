/**
 * event-schemas/examples/ holds one event per detail-type, as EventBridge delivers it: what a subscriber
 * copies into its own tests. Each must match the catalog and the committed JSON Schema.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  DEFAULT_EVENT_SOURCE,
  DEPLOY_PIPELINE_RULE,
  DETAIL_SCHEMAS,
  DETAIL_TYPES,
  type DetailType,
  deployPipelineRule,
  envelopeSchema,
  isDetailType,
} from "#core/events/catalog.ts";
import { eventIdOf } from "#core/events/from-history.ts";
import { EXAMPLE_DIRECTORY, SCHEMA_DIRECTORY, schemaFileName } from "#core/events/json-schemas.ts";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const read = (directory: string, name: string) =>
  JSON.parse(readFileSync(join(root, directory, name), "utf8"));
const exampleOf = (detailType: DetailType) => read(EXAMPLE_DIRECTORY, schemaFileName(detailType));

describe("the example events", () => {
  it("cover every detail-type, and only those", () => {
    const files = readdirSync(join(root, EXAMPLE_DIRECTORY)).sort();
    expect(files).toEqual(DETAIL_TYPES.map(schemaFileName).sort());
  });

  it.each(DETAIL_TYPES)("%s: is an EventBridge event whose detail the catalog accepts", (detailType) => {
    const example = exampleOf(detailType);
    const parsed = envelopeSchema(detailType).safeParse(example);
    expect(parsed.success, parsed.success ? "" : z.prettifyError(parsed.error)).toBe(true);
    expect(example.source).toBe(DEFAULT_EVENT_SOURCE);
    expect(DETAIL_SCHEMAS[detailType].safeParse(example.detail).success).toBe(true);
  });

  it.each(DETAIL_TYPES)(
    "%s: the committed JSON Schema accepts its detail, and only its declared fields",
    (detailType) => {
      const jsonSchema = read(SCHEMA_DIRECTORY, schemaFileName(detailType));
      const { detail } = exampleOf(detailType);
      expect(z.fromJSONSchema(jsonSchema).safeParse(detail).success).toBe(true);
      expect(Object.keys(detail).filter((k) => !(k in jsonSchema.properties))).toEqual([]);
    },
  );

  it.each(DETAIL_TYPES)("%s: ids and times agree with how the publisher makes them", (detailType) => {
    const { source, time, detail } = exampleOf(detailType);
    expect(detail.eventId).toBe(eventIdOf(source, detail.model, detail.seq));
    expect(Date.parse(time)).toBe(Math.floor(Date.parse(detail.at) / 1000) * 1000);
  });

  it("a promotion to production is what the deploy-pipeline rule matches", () => {
    const example = exampleOf("Model Version Stage Changed");
    expect(example.detail.to).toBe("production");
    expect(matches(DEPLOY_PIPELINE_RULE, example)).toBe(true);
    expect(matches(DEPLOY_PIPELINE_RULE, { ...example, detail: { ...example.detail, to: "staging" } })).toBe(
      false,
    );
    for (const other of DETAIL_TYPES.filter((t) => t !== "Model Version Stage Changed")) {
      expect(matches(DEPLOY_PIPELINE_RULE, exampleOf(other)), other).toBe(false);
    }
  });
});

describe("the deploy-pipeline rule", () => {
  it("is the one EVENTS.md gives", () => {
    expect(DEPLOY_PIPELINE_RULE).toEqual({
      source: ["model-registry"],
      "detail-type": ["Model Version Stage Changed"],
      detail: { to: ["production"] },
    });
  });

  it("follows a deployment's own source", () => {
    expect(deployPipelineRule("registry-dev").source).toEqual(["registry-dev"]);
  });

  it("names a detail-type of the catalog", () => {
    expect(DEPLOY_PIPELINE_RULE["detail-type"].every(isDetailType)).toBe(true);
  });
});

/** EventBridge matching for the subset the rule uses: keys hold lists of exact values. */
function matches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = event[key];
    if (Array.isArray(expected)) return expected.includes(actual);
    return (
      typeof actual === "object" &&
      actual !== null &&
      matches(expected as Record<string, unknown>, actual as Record<string, unknown>)
    );
  });
}
