import { describe, expect, it } from "vitest";
import type { S3ArtifactReader } from "#adapters/s3/artifact-reader.ts";
import { readConfig } from "#composition/config.ts";
import { buildReaderCore, deferred, onFirstUse } from "#composition/wiring.ts";

describe("onFirstUse", () => {
  it("makes the value once, however many callers ask at the same time", async () => {
    let made = 0;
    const get = onFirstUse(async () => ({ n: ++made }));
    const values = await Promise.all([get(), get(), get()]);
    expect(made).toBe(1);
    expect(new Set(values).size).toBe(1);
    expect(await get()).toBe(values[0]);
  });

  it("tries again after a failure instead of keeping the rejection", async () => {
    let attempts = 0;
    const get = onFirstUse(async () => {
      attempts++;
      if (attempts === 1) throw new Error("Secrets Manager was unreachable");
      return "key";
    });
    await expect(get()).rejects.toThrow(/unreachable/);
    await expect(get()).resolves.toBe("key");
    await expect(get()).resolves.toBe("key");
    expect(attempts).toBe(2);
  });
});

describe("deferred", () => {
  interface Port {
    greet(name: string): Promise<string>;
    count(): Promise<number>;
  }

  it("gets the adapter on the first call, then calls the method on it with its arguments and `this`", async () => {
    let loads = 0;
    class Adapter implements Port {
      private calls = 0;
      async greet(name: string) {
        this.calls++;
        return `hello ${name}`;
      }
      async count() {
        return this.calls;
      }
    }
    const adapter = onFirstUse(async () => {
      loads++;
      return new Adapter();
    });
    const port: Port = deferred(adapter, ["greet", "count"]);
    expect(loads).toBe(0);
    expect(await port.greet("registry")).toBe("hello registry");
    expect(await port.greet("again")).toBe("hello again");
    expect(await port.count()).toBe(2);
    expect(loads).toBe(1);
  });

  it("surfaces the adapter's load failure from the call that needed it", async () => {
    const port: Port = deferred(async (): Promise<Port> => {
      throw new Error("chunk missing");
    }, ["greet", "count"]);
    await expect(port.greet("x")).rejects.toThrow(/chunk missing/);
  });
});

describe("buildReaderCore (the verifier's core)", () => {
  it("answers reads from the reader it was given at cold start, and refuses uploads and URLs", async () => {
    const calls: string[] = [];
    const reader = {
      uri: (model: string, version: number, path: string) => `s3://b/${model}/${version}/${path}`,
      head: async (model: string) => {
        calls.push(`head ${model}`);
        return { size: 3 };
      },
      digest: async (model: string) => {
        calls.push(`digest ${model}`);
        return { size: 3, sha256: "ab" };
      },
    } as unknown as S3ArtifactReader;
    const config = readConfig({ TABLE_NAME: "t", ARTIFACT_BUCKET: "b" }, { pageTokens: false });
    const core = buildReaderCore(config, { artifactReader: () => reader, logger: { error: () => {} } });
    expect(core.artifacts.uri("m", 1, "w.bin")).toBe("s3://b/m/1/w.bin");
    expect(await core.artifacts.head("m", 1, "w.bin")).toEqual({ size: 3 });
    expect(await core.artifacts.digest("m", 1, "w.bin")).toEqual({ size: 3, sha256: "ab" });
    expect(calls).toEqual(["head m", "digest m"]);
    await expect(core.artifacts.presignGet("m", 1, "w.bin", 60)).rejects.toThrow(
      "this function only reads artifacts",
    );
    await expect(core.artifacts.listParts("m", 1, "w.bin", "u")).rejects.toThrow("only reads artifacts");
  });
});
