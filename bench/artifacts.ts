/**
 * Upload throughput through the registry's presigned multipart path against a direct multipart
 * upload with `@aws-sdk/lib-storage` to the same S3 emulator, in one run on one machine, plus the
 * verifier's hashing throughput. `npm run bench:artifacts` (size with `ARTIFACT_BENCH_MIB`,
 * default 1024); prints one JSON document and writes `bench/results/artifacts-latest.json`.
 *
 * Both uploads use the same part size and the same number of parts in flight, read the file by
 * offset (one part buffer per worker), and run against s3rver on this machine: what differs is
 * only what the registry adds (the create-version call, fetching part URLs 100 at a time, the
 * completion call) and presigned PUTs instead of the SDK's signed UploadPart.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { RegistryClient } from "../clients/typescript/registry-client.ts";
import { startBenchRegistry } from "./local-registry.ts";
import { resultHeader } from "./report.ts";

const MiB = 1024 ** 2;
const COMMAND = "npm run bench:artifacts";
const SIZE = Number(process.env.ARTIFACT_BENCH_MIB ?? 1024) * MiB;
const PARALLEL = 4;

const log = (line: string) => process.stderr.write(`[bench:artifacts] ${line}\n`);

interface PartInstruction {
  partNumber: number;
  url: string;
}

interface MultipartInstruction {
  path: string;
  uploadId: string;
  partSize: number;
  partCount: number;
  parts: PartInstruction[];
}

async function makeFile(dir: string): Promise<{ file: string; sha256: string; seconds: number }> {
  const file = join(dir, "model.bin");
  const block = randomBytes(4 * MiB);
  const handle = await open(file, "w");
  for (let written = 0; written < SIZE; written += block.length) {
    await handle.write(block, 0, Math.min(block.length, SIZE - written));
  }
  await handle.close();
  const started = performance.now();
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 8 * MiB })) hash.update(chunk as Buffer);
  return { file, sha256: hash.digest("hex"), seconds: (performance.now() - started) / 1000 };
}

/** Runs `work` over `items` with `parallel` workers. */
async function eachParallel<T>(
  items: T[],
  parallel: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i] as T);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

async function expectStatus<T>(
  response: Promise<{ status: number; body: unknown; rawBody: string }>,
  status: number[],
): Promise<T> {
  const r = await response;
  if (!status.includes(r.status)) throw new Error(`unexpected ${r.status}: ${r.rawBody.slice(0, 300)}`);
  return r.body as T;
}

async function throughRegistry(api: RegistryClient, file: string, sha256: string) {
  const model = `bench-${Date.now()}`;
  await expectStatus(api.request({ method: "POST", path: "/models", body: { name: model } }), [201]);
  const started = performance.now();
  const created = await expectStatus<{ version: number; uploads: MultipartInstruction[] }>(
    api.request({
      method: "POST",
      path: `/models/${model}/versions`,
      body: { artifacts: [{ path: "model.bin", size: SIZE, sha256 }] },
    }),
    [201],
  );
  const plan = created.uploads[0] as MultipartInstruction;
  if (!plan.uploadId)
    throw new Error("expected a multipart plan: raise ARTIFACT_BENCH_MIB above the threshold");
  const urls = new Map(plan.parts.map((p) => [p.partNumber, p.url]));
  let urlCalls = 0;
  while (urls.size < plan.partCount) {
    const from = Math.max(...urls.keys()) + 1;
    const more = await expectStatus<{ parts: PartInstruction[] }>(
      api.request({
        method: "POST",
        path: `/models/${model}/versions/${created.version}/uploads`,
        body: { path: plan.path, parts: { from, count: 100 } },
      }),
      [200],
    );
    urlCalls++;
    for (const p of more.parts) urls.set(p.partNumber, p.url);
  }
  const handle = await open(file, "r");
  const etags: { partNumber: number; etag: string }[] = [];
  await eachParallel([...urls.entries()], PARALLEL, async ([partNumber, url]) => {
    const offset = (partNumber - 1) * plan.partSize;
    const length = Math.min(plan.partSize, SIZE - offset);
    const buffer = Buffer.allocUnsafe(length);
    await handle.read(buffer, 0, length, offset);
    const put = await fetch(url, { method: "PUT", body: buffer });
    if (!put.ok) throw new Error(`part ${partNumber}: ${put.status} ${await put.text()}`);
    etags.push({ partNumber, etag: put.headers.get("etag") ?? "" });
  });
  await handle.close();
  await expectStatus(
    api.request({
      method: "POST",
      path: `/models/${model}/versions/${created.version}/uploads/complete`,
      body: {
        path: plan.path,
        uploadId: plan.uploadId,
        parts: etags.sort((a, b) => a.partNumber - b.partNumber),
      },
    }),
    [200],
  );
  const uploadSeconds = (performance.now() - started) / 1000;

  const sealStarted = performance.now();
  await expectStatus(
    api.request({ method: "POST", path: `/models/${model}/versions/${created.version}/seal` }),
    [200, 202],
  );
  for (;;) {
    const version = await expectStatus<{ status: string }>(
      api.request({ method: "GET", path: `/models/${model}/versions/${created.version}` }),
      [200],
    );
    if (version.status === "READY") break;
    if (version.status !== "VERIFYING") throw new Error(`the version ended ${version.status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const verifySeconds = (performance.now() - sealStarted) / 1000;
  return { partSize: plan.partSize, partCount: plan.partCount, urlCalls, uploadSeconds, verifySeconds };
}

async function direct(s3: S3Client, bucket: string, file: string, partSize: number) {
  const started = performance.now();
  await new Upload({
    client: s3,
    params: { Bucket: bucket, Key: `bench/direct-${Date.now()}.bin`, Body: createReadStream(file) },
    partSize,
    queueSize: PARALLEL,
  }).done();
  return { uploadSeconds: (performance.now() - started) / 1000 };
}

const mibPerSecond = (seconds: number) => Math.round((SIZE / MiB / seconds) * 10) / 10;

async function main() {
  const dir = await mkdtemp(join(tmpdir(), "registry-bench-artifacts-"));
  const { registry, publisher: api } = await startBenchRegistry();
  try {
    log(`writing a ${SIZE / MiB} MiB file`);
    const { file, sha256, seconds: hashSeconds } = await makeFile(dir);
    const s3 = new S3Client({
      endpoint: registry.s3Endpoint,
      region: registry.region,
      forcePathStyle: true,
      credentials: registry.registryCredentials,
    });
    // Alternate the two paths, twice each, so neither gets a warmer machine.
    const viaRegistry: Awaited<ReturnType<typeof throughRegistry>>[] = [];
    const viaSdk: Awaited<ReturnType<typeof direct>>[] = [];
    for (let round = 1; round <= 2; round++) {
      log(`round ${round}: through the registry`);
      viaRegistry.push(await throughRegistry(api, file, sha256));
      log(`round ${round}: direct with lib-storage`);
      viaSdk.push(await direct(s3, registry.bucket, file, (viaRegistry[0] as { partSize: number }).partSize));
    }
    const best = (xs: number[]) => Math.min(...xs);
    const registrySeconds = best(viaRegistry.map((r) => r.uploadSeconds));
    const sdkSeconds = best(viaSdk.map((r) => r.uploadSeconds));
    const result = {
      ...resultHeader(COMMAND),
      note: "s3rver and DynamoDB Local on this machine; both uploads write to the same emulator, so the ratio (not the absolute MiB/s) is what carries over to AWS",
      artifactMiB: SIZE / MiB,
      parallelParts: PARALLEL,
      partSizeMiB: (viaRegistry[0]?.partSize ?? 0) / MiB,
      partCount: viaRegistry[0]?.partCount,
      partUrlRequests: viaRegistry[0]?.urlCalls,
      upload: {
        registryPresignedMultipart: {
          runsSeconds: viaRegistry.map((r) => round2(r.uploadSeconds)),
          bestMiBPerSecond: mibPerSecond(registrySeconds),
        },
        directLibStorage: {
          runsSeconds: viaSdk.map((r) => round2(r.uploadSeconds)),
          bestMiBPerSecond: mibPerSecond(sdkSeconds),
        },
        throughputRatio: Math.round((sdkSeconds / registrySeconds) * 100) / 100,
        target: ">= 0.9",
      },
      verifier: {
        sealToReadySeconds: viaRegistry.map((r) => round2(r.verifySeconds)),
        bestMiBPerSecond: mibPerSecond(best(viaRegistry.map((r) => r.verifySeconds))),
        localFileSha256MiBPerSecond: mibPerSecond(hashSeconds),
        note: "seal → READY: the verifier streams the object from the emulator through SHA-256; the local-file figure is the hashing ceiling on this machine",
      },
    };
    const json = `${JSON.stringify(result, null, 2)}\n`;
    process.stdout.write(json);
    await writeFile(join(import.meta.dirname, "results", "artifacts-latest.json"), json);
  } finally {
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;

await main();
