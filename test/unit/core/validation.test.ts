import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "#core/errors.ts";
import {
  CreateModelInput,
  CreateVersionInput,
  IdempotencyKey,
  IfMatch,
  ListModelsQuery,
  ListVersionsQuery,
  SetAliasInput,
  UpdateModelInput,
  UpdateVersionInput,
  VersionParam,
} from "#core/schemas.ts";
import { parseInput } from "#core/validation.ts";
import { artifact, issuesOf } from "./validation-support.ts";

describe("input validation names the field and what is expected", () => {
  it("a missing required field", () => {
    expect(issuesOf(() => parseInput(CreateModelInput, {}, "body"))).toEqual([
      { field: "body.name", message: "is required (expected string)" },
    ]);
  });

  it("a model name that breaks the pattern", () => {
    const [issue] = issuesOf(() => parseInput(CreateModelInput, { name: "-bad name" }, "body"));
    expect(issue?.field).toBe("body.name");
    expect(issue?.message).toMatch(/letters, digits/);
  });

  it("an unknown field, so typos do not pass silently", () => {
    expect(issuesOf(() => parseInput(CreateModelInput, { name: "ok", descriptoin: "x" }, "body"))).toEqual([
      { field: "body.descriptoin", message: "is not a known field: remove it or check its spelling" },
    ]);
  });

  it("a wrongly typed nested field", () => {
    const [issue] = issuesOf(() =>
      parseInput(CreateVersionInput, { artifacts: [artifact], metrics: { auc: "high" } }, "body"),
    );
    expect(issue).toEqual({ field: "body.metrics.auc", message: "metric values must be finite numbers" });
  });

  it("a bad checksum, pointing at the artifact's index", () => {
    const [issue] = issuesOf(() =>
      parseInput(
        CreateVersionInput,
        { artifacts: [artifact, { ...artifact, path: "b", sha256: "xyz" }] },
        "body",
      ),
    );
    expect(issue?.field).toBe("body.artifacts.1.sha256");
    expect(issue?.message).toMatch(/64 hex/);
  });

  it("an artifact path that escapes its version folder", () => {
    for (const path of ["../etc/passwd", "/abs", "a/../../b", "a/./b"]) {
      const [issue] = issuesOf(() =>
        parseInput(CreateVersionInput, { artifacts: [{ ...artifact, path }] }, "body"),
      );
      expect(issue?.field).toBe("body.artifacts.0.path");
    }
  });

  it("missing artifacts say what to declare", () => {
    const [issue] = issuesOf(() => parseInput(CreateVersionInput, {}, "body"));
    expect(issue?.field).toBe("body.artifacts");
  });

  it("duplicate artifact paths", () => {
    const [issue] = issuesOf(() =>
      parseInput(CreateVersionInput, { artifacts: [artifact, artifact] }, "body"),
    );
    expect(issue?.message).toMatch(/unique/);
  });

  it("an enum lists the allowed values", () => {
    const [issue] = issuesOf(() =>
      parseInput(CreateVersionInput, { artifacts: [artifact], format: "tflite" }, "body"),
    );
    expect(issue?.field).toBe("body.format");
    expect(issue?.message).toMatch(/onnx/);
  });

  it("limit out of range and a non-numeric version", () => {
    expect(issuesOf(() => parseInput(ListModelsQuery, { limit: "500" }, "query"))[0]).toEqual({
      field: "query.limit",
      message:
        "must be a whole number from 1 to 100, written in plain decimal digits (no sign, leading zero, exponent, decimal point or spaces)",
    });
    expect(issuesOf(() => parseInput(VersionParam, "abc", "path.version"))[0]).toEqual({
      field: "path.version",
      message: expect.stringMatching(/^must be a whole number from 1 to 9999999999/),
    });
  });

  it("normalises formats and checksums to lower case", () => {
    const parsed = parseInput(CreateVersionInput, {
      artifacts: [{ ...artifact, sha256: "A".repeat(64) }],
      format: "ONNX",
    });
    expect(parsed.format).toBe("onnx");
    expect(parsed.artifacts[0]?.sha256).toBe("a".repeat(64));
  });
});

const bodySchemas = {
  CreateModelInput,
  UpdateModelInput,
  CreateVersionInput,
  UpdateVersionInput,
  SetAliasInput,
  ListVersionsQuery,
};

describe("every 400 says what is expected, whatever zod issue lies underneath", () => {
  const version = (extra: Record<string, unknown>) => ({ artifacts: [artifact], ...extra });

  it.each([
    // too_small / too_big without a custom message
    ["CreateModelInput", { name: "ok", owner: "" }, "body.owner", /^must be at least 1 characters long$/],
    [
      "CreateVersionInput",
      version({ framework: "x".repeat(65) }),
      "body.framework",
      /^must be at most 64 characters long$/,
    ],
    [
      "CreateVersionInput",
      version({ signature: { inputs: Array(501).fill({ name: "x", type: "float32" }), outputs: [] } }),
      "body.signature.inputs",
      /^must have at most 500 items$/,
    ],
    // too_big with a custom message
    ["CreateVersionInput", version({ description: "x".repeat(4097) }), "body.description", /4096 characters/],
    // invalid_type on nested fields, with what was received
    [
      "CreateVersionInput",
      version({ lineage: "run-1" }),
      "body.lineage",
      /^must be an object, not a string$/,
    ],
    [
      "CreateVersionInput",
      version({ lineage: { datasets: [{ name: "d" }] } }),
      "body.lineage.datasets.0.uri",
      /^is required \(expected string\)$/,
    ],
    [
      "CreateModelInput",
      { name: "ok", description: null },
      "body.description",
      /^must be a string, not null/,
    ],
    [
      "CreateVersionInput",
      version({ signature: { inputs: [{ name: "x", type: "f", optional: "yes" }], outputs: [] } }),
      "body.signature.inputs.0.optional",
      /^must be true or false, not a string$/,
    ],
    // integers with explicit bounds
    [
      "CreateVersionInput",
      version({ signature: { inputs: [{ name: "x", type: "f", shape: [-2] }], outputs: [] } }),
      "body.signature.inputs.0.shape.0",
      /from -1 \(variable\)/,
    ],
    [
      "CreateVersionInput",
      version({ signature: { inputs: [{ name: "x", type: "f", shape: [1.5] }], outputs: [] } }),
      "body.signature.inputs.0.shape.0",
      /whole numbers/,
    ],
    ["SetAliasInput", { version: 0 }, "body.version", /^must be a positive integer \(1 to 9999999999\)$/],
    ["SetAliasInput", { version: "3" }, "body.version", /positive integer/],
    ["SetAliasInput", { version: 1.5 }, "body.version", /positive integer/],
    [
      "CreateModelInput",
      { name: "ok", policy: { approvals: { production: { required: 1.5 } } } },
      "body.policy.approvals.production.required",
      /from 0 to 10/,
    ],
    // invalid_format: regex with and without a custom message
    ["CreateVersionInput", version({ semver: "1.0" }), "body.semver", /semantic version/],
    // invalid_value: enums list their values
    [
      "ListVersionsQuery",
      { stage: "prod" },
      "body.stage",
      /^must be one of "development", "staging", "production", "archived"$/,
    ],
    [
      "CreateModelInput",
      { name: "ok", policy: { requirements: { staging: { lineage: ["runid"] } } } },
      "body.policy.requirements.staging.lineage.0",
      /^must be one of "runId", "gitCommit", "datasets"$/,
    ],
    // custom refinements
    [
      "UpdateModelInput",
      {},
      "body",
      /^give at least one of description, owner, tags \(a model's policy is set with PUT \/models\/\{model\}\/policy\)$/,
    ],
    ["UpdateVersionInput", {}, "body", /^give at least one field to change$/],
    [
      "CreateModelInput",
      { name: "ok", policy: { requirements: { staging: { metrics: { auc: {} } } } } },
      "body.policy.requirements.staging.metrics.auc",
      /^give min, max or both$/,
    ],
    // S3's largest object (5 TiB) is a schema rule; above 64 MiB the upload is multipart
    [
      "CreateVersionInput",
      { artifacts: [{ ...artifact, size: 5 * 1024 ** 4 + 1 }] },
      "body.artifacts.0.size",
      /^artifacts are at most 5 TiB \(5497558138880 bytes\), S3's largest object$/,
    ],
    // a body that is not an object at all
    ["CreateModelInput", "fraud", "body", /^must be an object, not a string$/],
    ["CreateModelInput", undefined, "body", /^is required \(expected object\)$/],
  ] as const)("%s %j names the field and the rule", (schema, input, field, message) => {
    const [issue] = issuesOf(() => parseInput(bodySchemas[schema], input, "body"));
    expect(issue?.field).toBe(field);
    expect(issue?.message).toMatch(message);
  });

  it("a 5 TiB artifact is accepted (it is uploaded in parts)", () => {
    expect(
      parseInput(CreateVersionInput, { artifacts: [{ ...artifact, size: 5 * 1024 ** 4 }] }).artifacts,
    ).toHaveLength(1);
  });

  it("no hostile body gets a message that fails to say what is expected", () => {
    const generic = /^(Invalid|Too small|Too big|Expected)\b|Invalid key in record/;
    const schemas = [
      CreateModelInput,
      UpdateModelInput,
      CreateVersionInput,
      UpdateVersionInput,
      SetAliasInput,
    ];
    fc.assert(
      fc.property(fc.constantFrom(...schemas), fc.jsonValue({ maxDepth: 4 }), (schema, body) => {
        try {
          parseInput(schema, body, "body");
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          for (const issue of (error as ValidationError).issues) {
            expect(issue.field).toMatch(/^body/);
            expect(issue.message).not.toMatch(generic);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("path and query integers accept canonical decimal digits only", () => {
  it.each(["0x1", "1e0", "01", " 1", "1 ", "1.0", "+1", "-1", "0", "", "1_000", "١"])(
    "version %j is refused",
    (raw) => {
      expect(issuesOf(() => parseInput(VersionParam, raw, "path.version"))).toEqual([
        {
          field: "path.version",
          message: expect.stringMatching(
            /^must be a whole number from 1 to 9999999999, written in plain decimal digits/,
          ),
        },
      ]);
    },
  );

  it("a version beyond the largest is refused, the largest is read", () => {
    expect(issuesOf(() => parseInput(VersionParam, "10000000000", "path.version"))[0]?.field).toBe(
      "path.version",
    );
    expect(parseInput(VersionParam, "9999999999")).toBe(9_999_999_999);
    expect(parseInput(VersionParam, "12")).toBe(12);
  });

  it.each(["1e1", "0x10", " 10", "10.0", "0", "101", "010"])("limit %j is refused", (limit) => {
    expect(issuesOf(() => parseInput(ListModelsQuery, { limit }, "query"))).toEqual([
      { field: "query.limit", message: expect.stringMatching(/^must be a whole number from 1 to 100/) },
    ]);
  });

  it("limit defaults to 20 and reads what a generated client sends", () => {
    expect(parseInput(ListModelsQuery, {}).limit).toBe(20);
    expect(parseInput(ListModelsQuery, { limit: "5" }).limit).toBe(5);
    expect(parseInput(ListModelsQuery, { limit: "100" }).limit).toBe(100);
  });
});

describe("header rules", () => {
  it("Idempotency-Key is 1-255 visible ASCII characters", () => {
    expect(IdempotencyKey.safeParse("a".repeat(255)).success).toBe(true);
    for (const bad of ["", "a".repeat(256), "has space", "tab\t", "é"]) {
      expect(IdempotencyKey.safeParse(bad).success, bad).toBe(false);
    }
  });

  it("If-Match is * or a list of quoted entity tags", () => {
    for (const good of ["*", '"3"', 'W/"3"', '"1", "3"', '"a,b"'])
      expect(IfMatch.safeParse(good).success, good).toBe(true);
    for (const bad of ["3", '"3', '*, "3"', "", '"3" junk'])
      expect(IfMatch.safeParse(bad).success, bad).toBe(false);
  });
});
