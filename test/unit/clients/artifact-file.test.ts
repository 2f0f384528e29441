import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeArtifactFile } from "../../../clients/cli/artifact-file.ts";
import { UsageError } from "../../../clients/cli/usage-error.ts";
import { temporaryDirectory } from "./temporary-directory.ts";

describe("--artifact-file", () => {
  const dir = temporaryDirectory();

  it("declares the file's base name, byte size and SHA-256", async () => {
    const bytes = Buffer.alloc(200_000, "ab\u00e9\n");
    const file = join(dir(), "model.onnx");
    await writeFile(file, bytes);
    expect(await describeArtifactFile(file)).toEqual({
      path: "model.onnx",
      size: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    });
  });

  it("gives the hash of an empty file", async () => {
    const file = join(dir(), "empty.bin");
    await writeFile(file, "");
    expect(await describeArtifactFile(file)).toEqual({
      path: "empty.bin",
      size: 0,
      sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    });
  });

  it("is a usage error for a missing file or a directory", async () => {
    await expect(describeArtifactFile(join(dir(), "nope"))).rejects.toThrow(UsageError);
    await expect(describeArtifactFile(dir())).rejects.toThrow(/--artifact-file .*: not a readable file/);
  });
});
