import { describe, expect, it } from "vitest";
import { CreateModelInput, CreateVersionInput, Metrics, Params, Policy, Tags } from "#core/schemas.ts";
import { parseInput } from "#core/validation.ts";
import { artifact, issuesOf } from "./validation-support.ts";

const PROTOTYPE_NAMES = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf"];

/** Request bodies arrive through JSON.parse, which makes `__proto__` an ordinary own key. */
const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

describe("maps with user-chosen keys keep every key as an own property", () => {
  it.each(PROTOTYPE_NAMES)("a tag named %s is stored exactly, in an object without a prototype", (key) => {
    const tags = parseInput(Tags, json(`{${JSON.stringify(key)}: "x", "team": "risk"}`));
    expect(Object.getPrototypeOf(tags)).toBeNull();
    expect(Object.keys(tags)).toEqual([key, "team"]);
    expect(Object.getOwnPropertyDescriptor(tags, key)?.value).toBe("x");
    expect(JSON.parse(JSON.stringify(tags))).toEqual(json(`{${JSON.stringify(key)}: "x", "team": "risk"}`));
  });

  it.each(PROTOTYPE_NAMES)("a metric and a param named %s survive a version body", (key) => {
    const body = json(
      `{"artifacts": [${JSON.stringify(artifact)}], "metrics": {${JSON.stringify(key)}: 0.5}, "params": {${JSON.stringify(key)}: "p"}, "tags": {${JSON.stringify(key)}: "t"}}`,
    );
    const parsed = parseInput(CreateVersionInput, body, "body");
    expect(Object.getOwnPropertyDescriptor(parsed.metrics, key)?.value).toBe(0.5);
    expect(Object.getOwnPropertyDescriptor(parsed.params, key)?.value).toBe("p");
    expect(Object.getOwnPropertyDescriptor(parsed.tags, key)?.value).toBe("t");
  });

  it("a policy metric threshold named __proto__ is kept", () => {
    const policy = parseInput(
      Policy,
      json(
        '{"requirements": {"staging": {"metrics": {"__proto__": {"min": 0.5}, "constructor": {"max": 2}}}}}',
      ),
    );
    const thresholds = policy.requirements?.staging?.metrics ?? {};
    expect(Object.keys(thresholds)).toEqual(["__proto__", "constructor"]);
    expect(Object.getOwnPropertyDescriptor(thresholds, "__proto__")?.value).toEqual({ min: 0.5 });
  });

  it("an invalid value under __proto__ is refused with a 400 naming it, not dropped", () => {
    expect(issuesOf(() => parseInput(Metrics, json('{"__proto__": "high"}'), "body.metrics"))).toEqual([
      { field: "body.metrics.__proto__", message: "metric values must be finite numbers" },
    ]);
  });

  it("a __proto__ or constructor key in a fixed-shape object is an unknown field, not a silent drop", () => {
    expect(
      issuesOf(() => parseInput(CreateModelInput, json('{"name": "ok", "__proto__": {"x": 1}}'), "body")),
    ).toEqual([
      { field: "body.__proto__", message: "is not a known field: remove it or check its spelling" },
    ]);
    expect(
      issuesOf(() =>
        parseInput(Policy, json('{"approvals": {"__proto__": {"required": 1}}}'), "body.policy"),
      ),
    ).toEqual([
      {
        field: "body.policy.approvals.__proto__",
        message: "is not a known field: remove it or check its spelling",
      },
    ]);
  });
});

describe("map keys have explicit rules, and a refused key is named with the rule", () => {
  it.each([
    ["", 'body.metrics[""]'],
    [" auc", 'body.metrics[" auc"]'],
    ["auc\n", 'body.metrics["auc\\n"]'],
    ["a\u0000b", 'body.metrics["a\\u0000b"]'],
    ["a\u202eb", 'body.metrics["a\u202eb"]'],
    ["x".repeat(251), `body.metrics.${"x".repeat(251)}`],
  ])("metric name %j", (key, field) => {
    const issues = issuesOf(() =>
      parseInput(CreateVersionInput, { artifacts: [artifact], metrics: { [key]: 1 } }, "body"),
    );
    expect(issues).toEqual([
      { field, message: expect.stringMatching(/^metric names must be 1-250 printable/) },
    ]);
  });

  it("accepts the names ML tools log: slashes, @, spaces inside, brackets, unicode", () => {
    const metrics = {
      "val/loss": 1,
      "precision@10": 0.5,
      "f1 (macro)": 0.7,
      "accuracy[test]": 0.9,
      größe: 1,
    };
    expect({ ...parseInput(Metrics, metrics) }).toEqual(metrics);
  });

  it("a param name breaking the rule says it is a param name", () => {
    expect(issuesOf(() => parseInput(Params, { "": "x" }, "body.params"))).toEqual([
      { field: 'body.params[""]', message: expect.stringMatching(/^param names must be 1-250/) },
    ]);
  });

  it("a tag key breaking the pattern is quoted in the field and the rule is given", () => {
    expect(
      issuesOf(() => parseInput(CreateModelInput, { name: "ok", tags: { "bad key!": "x" } }, "body")),
    ).toEqual([
      {
        field: 'body.tags["bad key!"]',
        message: "tag keys are 1-128 letters, digits, spaces or _ . : / = + - @",
      },
    ]);
  });

  it("too many entries say how many are allowed and how many were sent", () => {
    const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]));
    expect(issuesOf(() => parseInput(CreateModelInput, { name: "ok", tags }, "body"))).toEqual([
      { field: "body.tags", message: "at most 50 tags (got 51)" },
    ]);
  });

  it("a map that is not an object says what it must be", () => {
    expect(issuesOf(() => parseInput(CreateModelInput, { name: "ok", tags: ["a"] }, "body"))).toEqual([
      { field: "body.tags", message: "must be an object of tags" },
    ]);
  });
});

describe("free numbers stay within what DynamoDB can store", () => {
  it.each([1e-131, -1e-131, 5e-324, 1e126, -1e126, 1.7976931348623157e308])("%d is refused", (value) => {
    expect(
      issuesOf(() =>
        parseInput(CreateVersionInput, { artifacts: [artifact], metrics: { m: value } }, "body"),
      ),
    ).toEqual([
      {
        field: "body.metrics.m",
        message: "must be 0 or have a magnitude between 1e-130 and 9.99e125 (DynamoDB's number range)",
      },
    ]);
  });

  it.each([0, -0, 1e-130, -1e-130, 9.999999999999998e125, -9.999999999999998e125, 1e16, 3e21, -1e20, 0.1])(
    "%d is accepted",
    (value) => {
      expect(parseInput(Metrics, { m: value }).m).toBe(value);
    },
  );

  it("policy thresholds follow the same range", () => {
    const [issue] = issuesOf(() =>
      parseInput(Policy, { requirements: { staging: { metrics: { auc: { min: 1e-200 } } } } }, "body.policy"),
    );
    expect(issue).toEqual({
      field: "body.policy.requirements.staging.metrics.auc.min",
      message: expect.stringMatching(/DynamoDB's number range/),
    });
  });
});
