/**
 * The catalog as JSON Schema (2020-12), one document per detail-type: what subscribers in other
 * languages validate against. Generated here, written by `npm run events:schemas` to
 * `event-schemas/schemas/v1/`, and committed: the committed files are the published contract.
 */
import * as z from "zod/mini";
import { DETAIL_SCHEMAS, DETAIL_TYPES, type DetailType, EVENT_VERSION } from "./catalog.ts";
import type { JsonSchema } from "./compatibility.ts";

/** Where the schemas of this eventVersion live, relative to the repository root. */
export const SCHEMA_DIRECTORY = `event-schemas/schemas/v${EVENT_VERSION}`;
/** Where one example event per detail-type lives, relative to the repository root. */
export const EXAMPLE_DIRECTORY = "event-schemas/examples";

/** "Model Version Stage Changed" → "model-version-stage-changed". */
export function kebabOf(detailType: DetailType): string {
  return detailType.toLowerCase().replaceAll(" ", "-");
}

export function schemaFileName(detailType: DetailType): string {
  return `${kebabOf(detailType)}.json`;
}

/**
 * A URN rather than a URL: the schemas are read from the repository (or a package of it), never
 * fetched, and a URN promises no host.
 */
export function schemaId(detailType: DetailType): string {
  return `urn:model-registry:events:v${EVENT_VERSION}:${kebabOf(detailType)}`;
}

export function detailJsonSchema(detailType: DetailType): Record<string, unknown> {
  const { $schema, description, ...rest } = z.toJSONSchema(DETAIL_SCHEMAS[detailType], {
    target: "draft-2020-12",
  }) as Record<string, unknown>;
  // Identity first, so a reader of the file sees what it describes before how.
  return {
    $schema,
    $id: schemaId(detailType),
    title: detailType,
    description:
      `The \`detail\` of a '${detailType}' event (eventVersion ${EVENT_VERSION}). ${description ?? ""}`.trim(),
    ...rest,
  };
}

/** Every schema file of this eventVersion: file name → contents. */
export function generateSchemaFiles(): Map<string, string> {
  return new Map(DETAIL_TYPES.map((t) => [schemaFileName(t), renderJson(detailJsonSchema(t))]));
}

export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function parseSchemaFile(text: string): JsonSchema {
  return JSON.parse(text) as JsonSchema;
}
