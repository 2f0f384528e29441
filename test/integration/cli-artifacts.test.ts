/**
 * The CLI's artifact commands end to end against local mode: `versions create` uploads (single
 * PUT and a 3-part multipart upload), seals and waits for READY; `versions upload` resumes an
 * interrupted multipart upload; `download` writes verified files and refuses tampered bytes.
 */

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../clients/cli/run.ts";
import { uploadCreatedVersion } from "../../clients/typescript/artifact-upload.ts";
import type { ModelVersion } from "../../clients/typescript/types.ts";
import { capturedIo } from "../support/captured-io.ts";
import { client, createModel, principal, registry, uniqueName } from "./support.ts";

const MiB = 1024 ** 2;
/** The memory test's file: 6 parts of 8 MiB, half again the 32 MiB that 4 parts in flight may hold. */
const HUGE_SIZE = 56 * MiB;
const run = promisify(execFile);
const api = client("publisher");

async function cli(argv: string[], fetchFn?: typeof fetch) {
  const { endpoint, region } = registry();
  const { accessKeyId, secretAccessKey } = principal("publisher");
  const output = capturedIo();
  const code = await runCli(["--endpoint", endpoint, "--region", region, ...argv], {
    io: output.io,
    client: { credentials: { accessKeyId, secretAccessKey }, ...(fetchFn && { fetch: fetchFn }) },
    transfer: { poll: { intervalMs: 50, maxIntervalMs: 200 } },
  });
  return { code, stdout: output.stdout, stderr: output.stderr };
}

/** A fetch that counts the PUTs it sends to S3, by part number (0 for a single PUT). */
function countingFetch() {
  const puts: number[] = [];
  const fetchFn: typeof fetch = (input, init) => {
    if (init?.method === "PUT") {
      const url = new URL(input.toString());
      puts.push(Number(url.searchParams.get("partNumber") ?? 0));
    }
    return fetch(input, init);
  };
  return { fetch: fetchFn, puts };
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Writes `size` deterministic bytes 1 MiB at a time, so the test itself never holds the file. */
async function writeBigFile(file: string, size: number, seed: number): Promise<void> {
  const out = createWriteStream(file);
  for (let offset = 0; offset < size; offset += MiB) {
    const chunk = Buffer.alloc(Math.min(MiB, size - offset));
    for (let i = 0; i < chunk.length; i++) chunk[i] = ((offset + i) * seed) % 251;
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

/**
 * Samples the CLI process's memory every 10 ms right after a full GC: what it retains (V8 heap
 * plus the array buffers that hold file bytes), free of the garbage a stream leaves until the
 * next collection; printed with the peak RSS as the process exits.
 */
const MEMORY_PROBE = `data:text/javascript,${encodeURIComponent(`
let peak = 0;
const sample = () => { gc(); const m = process.memoryUsage(); peak = Math.max(peak, m.heapUsed + m.arrayBuffers); };
setInterval(sample, 10).unref();
process.on("exit", () => { sample(); process.stderr.write("\\nretained=" + peak + " maxRSS=" + process.resourceUsage().maxRSS * 1024); });
`)}`;

/** Runs the real CLI (`clients/cli/main.ts`) in a child process; answers its result and its memory peaks. */
async function cliProcess(argv: string[]) {
  const { endpoint, region } = registry();
  const { accessKeyId, secretAccessKey } = principal("publisher");
  const args = ["--expose-gc", "--import", "tsx", "--import", MEMORY_PROBE, "clients/cli/main.ts", ...argv];
  const child = await run(process.execPath, args, {
    env: {
      ...process.env,
      REGISTRY_ENDPOINT: endpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
    },
  }).catch((error: { code: number; stdout: string; stderr: string }) => error);
  const retained = Number(/retained=(\d+)/.exec(child.stderr)?.[1]);
  const maxRss = Number(/maxRSS=(\d+)/.exec(child.stderr)?.[1]);
  return {
    code: "code" in child ? child.code : 0,
    stdout: child.stdout,
    stderr: child.stderr,
    retained,
    maxRss,
  };
}

describe("registry CLI with artifacts", () => {
  let dir = "";
  let small = "";
  let big = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "registry-cli-artifacts-"));
    small = join(dir, "config.json");
    big = join(dir, "weights.bin");
    await writeFile(small, JSON.stringify({ layers: 12, heads: 8 }));
    // 20 MiB: above the test registry's 16 MiB threshold, three parts of 8, 8 and 4 MiB.
    await writeBigFile(big, 20 * MiB, 31);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("versions create uploads a small and a 3-part file, seals and prints the READY version", async () => {
    const model = uniqueName("cli-up");
    await createModel(api, model);
    const counter = countingFetch();
    const run = await cli(
      ["versions", "create", model, "--artifact-file", small, "--artifact-file", big],
      counter.fetch,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const version = JSON.parse(run.stdout) as ModelVersion;
    expect(version).toMatchObject({ model, version: 1, status: "READY" });
    expect(version.artifacts.map((a) => [a.path, a.size, a.upload?.partCount])).toEqual([
      ["config.json", expect.any(Number), undefined],
      ["weights.bin", 20 * MiB, 3],
    ]);
    expect(counter.puts.sort()).toEqual([0, 1, 2, 3]);
  });

  it("the CLI process's memory is bounded by part size × parallelism, not by the file's size", async () => {
    const model = uniqueName("cli-mem");
    await createModel(api, model);
    // Over the largest bound below (4 parts of 8 MiB in flight and one more being read: 40 MiB)
    // by 16 MiB: a CLI that held the whole file would retain at least 56 MiB and fail both bounds.
    const huge = join(dir, "huge.bin");
    await writeBigFile(huge, HUGE_SIZE, 17);
    const baseline = await cliProcess(["versions", "create", model, "--artifact-file", small]);
    expect(baseline.code, baseline.stderr).toBe(0);
    const growth: Record<string, number> = {};
    const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
    for (const parallel of ["1", "4"]) {
      const upload = await cliProcess([
        "versions",
        "create",
        model,
        "--artifact-file",
        huge,
        "--parallel",
        parallel,
      ]);
      expect(upload.code, upload.stderr).toBe(0);
      expect(JSON.parse(upload.stdout)).toMatchObject({ status: "READY" });
      growth[parallel] = upload.retained - baseline.retained;
      console.info(
        `CLI process uploading ${mib(HUGE_SIZE)} in 7 parts of 8 MiB, --parallel ${parallel}: retained heap+buffers peak ` +
          `${mib(upload.retained)} (23-byte file: ${mib(baseline.retained)}, so +${mib(growth[parallel] ?? 0)}); ` +
          `peak RSS ${mib(upload.maxRss)} (23-byte file: ${mib(baseline.maxRss)})`,
      );
    }
    await rm(huge);
    // At most (parallelism + 1) parts: the parts in flight (Node's fetch buffers a streamed body)
    // and the next one being read; measured 8.1 MiB at --parallel 1 and 32.1 MiB at 4.
    const bound = (parallel: number) => (parallel + 1) * 8 * MiB;
    expect(growth["1"]).toBeLessThan(bound(1));
    expect(growth["4"]).toBeLessThan(bound(4));
    expect(HUGE_SIZE - bound(4)).toBeGreaterThanOrEqual(16 * MiB);
  }, 300_000);

  it("download through an alias writes identical files and prints one checksum line per file", async () => {
    const model = uniqueName("cli-dl");
    await createModel(api, model);
    const created = await cli([
      "versions",
      "create",
      model,
      "--artifact-file",
      small,
      "--artifact-file",
      big,
    ]);
    expect(created.code, created.stderr).toBe(0);
    await api.setAlias(model, "champion", 1);

    const to = join(dir, `download-${model}`);
    const run = await cli(["download", model, "champion", "--to", to]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const [smallHash, bigHash] = [await sha256OfFile(small), await sha256OfFile(big)];
    expect(run.stdout).toBe(
      `${smallHash}  ${join(to, "config.json")}\n${bigHash}  ${join(to, "weights.bin")}\n`,
    );
    expect(await sha256OfFile(join(to, "config.json"))).toBe(smallHash);
    expect(await sha256OfFile(join(to, "weights.bin"))).toBe(bigHash);
    expect((await readdir(to)).sort()).toEqual(["config.json", "weights.bin"]);
  });

  it("versions upload resumes an interrupted multipart upload: only the missing parts are sent", async () => {
    const model = uniqueName("cli-resume");
    await createModel(api, model);
    const declared = await cli(["versions", "create", model, "--artifact-file", big, "--no-upload"]);
    expect(declared.code, declared.stderr).toBe(0);
    const created = JSON.parse(declared.stdout) as ModelVersion;
    expect(created.status).toBe("PENDING_UPLOAD");

    // The library uploads part 1, then the connection "drops" for good on the others.
    const interrupted: typeof fetch = (input, init) => {
      const part = new URL(input.toString()).searchParams.get("partNumber");
      if (init?.method === "PUT" && part !== "1")
        return Promise.resolve(new Response("gone", { status: 400 }));
      return fetch(input, init);
    };
    await expect(
      uploadCreatedVersion(api, created, [{ path: "weights.bin", file: big }], {
        fetch: interrupted,
        parallel: 1,
      }),
    ).rejects.toThrow(/part 2: HTTP 400/);

    const counter = countingFetch();
    const run = await cli(["versions", "upload", model, "1", "--artifact-file", big], counter.fetch);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "READY" });
    expect(counter.puts.sort()).toEqual([2, 3]);
  });

  it("bytes written at the key after the seal do not reach a download: it is pinned to the sealed S3 version", async () => {
    const model = uniqueName("cli-pinned");
    await createModel(api, model);
    const created = await cli(["versions", "create", model, "--artifact-file", small]);
    expect(created.code, created.stderr).toBe(0);
    const { s3Endpoint, region, bucket } = registry();
    const s3 = new S3Client({
      endpoint: s3Endpoint,
      region,
      forcePathStyle: true,
      credentials: registry().registryCredentials,
    });
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `models/${model}/versions/1/config.json`,
        Body: Buffer.from('{"layers":13,"heads":8}'),
      }),
    );
    s3.destroy();
    const to = join(dir, `pinned-${model}`);
    const run = await cli(["download", model, "1", "--to", to]);
    expect(run.code, run.stderr).toBe(0);
    expect(await readFile(join(to, "config.json"))).toEqual(await readFile(small));
  });

  it("a download whose bytes are not the sealed ones fails, names the file and leaves nothing behind", async () => {
    const model = uniqueName("cli-tamper");
    await createModel(api, model);
    const created = await cli(["versions", "create", model, "--artifact-file", small]);
    expect(created.code, created.stderr).toBe(0);
    // The download is pinned, so S3 serves the sealed bytes: other bytes come from the network.
    const swapped: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes("versionId=")) return new Response('{"layers":13,"heads":8}', { status: 200 });
      return fetch(input, init);
    };
    const to = join(dir, `tampered-${model}`);
    const run = await cli(["download", model, "1", "--to", to], swapped);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const { error } = JSON.parse(run.stderr) as { error: { code: string; message: string } };
    expect(error.code).toBe("DownloadIntegrity");
    expect(error.message).toContain(join(to, "config.json"));
    expect(await readdir(to)).toEqual([]);
  });

  it("bytes other than the declared ones are refused by S3, and the CLI says which file and how to resume", async () => {
    const model = uniqueName("cli-failed");
    await createModel(api, model);
    // The upload URL is bound to the declared SHA-256 (x-amz-checksum-sha256): S3, and the local
    // S3 likewise, refuses other bytes, so nothing wrong reaches the bucket and the version stays
    // PENDING_UPLOAD. (Wrong bytes that do reach the bucket, through a multipart upload, end FAILED
    // at the verifier: artifacts.test.ts.)
    const other = Buffer.from(JSON.stringify({ layers: 13, heads: 8 }));
    const swapped: typeof fetch = (input, init) =>
      init?.method === "PUT"
        ? fetch(input, { method: "PUT", headers: init.headers, body: other })
        : fetch(input, init);
    const run = await cli(["versions", "create", model, "--artifact-file", small], swapped);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`registry versions upload ${model} 1 --artifact-file ${small}`);
    const error = JSON.parse(run.stderr.slice(run.stderr.indexOf("{"))) as {
      error: { code: string; message: string };
    };
    expect(error.error.message).toMatch(
      /^PUT config\.json: HTTP 400: The SHA256 you specified did not match/,
    );
    const version = await api.request({ method: "GET", path: `/models/${model}/versions/1` });
    expect(version.body).toMatchObject({ status: "PENDING_UPLOAD" });
  });
  it("versions update --file sets a signature and lineage before the upload; once READY they are frozen", async () => {
    const model = uniqueName("cli-patch");
    await createModel(api, model);
    const created = await cli(["versions", "create", model, "--artifact-file", small, "--no-upload"]);
    expect(created.code).toBe(0);
    const signature = { inputs: [{ name: "features", type: "float32", shape: [-1, 64] }], outputs: [] };
    const lineage = { gitCommit: "4f1c2e9a", datasets: [{ name: "d", uri: "s3://b/d/" }] };
    const patch = join(dir, "patch.json");
    await writeFile(patch, JSON.stringify({ signature, lineage }));
    const updated = await cli(["versions", "update", model, "1", "--file", patch, "--format", "onnx"]);
    expect(updated.stderr).toBe("");
    expect(JSON.parse(updated.stdout)).toMatchObject({
      status: "PENDING_UPLOAD",
      signature,
      lineage,
      format: "onnx",
    });

    expect((await cli(["versions", "upload", model, "1", "--artifact-file", small])).code).toBe(0);
    const frozen = await cli(["versions", "update", model, "1", "--file", patch]);
    expect(frozen.code).toBe(1);
    const { error } = JSON.parse(frozen.stderr) as { error: { code: string; message: string } };
    expect(error.code).toBe("VersionFrozen");
    expect(error.message).toMatch(/signature/);
  });
});
