/**
 * The CLI's artifact commands end to end against local mode: `versions create` uploads (single
 * PUT and a 3-part multipart upload), seals and waits for READY; `versions upload` resumes an
 * interrupted multipart upload; `download` writes verified files and refuses tampered bytes.
 */

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../clients/cli/run.ts";
import { uploadCreatedVersion } from "../../clients/lib/artifact-upload.ts";
import type { ModelVersion } from "../../clients/lib/types.ts";
import { S3RVER_CREDENTIALS } from "../../local/s3.ts";
import { client, createModel, principal, registry, uniqueName } from "./support.ts";

const MiB = 1024 ** 2;
const run = promisify(execFile);
const api = client("publisher");

async function cli(argv: string[], fetchFn?: typeof fetch) {
  const { endpoint, region } = registry();
  const { accessKeyId, secretAccessKey } = principal("publisher");
  let stdout = "";
  let stderr = "";
  const code = await runCli(["--endpoint", endpoint, "--region", region, ...argv], {
    io: {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      stdin: async () => "",
    },
    client: { credentials: { accessKeyId, secretAccessKey }, ...(fetchFn && { fetch: fetchFn }) },
    transfer: { poll: { intervalMs: 50, maxIntervalMs: 200 } },
  });
  return { code, stdout, stderr };
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
 * Runs the real CLI (`clients/cli/main.ts`) in a child process and answers its result and its
 * peak resident memory (`maxRSS`, reported by the child as it exits).
 */
async function cliProcess(argv: string[]) {
  const { endpoint, region } = registry();
  const { accessKeyId, secretAccessKey } = principal("publisher");
  const reportPeak =
    'data:text/javascript,process.on("exit",()=>process.stderr.write("\\nmaxRSS="+process.resourceUsage().maxRSS))';
  const child = await run(
    process.execPath,
    ["--import", "tsx", "--import", reportPeak, "clients/cli/main.ts", ...argv],
    {
      env: {
        ...process.env,
        REGISTRY_ENDPOINT: endpoint,
        AWS_REGION: region,
        AWS_ACCESS_KEY_ID: accessKeyId,
        AWS_SECRET_ACCESS_KEY: secretAccessKey,
      },
    },
  ).catch((error: { code: number; stdout: string; stderr: string }) => error);
  const maxRss = Number(/maxRSS=(\d+)/.exec(child.stderr)?.[1]) * 1024;
  return { code: "code" in child ? child.code : 0, stdout: child.stdout, stderr: child.stderr, maxRss };
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

  it("the CLI process uploads 20 MiB in parts without holding the file: its peak memory grows by less than the file", async () => {
    const model = uniqueName("cli-mem");
    await createModel(api, model);
    const baseline = await cliProcess(["versions", "create", model, "--artifact-file", small]);
    expect(baseline.code, baseline.stderr).toBe(0);
    const upload = await cliProcess(["versions", "create", model, "--artifact-file", big]);
    expect(upload.code, upload.stderr).toBe(0);
    expect(JSON.parse(upload.stdout)).toMatchObject({ version: 2, status: "READY" });
    const growth = upload.maxRss - baseline.maxRss;
    console.info(
      `peak RSS of the CLI process: ${(baseline.maxRss / MiB).toFixed(1)} MiB uploading a 23-byte file, ` +
        `${(upload.maxRss / MiB).toFixed(1)} MiB uploading 20 MiB in 3 parts of 8 MiB (parallel 4): ` +
        `+${(growth / MiB).toFixed(1)} MiB`,
    );
    // Parts are streamed from disk: not the file (20 MiB), nor parts × parallelism (up to 20 here).
    expect(growth).toBeLessThan(16 * MiB);
  });

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

  it("a download whose bytes were changed in the bucket fails, names the file and leaves nothing behind", async () => {
    const model = uniqueName("cli-tamper");
    await createModel(api, model);
    const created = await cli(["versions", "create", model, "--artifact-file", small]);
    expect(created.code, created.stderr).toBe(0);
    const { s3Endpoint, region, bucket } = registry();
    const s3 = new S3Client({
      endpoint: s3Endpoint,
      region,
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
    });
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `models/${model}/versions/1/config.json`,
        Body: Buffer.from('{"layers":13,"heads":8}'),
      }),
    );
    s3.destroy();

    const to = join(dir, `tampered-${model}`);
    const run = await cli(["download", model, "1", "--to", to]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const { error } = JSON.parse(run.stderr) as { error: { code: string; message: string } };
    expect(error.code).toBe("DownloadIntegrity");
    expect(error.message).toContain(join(to, "config.json"));
    expect(await readdir(to)).toEqual([]);
  });

  it("a version whose uploaded bytes are wrong ends FAILED, and the CLI says which file", async () => {
    const model = uniqueName("cli-failed");
    await createModel(api, model);
    // s3rver does not check the signed checksum, so other bytes of the same size reach the bucket.
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
    expect(error.error.code).toBe("VerificationFailed");
    expect(error.error.message).toMatch(/config\.json: checksumMismatch/);
  });
});
