import { describe, expect, it } from "vitest";
import { parseCommandLine, unexpectedFlags } from "../../../clients/cli/args.ts";
import {
  parseArtifactSpec,
  parseLimit,
  parseNumberMap,
  parseStringMap,
  parseVersion,
} from "../../../clients/cli/flag-values.ts";
import { UsageError } from "../../../clients/cli/usage-error.ts";

const SHA = "ab".repeat(32);

describe("command-line parsing", () => {
  it("separates words from flags, repeatable flags collect every value", () => {
    const { words, flags } = parseCommandLine([
      "--endpoint",
      "http://x",
      "versions",
      "create",
      "fraud",
      "--metric",
      "auc=0.91",
      "--metric=loss=0.2",
      "--tag",
      "a=b",
    ]);
    expect(words).toEqual(["versions", "create", "fraud"]);
    expect(flags).toMatchObject({ endpoint: "http://x", metric: ["auc=0.91", "loss=0.2"], tag: ["a=b"] });
  });

  it("turns unknown flags and missing values into usage errors", () => {
    expect(() => parseCommandLine(["models", "list", "--nope"])).toThrow(UsageError);
    expect(() => parseCommandLine(["models", "list", "--limit"])).toThrow(UsageError);
  });

  it("lists flags a command does not take, ignoring the global ones", () => {
    const { flags } = parseCommandLine(["--region", "eu-west-1", "--stage", "production", "--limit", "3"]);
    expect(unexpectedFlags(flags, ["limit"])).toEqual(["stage"]);
  });
});

describe("flag values", () => {
  it("--metric auc=0.91 is a number", () => {
    expect(parseNumberMap("metric", ["auc=0.91", "loss=-1e-3"])).toEqual({ auc: 0.91, loss: -0.001 });
  });

  it("--metric auc=x is a usage error naming the flag", () => {
    expect(() => parseNumberMap("metric", ["auc=x"])).toThrow(UsageError);
    expect(() => parseNumberMap("metric", ["auc=x"])).toThrow(/--metric "auc=x": "x" is not a number/);
    expect(() => parseNumberMap("metric", ["auc="])).toThrow(/--metric/);
    expect(() => parseNumberMap("metric", ["auc=Infinity"])).toThrow(/--metric/);
  });

  it("--tag a=b=c has key a and value b=c", () => {
    expect(parseStringMap("tag", ["a=b=c", "empty="])).toEqual({ a: "b=c", empty: "" });
  });

  it("a flag value without a key is a usage error", () => {
    expect(() => parseStringMap("tag", ["novalue"])).toThrow(/--tag "novalue": expected KEY=VALUE/);
    expect(() => parseStringMap("param", ["=x"])).toThrow(/--param/);
    expect(() => parseStringMap("tag", ["a=1", "a=2"])).toThrow(/given more than once/);
  });

  it("keeps keys such as __proto__ as plain keys", () => {
    const tags = parseStringMap("tag", ["__proto__=x"]);
    expect(JSON.stringify(tags)).toBe('{"__proto__":"x"}');
  });

  it("--limit must be an integer from 1 to 100", () => {
    expect(parseLimit("100")).toBe(100);
    expect(parseLimit(undefined)).toBeUndefined();
    for (const bad of ["0", "101", "1.5", "ten", "-1"]) expect(() => parseLimit(bad)).toThrow(/--limit/);
  });

  it("versions are positive integers", () => {
    expect(parseVersion("VERSION", "12")).toBe(12);
    expect(() => parseVersion("VERSION", "v1")).toThrow(/VERSION "v1": expected an integer >= 1/);
  });

  it("--artifact reads path, size, sha256 and an optional contentType", () => {
    expect(parseArtifactSpec(`path=model.onnx,size=123,sha256=${SHA.toUpperCase()}`)).toEqual({
      path: "model.onnx",
      size: 123,
      sha256: SHA,
    });
    expect(
      parseArtifactSpec(`path=m.bin,size=0,sha256=${SHA},contentType=application/octet-stream`),
    ).toMatchObject({
      contentType: "application/octet-stream",
    });
  });

  it("--artifact explains what is wrong", () => {
    expect(() => parseArtifactSpec("path=m,size=1")).toThrow(/path, size and sha256 are required/);
    expect(() => parseArtifactSpec(`path=m,size=1,sha256=abc`)).toThrow(/64 hexadecimal/);
    expect(() => parseArtifactSpec(`path=m,size=big,sha256=${SHA}`)).toThrow(/size "big"/);
    expect(() => parseArtifactSpec(`path=m,size=1,sha256=${SHA},colour=red`)).toThrow(/unknown key "colour"/);
  });
});
