import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { downloadVersion } from "../../../clients/typescript/artifact-download.ts";
import {
  DownloadIntegrityError,
  VerificationFailedError,
} from "../../../clients/typescript/artifact-errors.ts";
import {
  partRange,
  resumeUpload,
  uploadCreatedVersion,
} from "../../../clients/typescript/artifact-upload.ts";
import type { TransferProgress } from "../../../clients/typescript/transfer.ts";
import { backoffDelay, DEFAULT_RETRY } from "../../../clients/typescript/transfer.ts";
import type { ModelVersion } from "../../../clients/typescript/types.ts";
import {
  fakeTransfer,
  instantRetries,
  LATER,
  md5,
  parts,
  type RegistryCall,
  type Reply,
  S3,
  sha256,
} from "./fake-transfer.ts";
import { temporaryDirectory } from "./temporary-directory.ts";

const BIG = Buffer.from(Array.from({ length: 2500 }, (_, i) => (i * 7) % 256));
const SMALL = Buffer.from("small weights");

function version(status: string, artifacts: ModelVersion["artifacts"], extra: Partial<ModelVersion> = {}) {
  return { model: "fraud", version: 3, status, artifacts, ...extra } as ModelVersion;
}

const bigArtifact = {
  path: "big.bin",
  size: BIG.length,
  sha256: sha256(BIG),
  upload: { uploadId: "up-1", partSize: 1000, partCount: 3 },
};
const smallArtifact = { path: "small.bin", size: SMALL.length, sha256: sha256(SMALL) };

/** The upload instruction for big.bin carrying the URLs of the given parts. */
function bigUpload(numbers: number[], extra: { expiresAt?: string; missingParts?: number } = {}) {
  return {
    path: "big.bin",
    uploadId: "up-1",
    partSize: 1000,
    partCount: 3,
    parts: parts("big.bin", numbers),
    expiresAt: LATER,
    ...extra,
  };
}

/** The create response for big.bin, carrying the URLs of the given parts. */
function createdBig(numbers: number[], expiresAt = LATER) {
  return { ...version("PENDING_UPLOAD", [bigArtifact]), uploads: [bigUpload(numbers, { expiresAt })] };
}

/** The registry's side of a version of fraud: uploads, completion, seal (202) and READY on the first poll. */
function registrySide(overrides: (call: RegistryCall) => Reply | undefined = () => undefined) {
  return (call: RegistryCall): Reply => {
    const override = overrides(call);
    if (override) return override;
    if (call.path.endsWith("/uploads/complete"))
      return { body: { path: "big.bin", uploadId: "up-1", size: BIG.length } };
    if (call.path.endsWith("/uploads")) {
      const asked = (call.body as { parts?: { from: number; count: number } }).parts;
      const numbers = asked ? Array.from({ length: asked.count }, (_, i) => asked.from + i) : [];
      return {
        body: bigUpload(numbers),
      };
    }
    if (call.path.endsWith("/seal")) return { status: 202, body: version("VERIFYING", [bigArtifact]) };
    return { body: version("READY", [bigArtifact]) };
  };
}

describe("uploading a created version", () => {
  const dir = temporaryDirectory();
  const files = async () => {
    const big = join(dir(), "big.bin");
    const small = join(dir(), "small.bin");
    await writeFile(big, BIG);
    await writeFile(small, SMALL);
    return { big, small };
  };

  it("reads each part by offset, fetches the URLs the create response lacked with {from, count}, completes, seals and waits for READY", async () => {
    const { big } = await files();
    const fake = fakeTransfer({ registry: registrySide() });
    const created = createdBig([1]);
    const progress: TransferProgress[] = [];
    const result = await uploadCreatedVersion(fake.client, created, [{ path: "big.bin", file: big }], {
      ...instantRetries().options,
      fetch: fake.fetch,
      onProgress: (p) => progress.push(p),
    });

    expect(result.version.status).toBe("READY");
    const sent = new Map(fake.s3Calls.map((call) => [call.partNumber, call]));
    for (const n of [1, 2, 3]) {
      const { start, length } = partRange(n, 1000, BIG.length);
      expect(sent.get(n)?.bytes).toEqual(BIG.subarray(start, start + length));
      expect(sent.get(n)?.headers["content-length"]).toBe(String(length));
    }
    expect(fake.registryCalls.map((call) => [call.method, call.path, call.body])).toEqual([
      ["POST", "/models/fraud/versions/3/uploads", { path: "big.bin", parts: { from: 2, count: 2 } }],
      [
        "POST",
        "/models/fraud/versions/3/uploads/complete",
        {
          path: "big.bin",
          uploadId: "up-1",
          parts: [1, 2, 3].map((n) => ({
            partNumber: n,
            etag: `"${md5(BIG.subarray((n - 1) * 1000, n * 1000))}"`,
          })),
        },
      ],
      ["POST", "/models/fraud/versions/3/seal", undefined],
      ["GET", "/models/fraud/versions/3", undefined],
    ]);
    expect(progress.at(-1)).toEqual({
      path: "big.bin",
      fileBytes: 2500,
      fileTotal: 2500,
      bytes: 2500,
      total: 2500,
    });
  });

  it("retries a part on 500 with growing back-off and asks for a fresh URL after a 403", async () => {
    const { big } = await files();
    const retries = instantRetries();
    const failures = new Map([
      [2, [500, 503]],
      [3, [403]],
    ]);
    const fake = fakeTransfer({
      registry: registrySide(),
      s3: (call) => ({ status: failures.get(call.partNumber ?? 0)?.shift() ?? 200 }),
    });
    const created = createdBig([1, 2, 3]);
    await uploadCreatedVersion(fake.client, created, [{ path: "big.bin", file: big }], {
      ...retries.options,
      fetch: fake.fetch,
      parallel: 1,
    });

    expect(fake.s3Calls.map((call) => call.partNumber)).toEqual([1, 2, 2, 2, 3, 3]);
    const policy = { ...DEFAULT_RETRY };
    expect(retries.sleeps).toEqual([backoffDelay(policy, 0, () => 0.5), backoffDelay(policy, 1, () => 0.5)]);
    expect(retries.sleeps[1]).toBeGreaterThan(retries.sleeps[0] as number);
    expect(fake.registryCalls[0]?.body).toEqual({ path: "big.bin", parts: { from: 3, count: 1 } });
  });

  it("renews URLs that are about to expire before sending, and gives up on a 400 naming the part", async () => {
    const { big } = await files();
    const fake = fakeTransfer({
      registry: registrySide(),
      s3: (call) => ({ status: call.partNumber === 2 ? 400 : 200 }),
    });
    const soon = new Date(Date.now() + 10_000).toISOString();
    const created = createdBig([1, 2, 3], soon);
    await expect(
      uploadCreatedVersion(fake.client, created, [{ path: "big.bin", file: big }], {
        ...instantRetries().options,
        fetch: fake.fetch,
        parallel: 1,
      }),
    ).rejects.toThrow("PUT big.bin part 2: HTTP 400");
    expect(fake.registryCalls[0]?.body).toEqual({ path: "big.bin", parts: { from: 1, count: 3 } });
  });

  it("PUTs a single upload with exactly the returned headers, and seals at once on 200", async () => {
    const { small } = await files();
    const headers = {
      "content-type": "application/octet-stream",
      "x-amz-checksum-sha256": "abc=",
      "if-none-match": "*",
    };
    const fake = fakeTransfer({
      registry: (call) =>
        call.path.endsWith("/seal") ? { body: version("READY", [smallArtifact]) } : { status: 500 },
    });
    const created = {
      ...version("PENDING_UPLOAD", [smallArtifact]),
      uploads: [{ path: "small.bin", method: "PUT" as const, url: `${S3}/small`, headers, expiresAt: LATER }],
    };
    const result = await uploadCreatedVersion(fake.client, created, [{ path: "small.bin", file: small }], {
      ...instantRetries().options,
      fetch: fake.fetch,
    });
    expect(result.version.status).toBe("READY");
    expect(fake.s3Calls).toHaveLength(1);
    expect(fake.s3Calls[0]?.headers).toEqual({ ...headers, "content-length": String(SMALL.length) });
    expect(fake.s3Calls[0]?.bytes).toEqual(SMALL);
  });

  it("FAILED verification is an error listing each wrong file", async () => {
    const { small } = await files();
    const failed = version("FAILED", [smallArtifact], {
      verification: {
        status: "FAILED",
        startedAt: LATER,
        requestedBy: "me",
        artifacts: [
          {
            path: "small.bin",
            status: "checksumMismatch",
            expected: { size: 13, sha256: "aa" },
            actual: { size: 13, sha256: "bb" },
          },
        ],
      },
    });
    const fake = fakeTransfer({
      registry: (call) =>
        call.path.endsWith("/seal")
          ? { status: 202, body: version("VERIFYING", [smallArtifact]) }
          : { body: failed },
    });
    const created = {
      ...version("PENDING_UPLOAD", [smallArtifact]),
      uploads: [{ path: "small.bin", url: `${S3}/small`, headers: {}, expiresAt: LATER }],
    };
    const upload = uploadCreatedVersion(fake.client, created, [{ path: "small.bin", file: small }], {
      ...instantRetries().options,
      fetch: fake.fetch,
    });
    await expect(upload).rejects.toThrow(VerificationFailedError);
    await expect(upload).rejects.toThrow(
      /small\.bin: checksumMismatch \(expected 13 bytes, sha256 aa; found 13 bytes, sha256 bb\)/,
    );
  });
});

describe("resuming an upload", () => {
  const dir = temporaryDirectory();

  it("sends only the parts S3 lacks and completes with the MD5 ETags of the parts already there", async () => {
    const big = join(dir(), "big.bin");
    await writeFile(big, BIG);
    const fake = fakeTransfer({
      registry: registrySide((call) => {
        if (call.method === "GET" && call.path === "/models/fraud/versions/3" && !sealed)
          return { body: version("PENDING_UPLOAD", [bigArtifact]) };
        if (call.path.endsWith("/seal")) sealed = true;
        if (call.path.endsWith("/uploads") && !(call.body as { parts?: unknown }).parts)
          return {
            body: bigUpload([2, 3], { missingParts: 2 }),
          };
        return undefined;
      }),
    });
    let sealed = false;
    const result = await resumeUpload(fake.client, "fraud", 3, [{ path: "big.bin", file: big }], {
      ...instantRetries().options,
      fetch: fake.fetch,
    });

    expect(result.version.status).toBe("READY");
    expect(fake.s3Calls.map((call) => call.partNumber).sort()).toEqual([2, 3]);
    expect(result.uploadedBytes).toBe(1500);
    const complete = fake.registryCalls.find((call) => call.path.endsWith("/complete"));
    // Part 1 was sent by an earlier run: its ETag is the MD5 of its bytes, as S3 writes it.
    expect(complete?.body).toMatchObject({
      parts: [1, 2, 3].map((n) => ({
        partNumber: n,
        etag: `"${md5(BIG.subarray((n - 1) * 1000, n * 1000))}"`,
      })),
    });
  });

  it("refuses a local file that is not the declared one before sending anything", async () => {
    const other = join(dir(), "other.bin");
    await writeFile(other, "other bytes");
    const fake = fakeTransfer({ registry: () => ({ body: version("PENDING_UPLOAD", [bigArtifact]) }) });
    await expect(resumeUpload(fake.client, "fraud", 3, [{ path: "big.bin", file: other }])).rejects.toThrow(
      /other\.bin is not the declared big\.bin/,
    );
    expect(fake.s3Calls).toHaveLength(0);
  });
});

describe("downloading a version", () => {
  const dir = temporaryDirectory();

  function downloadSide(served: Buffer) {
    return fakeTransfer({
      registry: (call) =>
        call.path.includes("/artifacts/")
          ? {
              body: {
                path: "nested/small.bin",
                url: `${S3}/get`,
                expiresAt: LATER,
                size: SMALL.length,
                sha256: sha256(SMALL),
              },
            }
          : { body: version("READY", [{ ...smallArtifact, path: "nested/small.bin" }]) },
      s3: () => ({ body: served }),
    });
  }

  it("streams each artifact to its path below the folder and checks its SHA-256", async () => {
    const fake = downloadSide(SMALL);
    const to = join(dir(), "ok");
    const { files } = await downloadVersion(
      fake.client,
      { model: "fraud", version: 3, to },
      { fetch: fake.fetch },
    );
    expect(files).toEqual([
      {
        path: "nested/small.bin",
        file: join(to, "nested", "small.bin"),
        size: SMALL.length,
        sha256: sha256(SMALL),
      },
    ]);
    expect(await readFile(join(to, "nested", "small.bin"))).toEqual(SMALL);
    expect(fake.registryCalls[1]?.path).toBe("/models/fraud/versions/3/artifacts/nested/small.bin");
  });

  it("deletes a file whose bytes are not the declared ones and names it in the error", async () => {
    const fake = downloadSide(Buffer.from("small weighTs"));
    const to = join(dir(), "bad");
    const download = downloadVersion(fake.client, { model: "fraud", version: 3, to }, { fetch: fake.fetch });
    await expect(download).rejects.toThrow(DownloadIntegrityError);
    await expect(download).rejects.toThrow(`${join(to, "nested", "small.bin")}: expected 13 bytes`);
    expect(await readdir(join(to, "nested"))).toEqual([]);
  });
});
