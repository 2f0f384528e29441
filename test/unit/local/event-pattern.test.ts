/**
 * The local bus's matcher against the examples of AWS's EventBridge documentation. Each case
 * names the page it comes from:
 * - SYNTAX:    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html
 * - FILTERING: https://docs.aws.amazon.com/eventbridge/latest/userguide/content-filtering-with-event-patterns.html
 * - OPERATORS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 * - ARRAYS:    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEPLOY_PIPELINE_RULE, deployPipelineRule } from "#core/events/catalog.ts";
import {
  compileEventPattern,
  InvalidEventPatternError,
  matchesEventPattern,
} from "../../../local/event-pattern.ts";

type Case = [description: string, pattern: object, event: object, matches: boolean];

/** Cases that share one pattern: each names an event and whether the pattern matches it. */
function samePattern(
  pattern: object,
  rows: [description: string, event: object, matches: boolean][],
): Case[] {
  return rows.map(([description, event, matches]) => [description, pattern, event, matches]);
}

const ec2Event = {
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "111122223333",
  time: "2017-12-22T18:43:48Z",
  region: "us-west-1",
  resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
  detail: { "instance-id": "i-1234567890abcdef0", state: "terminated" },
};

const cases: Case[] = [
  // SYNTAX: the introductory example, and "the event must contain all the field names listed".
  [
    "SYNTAX source, detail-type and detail.state",
    {
      source: ["aws.ec2"],
      "detail-type": ["EC2 Instance State-change Notification"],
      detail: { state: ["terminated"] },
    },
    ec2Event,
    true,
  ],
  ["SYNTAX a listed value of another state", { detail: { state: ["running"] } }, ec2Event, false],
  ["SYNTAX several values are alternatives", { source: ["aws.ec2", "aws.fargate"] }, ec2Event, true],
  ["SYNTAX a field the event lacks", { detail: { "instance-type": ["t2.micro"] } }, ec2Event, false],
  ["SYNTAX matching is case-sensitive", { source: ["AWS.EC2"] }, ec2Event, false],
  // FILTERING: prefix.
  ...samePattern({ time: [{ prefix: "2017-10-02" }] }, [
    ["FILTERING prefix on time", { time: "2017-10-02T18:43:48Z" }, true],
    ["FILTERING prefix does not match another day", { time: "2017-10-03T00:00:00Z" }, false],
  ]),
  [
    "FILTERING prefix with equals-ignore-case",
    { detail: { service: [{ prefix: { "equals-ignore-case": "EventB" } }] } },
    { detail: { service: "eventbridge" } },
    true,
  ],
  // FILTERING: suffix.
  ...samePattern({ FileName: [{ suffix: ".png" }] }, [
    ["FILTERING suffix .png", { FileName: "image.png" }, true],
    ["FILTERING suffix .png is case-sensitive", { FileName: "image.PNG" }, false],
  ]),
  [
    "FILTERING suffix with equals-ignore-case",
    { detail: { FileName: [{ suffix: { "equals-ignore-case": ".png" } }] } },
    { detail: { FileName: "IMAGE.PNG" } },
    true,
  ],
  // FILTERING: anything-but.
  ...samePattern({ detail: { state: [{ "anything-but": "initializing" }] } }, [
    ["FILTERING anything-but a string", { detail: { state: "running" } }, true],
    ["FILTERING anything-but the same string", { detail: { state: "initializing" } }, false],
  ]),
  ...samePattern({ detail: { "x-limit": [{ "anything-but": 123 }] } }, [
    ["FILTERING anything-but a number", { detail: { "x-limit": 456 } }, true],
    ["FILTERING anything-but the same number", { detail: { "x-limit": 123 } }, false],
  ]),
  [
    "FILTERING anything-but a list of strings",
    { detail: { state: [{ "anything-but": ["stopped", "overloaded"] }] } },
    { detail: { state: "overloaded" } },
    false,
  ],
  [
    "FILTERING anything-but a list of numbers",
    { detail: { "x-limit": [{ "anything-but": [100, 200, 300] }] } },
    { detail: { "x-limit": 150 } },
    true,
  ],
  [
    "FILTERING anything-but a prefix",
    { detail: { state: [{ "anything-but": { prefix: "init" } }] } },
    { detail: { state: "initializing" } },
    false,
  ],
  [
    "FILTERING anything-but a suffix",
    { detail: { FileName: [{ "anything-but": { suffix: ".txt" } }] } },
    { detail: { FileName: "notes.md" } },
    true,
  ],
  [
    "FILTERING anything-but equals-ignore-case",
    { detail: { state: [{ "anything-but": { "equals-ignore-case": "initializing" } }] } },
    { detail: { state: "INITIALIZING" } },
    false,
  ],
  [
    "FILTERING anything-but equals-ignore-case of a list",
    { detail: { state: [{ "anything-but": { "equals-ignore-case": ["initializing", "stopped"] } }] } },
    { detail: { state: "Running" } },
    true,
  ],
  [
    "OPERATORS anything-but a wildcard",
    { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] },
    { FilePath: "dir/lib/file.txt" },
    false,
  ],
  [
    "OPERATORS anything-but needs the field",
    { state: [{ "anything-but": "initializing" }] },
    { other: 1 },
    false,
  ],
  // FILTERING: numeric.
  [
    "FILTERING numeric ranges and equality",
    {
      detail: {
        "c-count": [{ numeric: [">", 0, "<=", 5] }],
        "d-count": [{ numeric: ["<", 10] }],
        "x-limit": [{ numeric: ["=", 3.018e2] }],
      },
    },
    { detail: { "c-count": 5, "d-count": 7, "x-limit": 301.8 } },
    true,
  ],
  ["FILTERING numeric excludes the open bound", { n: [{ numeric: [">", 0, "<=", 5] }] }, { n: 0 }, false],
  ["FILTERING numeric >= includes the bound", { n: [{ numeric: [">=", 10] }] }, { n: 10 }, true],
  ["FILTERING numeric does not match a numeric string", { n: [{ numeric: ["<", 10] }] }, { n: "3" }, false],
  // FILTERING: IP address.
  ...samePattern({ detail: { "source-ip": [{ cidr: "10.0.0.0/24" }] } }, [
    ["FILTERING cidr inside the block", { detail: { "source-ip": "10.0.0.255" } }, true],
    ["FILTERING cidr outside the block", { detail: { "source-ip": "10.0.1.1" } }, false],
  ]),
  // FILTERING: exists.
  ...samePattern({ detail: { state: [{ exists: true }] } }, [
    ["FILTERING exists true", { detail: { state: "initializing" } }, true],
    ["FILTERING exists true on a missing field", { detail: {} }, false],
  ]),
  ...samePattern({ detail: { "c-count": [{ exists: false }] } }, [
    ["FILTERING exists false", { detail: { state: "x" } }, true],
    ["FILTERING exists false on a present field", { detail: { "c-count": 1 } }, false],
  ]),
  [
    "FILTERING exists works on leaf nodes only",
    { detail: [{ exists: true }] },
    { detail: { state: "x" } },
    false,
  ],
  // FILTERING / OPERATORS: equals-ignore-case, empty, null.
  ["OPERATORS equals-ignore-case", { Name: [{ "equals-ignore-case": "alice" }] }, { Name: "ALICE" }, true],
  ["OPERATORS empty string", { LastName: [""] }, { LastName: "" }, true],
  ["OPERATORS null matches null", { UserID: [null] }, { UserID: null }, true],
  ["OPERATORS null does not match a missing field", { UserID: [null] }, {}, false],
  // FILTERING: wildcard.
  [
    "FILTERING wildcard in an ARN",
    { EventBusArn: [{ wildcard: "arn:aws:events:us-east-1:*:event-bus/*" }] },
    { EventBusArn: "arn:aws:events:us-east-1:123456789012:event-bus/model-registry" },
    true,
  ],
  ...samePattern({ Filename: [{ wildcard: "dir/*.png" }] }, [
    ["FILTERING wildcard file name", { Filename: "dir/a/b.png" }, true],
    ["FILTERING wildcard does not match another extension", { Filename: "dir/b.jpg" }, false],
  ]),
  [
    "FILTERING wildcard escaped star is literal",
    { Filename: [{ wildcard: "a\\*b" }] },
    { Filename: "axb" },
    false,
  ],
  // FILTERING: $or.
  [
    "FILTERING $or: one alternative suffices",
    {
      detail: {
        $or: [
          { "c-count": [{ numeric: [">", 0, "<=", 5] }] },
          { "d-count": [{ numeric: ["<", 10] }] },
          { "x-limit": [{ numeric: ["=", 3.018e2] }] },
        ],
      },
    },
    { detail: { "c-count": 50, "d-count": 20, "x-limit": 301.8 } },
    true,
  ],
  [
    "FILTERING $or: none holds",
    {
      detail: {
        $or: [{ "c-count": [{ numeric: [">", 0, "<=", 5] }] }, { "d-count": [{ numeric: ["<", 10] }] }],
      },
    },
    { detail: { "c-count": 50, "d-count": 20 } },
    false,
  ],
  [
    "FILTERING $or beside other fields (AND)",
    { source: ["aws.ec2"], $or: [{ "detail-type": ["nope"] }, { detail: { state: ["terminated"] } }] },
    ec2Event,
    true,
  ],
  // ARRAYS: a field whose value is an array matches if the arrays intersect.
  [
    "ARRAYS resources intersect",
    {
      resources: [
        "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
        "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
        "arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f",
      ],
    },
    {
      resources: [
        "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate",
        "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
      ],
    },
    true,
  ],
  ["ARRAYS no common element", { resources: ["a"] }, { resources: ["b", "c"] }, false],
  [
    "ARRAYS of objects: both conditions on one element",
    { detail: { artifacts: { path: ["model.onnx"], size: [{ numeric: [">", 100] }] } } },
    {
      detail: {
        artifacts: [
          { path: "model.onnx", size: 5 },
          { path: "vocab.json", size: 500 },
        ],
      },
    },
    false,
  ],
  [
    "ARRAYS of objects: an element that matches",
    { detail: { artifacts: { path: [{ suffix: ".onnx" }] } } },
    { detail: { artifacts: [{ path: "vocab.json" }, { path: "model.onnx" }] } },
    true,
  ],
];

describe("the local event-pattern matcher", () => {
  it.each(cases)("%s", (_description, pattern, event, expected) => {
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });

  it("refuses malformed patterns instead of matching nothing silently", () => {
    for (const bad of [
      { source: "aws.ec2" },
      { source: [] },
      { n: [{ numeric: [">", "5"] }] },
      { n: [{ "no-such-operator": 1 }] },
      { $or: [{ a: ["x"] }] },
      { n: [{ cidr: "10.0.0.0/40" }] },
    ]) {
      expect(() => compileEventPattern(bad), JSON.stringify(bad)).toThrow(InvalidEventPatternError);
    }
  });
});

describe("the deploy-pipeline rule (EVENTS.md)", () => {
  const examples = fileURLToPath(new URL("../../../event-schemas/examples/", import.meta.url));
  const matches = compileEventPattern(DEPLOY_PIPELINE_RULE);
  const read = (name: string) => JSON.parse(readFileSync(join(examples, name), "utf8"));

  it("matches the example of a version entering production", () => {
    expect(matches(read("model-version-stage-changed.json"))).toBe(true);
  });

  it("matches no other example event", () => {
    const others = readdirSync(examples).filter((name) => name !== "model-version-stage-changed.json");
    expect(others.length).toBeGreaterThan(5);
    for (const name of others) expect(matches(read(name)), name).toBe(false);
  });

  it("does not match a stage change to staging, or from another source", () => {
    const example = read("model-version-stage-changed.json");
    expect(matches({ ...example, detail: { ...example.detail, to: "staging" } })).toBe(false);
    expect(matches({ ...example, source: "someone-else" })).toBe(false);
    expect(
      compileEventPattern(deployPipelineRule("someone-else"))({ ...example, source: "someone-else" }),
    ).toBe(true);
  });
});
