/**
 * The OpenAPI document is generated from the zod schemas. These tests check that it states the
 * rules the server enforces, so a generated client does not send requests that are refused.
 */
import { describe, expect, it } from "vitest";
import { MODEL_FORMATS } from "#core/schemas.ts";
import { openApiDocument } from "#http/openapi.ts";

interface JsonSchema {
  [key: string]: unknown;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  propertyNames?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
}
interface Parameter {
  name: string;
  in: string;
  schema: JsonSchema;
}

const doc = openApiDocument() as {
  components: { schemas: Record<string, JsonSchema> };
  paths: Record<string, Record<string, { parameters?: Parameter[] }>>;
};
const schemas = doc.components.schemas;
const component = (name: string): JsonSchema => {
  const schema = schemas[name];
  if (!schema) throw new Error(`the document has no component ${name}`);
  return schema;
};
const property = (schema: JsonSchema, name: string): JsonSchema => {
  const found = schema.properties?.[name];
  if (!found) throw new Error(`no property ${name}`);
  const ref = found.$ref;
  return typeof ref === "string" ? component(ref.replace("#/components/schemas/", "")) : found;
};
const parameter = (path: string, method: string, name: string): JsonSchema => {
  const found = doc.paths[path]?.[method]?.parameters?.find((p) => p.name === name);
  if (!found) throw new Error(`${method} ${path} has no parameter ${name}`);
  return found.schema;
};
const matches = (pattern: unknown, value: string) => new RegExp(String(pattern), "u").test(value);

describe("the OpenAPI document states the rules the server enforces", () => {
  it("no reference dangles", () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]*"/g) ?? [];
    for (const ref of refs) {
      const target = ref.slice(8, -1);
      expect(target, ref).toMatch(/^#\/components\/schemas\//);
      expect(schemas[target.replace("#/components/schemas/", "")], ref).toBeDefined();
    }
  });

  it("tags: key pattern, value length and at most 50", () => {
    const tags = component("Tags");
    expect(tags.type).toBe("object");
    expect(tags.maxProperties).toBe(50);
    expect(tags.propertyNames?.pattern).toBeTypeOf("string");
    expect(matches(tags.propertyNames?.pattern, "use-case")).toBe(true);
    expect(matches(tags.propertyNames?.pattern, "bad key!")).toBe(false);
    expect(tags.additionalProperties).toMatchObject({ type: "string", maxLength: 256 });
  });

  it("required tags in a policy follow the tag-key rule", () => {
    // zod-to-openapi wrote a unicode pattern with a trailing `/u`, which no key could match.
    const keys = property(component("StageRequirements"), "tags").items;
    expect(keys?.pattern).toBe(component("Tags").propertyNames?.pattern);
    expect(matches(keys?.pattern, "use-case")).toBe(true);
  });

  it("metrics: name rule, DynamoDB's number range and at most 500", () => {
    const metrics = component("Metrics");
    expect(metrics.maxProperties).toBe(500);
    expect(matches(metrics.propertyNames?.pattern, "val/auc")).toBe(true);
    expect(matches(metrics.propertyNames?.pattern, "")).toBe(false);
    expect(matches(metrics.propertyNames?.pattern, "a\u0000b")).toBe(false);
    expect(metrics.additionalProperties).toMatchObject({
      type: "number",
      exclusiveMinimum: -1e126,
      exclusiveMaximum: 1e126,
    });
    expect(metrics.description).toMatch(/1e-130/);
  });

  it("params: name rule, value length and at most 200", () => {
    const params = component("Params");
    expect(params.maxProperties).toBe(200);
    expect(params.propertyNames?.pattern).toBeTypeOf("string");
    expect(params.additionalProperties).toMatchObject({ type: "string", maxLength: 1000 });
  });

  it("policy: stages are fixed fields, approvals bounded, thresholds need min or max", () => {
    const policy = component("Policy");
    expect(property(policy, "approvals")).toMatchObject({ additionalProperties: false });
    expect(Object.keys(property(policy, "approvals").properties ?? {})).toEqual([
      "staging",
      "production",
      "archived",
    ]);
    expect(property(component("ApprovalRule"), "required")).toMatchObject({
      type: "integer",
      minimum: 0,
      maximum: 10,
    });
    const thresholds = component("MetricThresholds");
    expect(thresholds.maxProperties).toBe(100);
    expect(thresholds.propertyNames?.pattern).toBe(component("Metrics").propertyNames?.pattern);
    expect(thresholds.additionalProperties).toMatchObject({ minProperties: 1, additionalProperties: false });
  });

  it("PATCH bodies need at least one field", () => {
    expect(component("UpdateModelInput").minProperties).toBe(1);
    expect(component("UpdateVersionInput").minProperties).toBe(1);
  });

  it("format states the accepted values in any case on the way in, and the lower-case values on the way out", () => {
    for (const input of ["CreateVersionInput", "UpdateVersionInput"]) {
      const pattern = new RegExp(String(property(component(input), "format").pattern));
      for (const format of MODEL_FORMATS) {
        expect(pattern.test(format), `${input} ${format}`).toBe(true);
        expect(pattern.test(format.toUpperCase()), `${input} ${format.toUpperCase()}`).toBe(true);
      }
      expect(pattern.test("banana")).toBe(false);
      expect(pattern.test("onnx ")).toBe(false);
    }
    expect(property(component("ModelVersion"), "format").enum).toEqual([...MODEL_FORMATS]);
  });

  it("artifacts: at most 5 TiB each (S3's largest object), unique, 1-100 of them", () => {
    expect(property(component("ArtifactDeclaration"), "size")).toMatchObject({
      type: "integer",
      minimum: 0,
      maximum: 5 * 1024 ** 4,
    });
    expect(property(component("CreateVersionInput"), "artifacts")).toMatchObject({
      minItems: 1,
      maxItems: 100,
      uniqueItems: true,
    });
  });

  it("integers in bodies have explicit bounds", () => {
    expect(property(component("SetAliasInput"), "version")).toMatchObject({
      type: "integer",
      minimum: 1,
      maximum: 9_999_999_999,
    });
    expect(property(component("Lineage"), "parentVersion")).toMatchObject({ type: "integer", minimum: 1 });
    const shape = property(component("Signature"), "inputs").items?.properties?.shape;
    expect(shape?.items).toMatchObject({ type: "integer", minimum: -1, maximum: Number.MAX_SAFE_INTEGER });
  });

  it("version path parameters are bounded integers", () => {
    for (const [path, method, name] of [
      ["/models/{model}/versions/{version}", "get", "version"],
      ["/models/{model}/versions/{version}", "patch", "version"],
      ["/models/{model}/versions/{version}/compare/{other}", "get", "other"],
    ] as const) {
      expect(parameter(path, method, name)).toMatchObject({
        type: "integer",
        minimum: 1,
        maximum: 9_999_999_999,
      });
    }
  });

  it("limit is an integer from 1 to 100, default 20, on every list", () => {
    for (const path of ["/models", "/models/{model}/versions", "/models/{model}/history"]) {
      expect(parameter(path, "get", "limit")).toMatchObject({
        type: "integer",
        minimum: 1,
        maximum: 100,
        default: 20,
      });
    }
  });
});
