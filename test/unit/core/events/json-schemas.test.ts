/**
 * The committed files in event-schemas/schemas/v1/ are the published contract. The catalog may only
 * change compatibly with them, and the files must say what the catalog says.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { DETAIL_SCHEMAS, DETAIL_TYPES } from "#core/events/catalog.ts";
import { compatibilityProblems, type JsonSchema } from "#core/events/compatibility.ts";
import {
  detailJsonSchema,
  generateSchemaFiles,
  parseSchemaFile,
  schemaFileName,
} from "#core/events/json-schemas.ts";
import {
  schemaDirectory as directory,
  readCommittedSchemas,
} from "../../../../event-schemas/committed-schemas.ts";

const committed = readCommittedSchemas();
const generated = generateSchemaFiles();
const REGENERATE = "run `npm run events:schemas` and commit the files";

describe("the committed JSON Schemas of eventVersion 1", () => {
  it("exist for every detail-type of the catalog", () => {
    const missing = DETAIL_TYPES.map(schemaFileName).filter((name) => !committed.has(name));
    expect(missing, `new detail-types without a committed schema: ${REGENERATE}`).toEqual([]);
  });

  it("are never dropped: every published detail-type is still in the catalog", () => {
    expect([...committed.keys()].filter((name) => !generated.has(name))).toEqual([]);
  });

  it.each([...committed.keys()])("%s: the catalog is still backwards compatible with it", (name) => {
    const fresh = generated.get(name);
    if (fresh === undefined) return; // reported above
    const problems = compatibilityProblems(parseSchemaFile(committed.get(name)!), parseSchemaFile(fresh));
    expect(problems, "a breaking change needs eventVersion 2; within v1, only add optional fields").toEqual(
      [],
    );
  });

  // Only compatible changes are asked to be regenerated: a breaking one fails above, once.
  it("say what the catalog says (compatible changes only need regenerating)", () => {
    const stale = [...generated].filter(([name, text]) => {
      const published = committed.get(name);
      if (published === undefined || published === text) return false;
      return compatibilityProblems(parseSchemaFile(published), parseSchemaFile(text)).length === 0;
    });
    expect(
      stale.map(([name]) => name),
      `out of date: ${REGENERATE}`,
    ).toEqual([]);
  });

  it("catch a breaking change to the catalog: dropping `to` from Model Version Stage Changed", () => {
    const published = parseSchemaFile(committed.get("model-version-stage-changed.json")!);
    const broken = z.looseObject(z.omit(DETAIL_SCHEMAS["Model Version Stage Changed"], { to: true }).shape);
    expect(compatibilityProblems(published, z.toJSONSchema(broken) as JsonSchema)).toEqual([
      "$: property 'to' was removed",
    ]);
  });

  it("are JSON Schema 2020-12 documents that name and describe their detail-type", () => {
    for (const detailType of DETAIL_TYPES) {
      const schema = JSON.parse(committed.get(schemaFileName(detailType)) ?? "{}");
      expect(schema).toMatchObject({
        $schema: "https://json-schema.org/draft/2020-12/schema",
        $id: `urn:model-registry:events:v1:${schemaFileName(detailType).replace(/\.json$/, "")}`,
        title: detailType,
        description: expect.stringContaining(detailType),
        type: "object",
        additionalProperties: {},
      });
      expect(schema.required).toEqual(
        expect.arrayContaining(["eventVersion", "eventId", "model", "seq", "actor", "at", "requestId"]),
      );
    }
  });

  it("name files after the detail-type in kebab case", () => {
    expect(schemaFileName("Model Version Stage Changed")).toBe("model-version-stage-changed.json");
    expect(existsSync(join(directory, "model-version-stage-changed.json"))).toBe(true);
  });

  it("declare every field of the catalog, with its description", () => {
    const properties = detailJsonSchema("Model Alias Changed").properties as Record<
      string,
      { description?: string }
    >;
    expect(Object.keys(properties)).toEqual([
      "eventVersion",
      "eventId",
      "model",
      "version",
      "seq",
      "actor",
      "at",
      "requestId",
      "alias",
      "from",
      "to",
    ]);
    expect(properties.to?.description).toMatch(/null when it was deleted/);
  });
});
