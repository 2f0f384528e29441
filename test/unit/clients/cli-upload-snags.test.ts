/**
 * What a new user hit with uploads (issue 20, part 2 items 1 and 2): `versions upload` on a
 * sealed version must look at the local files, Ctrl-C must print the resume command and the way
 * to give the version up, and `versions abandon` calls the API.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../clients/cli/run.ts";
import type { ModelVersion } from "../../../clients/typescript/types.ts";
import { capturedIo } from "../../support/captured-io.ts";
import { TEST_CREDENTIALS } from "./fake-fetch.ts";
import { fakeTransfer, LATER, REGISTRY, type RegistryCall, type Reply, S3, sha256 } from "./fake-transfer.ts";
import { temporaryDirectory } from "./temporary-directory.ts";

const OLD = Buffer.from("the weights of v7");
const artifact = { path: "model.onnx", size: OLD.length, sha256: sha256(OLD) };
const version = (status: string) =>
  ({ model: "fraud", version: 7, status, artifacts: [artifact] }) as ModelVersion;

async function cli(
  argv: string[],
  registry: (call: RegistryCall) => Reply,
  options: { onS3?: () => void; interrupt?: { listener?: () => void } } = {},
) {
  const fake = fakeTransfer({
    registry,
    s3: () => {
      options.onS3?.();
      return {};
    },
  });
  const output = capturedIo("", {
    onInterrupt: (listener) => {
      if (options.interrupt) options.interrupt.listener = listener;
      return () => {
        if (options.interrupt) options.interrupt.listener = undefined;
      };
    },
  });
  const code = await runCli(["--endpoint", REGISTRY, ...argv], {
    io: output.io,
    client: { credentials: TEST_CREDENTIALS, fetch: fake.fetch },
    transfer: { sleep: async () => {} },
  });
  return { code, stdout: output.stdout, stderr: output.stderr, ...fake };
}

describe("registry versions upload on a sealed version", () => {
  const dir = temporaryDirectory();

  it("refuses a local file that differs from the declaration: the version is sealed, register a new one", async () => {
    const retrained = join(dir(), "model.onnx");
    await writeFile(retrained, "retrained weights");
    const run = await cli(["versions", "upload", "fraud", "7", "--artifact-file", retrained], () => ({
      body: version("READY"),
    }));
    expect(run.code).toBe(1);
    const error = JSON.parse(run.stderr).error;
    expect(error.code).toBe("VersionSealed");
    expect(error.message).toContain("version 7 of 'fraud' is sealed (READY)");
    expect(error.message).toContain(`registry versions create fraud --artifact-file ${retrained}`);
    expect(run.stderr).not.toContain("resume it with");
    expect(run.s3Calls).toHaveLength(0);
    expect(run.stdout).toBe("");
  });

  it("answers the READY version when the local files are the declared ones", async () => {
    const same = join(dir(), "model.onnx");
    await writeFile(same, OLD);
    const run = await cli(["versions", "upload", "fraud", "7", "--artifact-file", same], () => ({
      body: version("READY"),
    }));
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "READY" });
  });

  it("refuses any upload to an ABANDONED version and says how to register a new one", async () => {
    const file = join(dir(), "model.onnx");
    await writeFile(file, OLD);
    const run = await cli(["versions", "upload", "fraud", "7", "--artifact-file", file], () => ({
      body: version("ABANDONED"),
    }));
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stderr).error).toMatchObject({ code: "VersionAbandoned" });
    expect(run.stderr).toContain("registry versions create fraud");
  });
});

describe("Ctrl-C during an upload", () => {
  const dir = temporaryDirectory();

  it("prints the command that resumes it and the one that abandons the version", async () => {
    await mkdir(join(dir(), "my run"));
    const file = join(dir(), "my run", "model.onnx");
    await writeFile(file, OLD);
    const interrupt: { listener?: () => void } = {};
    let heard = "";
    const registry = (call: RegistryCall): Reply => {
      if (call.method === "POST" && call.path === "/models/fraud/versions")
        return {
          status: 201,
          body: {
            ...version("PENDING_UPLOAD"),
            uploads: [{ path: "model.onnx", method: "PUT", url: `${S3}/put`, headers: {}, expiresAt: LATER }],
          },
        };
      return { body: version("READY") };
    };
    const run = await cli(["versions", "create", "fraud", "--artifact-file", file], registry, {
      interrupt,
      // The user presses Ctrl-C while the bytes are on their way.
      onS3: () => {
        expect(interrupt.listener).toBeDefined();
        interrupt.listener?.();
        heard = "interrupted";
      },
    });
    expect(heard).toBe("interrupted");
    expect(run.stderr).toContain("upload of version 7 of 'fraud' interrupted; resume it with: ");
    expect(run.stderr).toContain(`registry versions upload fraud 7 --artifact-file '${file}'`);
    expect(run.stderr).toContain("or give it up with: registry versions abandon fraud 7");
    // Once the upload is over, Ctrl-C no longer prints it.
    expect(interrupt.listener).toBeUndefined();
  });
});

describe("registry versions abandon", () => {
  it("POSTs the abandon route (with an Idempotency-Key when given) and prints the ABANDONED version", async () => {
    const run = await cli(["versions", "abandon", "fraud", "7", "--idempotency-key", "k-1"], () => ({
      body: version("ABANDONED"),
    }));
    expect(run.code).toBe(0);
    expect(run.registryCalls.map((c) => `${c.method} ${c.path}`)).toEqual([
      "POST /models/fraud/versions/7/abandon",
    ]);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "ABANDONED" });
  });
});
