import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../clients/cli/run.ts";
import type { ModelVersion } from "../../../clients/typescript/types.ts";
import { capturedIo } from "../../support/captured-io.ts";
import { TEST_CREDENTIALS } from "./fake-fetch.ts";
import { fakeTransfer, LATER, REGISTRY, type RegistryCall, type Reply, S3, sha256 } from "./fake-transfer.ts";
import { temporaryDirectory } from "./temporary-directory.ts";

const WEIGHTS = Buffer.from("the weights");
const artifact = { path: "model.onnx", size: WEIGHTS.length, sha256: sha256(WEIGHTS) };
const version = (status: string) =>
  ({ model: "fraud", version: 7, status, artifacts: [artifact] }) as ModelVersion;

/** The registry of one version 7 of fraud: created with a single-PUT URL, sealed READY at once. */
function registry(call: RegistryCall): Reply {
  if (call.method === "POST" && call.path === "/models/fraud/versions")
    return {
      status: 201,
      body: {
        ...version("PENDING_UPLOAD"),
        uploads: [{ path: "model.onnx", method: "PUT", url: `${S3}/put`, headers: {}, expiresAt: LATER }],
      },
    };
  if (call.path.endsWith("/seal")) return { body: version("READY") };
  if (call.path.includes("/artifacts/")) return { body: { ...artifact, url: `${S3}/get`, expiresAt: LATER } };
  if (call.path.endsWith("/aliases/champion"))
    return { body: { model: "fraud", alias: "champion", version: 7 } };
  return { body: version("READY") };
}

async function cli(argv: string[], options: { tty?: boolean } = {}) {
  const fake = fakeTransfer({ registry, s3: (call) => (call.method === "GET" ? { body: WEIGHTS } : {}) });
  const output = capturedIo("", { stderrIsTTY: options.tty ?? false });
  const code = await runCli(["--endpoint", REGISTRY, ...argv], {
    io: output.io,
    client: { credentials: TEST_CREDENTIALS, fetch: fake.fetch },
    transfer: { sleep: async () => {} },
  });
  return { code, stdout: output.stdout, stderr: output.stderr, ...fake };
}

describe("registry CLI artifact commands", () => {
  const dir = temporaryDirectory();
  const weights = async () => {
    const file = join(dir(), "model.onnx");
    await writeFile(file, WEIGHTS);
    return file;
  };

  it("versions create uploads the --artifact-file it declares, seals, and prints the READY version", async () => {
    const run = await cli(["versions", "create", "fraud", "--artifact-file", await weights()]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ version: 7, status: "READY" });
    expect(run.s3Calls.map((call) => [call.method, call.bytes.toString()])).toEqual([["PUT", "the weights"]]);
    expect(run.registryCalls.map((call) => call.path)).toEqual([
      "/models/fraud/versions",
      "/models/fraud/versions/7/seal",
    ]);
  });

  it("draws a progress bar on stderr when it is a terminal, and nothing when it is piped", async () => {
    const file = await weights();
    const onTerminal = await cli(["versions", "create", "fraud", "--artifact-file", file], { tty: true });
    expect(onTerminal.stderr).toBe(`\ruploading [${"#".repeat(24)}] 100% 11 B/11 B  model.onnx\x1b[K\n`);
    const piped = await cli(["versions", "create", "fraud", "--artifact-file", file]);
    expect(piped.stderr).toBe("");
  });

  it("--artifact-dir declares every file below the folder under its relative path", async () => {
    const folder = join(dir(), "bundle");
    await mkdir(join(folder, "tokenizer"), { recursive: true });
    await writeFile(join(folder, "model.onnx"), WEIGHTS);
    await writeFile(join(folder, "tokenizer", "vocab.txt"), "a b c");
    const run = await cli(["versions", "create", "fraud", "--artifact-dir", folder, "--no-upload"]);
    expect(run.code).toBe(0);
    expect(run.registryCalls).toHaveLength(1);
    const body = run.registryCalls[0]?.body as { artifacts: { path: string }[] } | undefined;
    expect(body?.artifacts.map((a) => a.path)).toEqual(["model.onnx", "tokenizer/vocab.txt"]);
  });

  it("download of an alias resolves it once and prints one sha256sum line per file", async () => {
    const to = join(dir(), "out");
    const run = await cli(["download", "fraud", "champion", "--to", to]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${sha256(WEIGHTS)}  ${join(to, "model.onnx")}\n`);
    expect(run.registryCalls.map((call) => call.path)).toEqual([
      "/models/fraud/aliases/champion",
      "/models/fraud/versions/7",
      "/models/fraud/versions/7/artifacts/model.onnx",
    ]);
  });

  it.each([
    [["download", "fraud", "3"], /say where with --to DIR/],
    [
      ["download", "fraud", "3", "--to", "x", "--parallel", "0"],
      /--parallel "0": expected an integer from 1 to 32/,
    ],
    [["versions", "upload", "fraud", "3"], /name the files with --artifact-file or --artifact-dir/],
    [
      ["versions", "upload", "fraud", "3", "--no-upload"],
      /--no-upload: not an option of "registry versions upload"/,
    ],
    [["versions", "upload", "fraud", "latest", "--artifact-file", "f"], /VERSION "latest"/],
    [
      ["versions", "create", "fraud", "--artifact-dir", "/nonexistent-folder"],
      /--artifact-dir \/nonexistent-folder: not a readable folder/,
    ],
  ])("usage error %j exits 2 without a request", async (argv, message) => {
    const run = await cli(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.registryCalls).toHaveLength(0);
  });

  it("--help lists the upload and download commands", async () => {
    const run = await cli(["--help"]);
    expect(run.stdout).toContain(
      "registry versions upload MODEL VERSION --artifact-file FILE... | --artifact-dir DIR...",
    );
    expect(run.stdout).toContain("registry download MODEL VERSION|ALIAS|STAGE --to DIR [--parallel N]");
    expect(run.stdout).toContain("[--no-upload | --no-wait]");
  });
});
