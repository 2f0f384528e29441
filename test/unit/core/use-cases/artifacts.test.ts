import { describe, expect, it } from "vitest";
import { verifyVersion } from "#core/artifacts/verification.ts";
import {
  ArtifactNotFoundError,
  ArtifactsNotVerifiedError,
  UploadIncompleteError,
  ValidationError,
  VersionAbandonedError,
  VersionNotReadyError,
  VersionSealedError,
} from "#core/errors.ts";
import * as aliases from "#core/use-cases/aliases.ts";
import * as artifacts from "#core/use-cases/artifacts.ts";
import * as models from "#core/use-cases/models.ts";
import * as versions from "#core/use-cases/versions.ts";
import { FakeArtifactStorage, makeReady, publisher, type TestCore, testCore } from "./fixture.ts";

const MiB = 1024 ** 2;
const digest = (c: string) => c.repeat(64);
const small = { path: "model.onnx", size: 10, sha256: digest("a") };
const big = { path: "weights/big.bin", size: 24 * MiB, sha256: digest("b") };

async function withVersion(declared = [small], policy?: Partial<TestCore["uploadPolicy"]>) {
  const core = testCore();
  Object.assign(core.uploadPolicy, { ...core.uploadPolicy, ...policy });
  await models.createModel(core, { name: "fraud" }, publisher);
  const created = await versions.createVersion(core, "fraud", { artifacts: declared }, publisher);
  return { core, created: created.value };
}

const put = (core: TestCore, path: string, object: { size: number; sha256: string; checksummed: boolean }) =>
  core.artifacts.objects.set(FakeArtifactStorage.key("fraud", 1, path), object);

const history = async (core: TestCore) =>
  (await models.listHistory(core, "fraud", { limit: 100 })).items.map((h) => h.action);

describe("creating a version plans each upload", () => {
  it("a small artifact gets one PUT URL bound to If-None-Match, expiring after the configured TTL", async () => {
    const { created } = await withVersion([small]);
    expect(created.uploads).toEqual([
      {
        path: "model.onnx",
        method: "PUT",
        url: "https://uploads.example/models/fraud/versions/1/model.onnx?expires=900",
        headers: { "x-amz-checksum-sha256": digest("a"), "if-none-match": "*" },
        expiresAt: "2026-11-23T09:15:03.000Z", // the clock read at 09:00:03, plus 900 s
      },
    ]);
  });

  it("an artifact above the threshold is uploaded in parts, and the version remembers the upload", async () => {
    const { core, created } = await withVersion([big], { multipartThresholdBytes: 16 * MiB });
    const [upload] = created.uploads;
    expect(upload).toMatchObject({ path: big.path, uploadId: "upload-1", partSize: 8 * MiB, partCount: 3 });
    expect(upload?.parts?.map((p) => p.partNumber)).toEqual([1, 2, 3]);
    expect((await versions.getVersion(core, "fraud", 1)).artifacts[0]?.upload).toEqual({
      uploadId: "upload-1",
      partSize: 8 * MiB,
      partCount: 3,
    });
  });

  it("a hundred large artifacts get one first-part URL each, so the stored response stays small", async () => {
    const declared = Array.from({ length: 100 }, (_, i) => ({
      ...big,
      path: `shard-${i}.bin`,
      size: 5 * 1024 ** 3,
    }));
    const { created } = await withVersion(declared);
    expect(created.uploads.flatMap((u) => u.parts ?? [])).toHaveLength(100);
    expect(created.uploads.every((u) => u.partCount === 640)).toBe(true);
  });
});

describe("sealing", () => {
  it("answers 422 with a per-artifact report when an artifact is missing or has another size, and changes nothing", async () => {
    const { core } = await withVersion([small, { ...small, path: "vocab.json" }]);
    put(core, "vocab.json", { size: 11, sha256: digest("a"), checksummed: true });
    const refused = await artifacts.sealVersion(core, "fraud", 1, publisher).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ArtifactsNotVerifiedError);
    expect((refused as ArtifactsNotVerifiedError).details).toEqual({
      artifacts: [
        { path: "model.onnx", status: "missing", expected: { size: 10, sha256: digest("a") }, actual: null },
        {
          path: "vocab.json",
          status: "sizeMismatch",
          expected: { size: 10, sha256: digest("a") },
          actual: { size: 11, sha256: digest("a") },
        },
      ],
    });
    expect((refused as Error).message).toMatch(
      /'model.onnx' is missing; 'vocab.json' has 11 bytes, not 10\. Upload them and seal again$/,
    );
    expect((await versions.getVersion(core, "fraud", 1)).status).toBe("PENDING_UPLOAD");
    expect(await history(core)).not.toContain("VERSION_READY");
  });

  it("answers 422 when S3's full-object SHA-256 differs from the declared one", async () => {
    const { core } = await withVersion();
    put(core, "model.onnx", { size: 10, sha256: digest("c"), checksummed: true });
    const refused = await artifacts.sealVersion(core, "fraud", 1, publisher).catch((e: unknown) => e);
    expect((refused as ArtifactsNotVerifiedError).details).toMatchObject({
      artifacts: [{ status: "checksumMismatch", actual: { sha256: digest("c") } }],
    });
    expect((refused as Error).message).toMatch(/\. Upload it and seal again$/);
  });

  it("is READY at once when S3 vouches for every declared SHA-256, with its history entry in the same change", async () => {
    const { core } = await withVersion();
    put(core, "model.onnx", { size: 10, sha256: digest("a"), checksummed: true });
    const { value } = await artifacts.sealVersion(core, "fraud", 1, publisher);
    expect(value.accepted).toBe(false);
    expect(value.version).toMatchObject({
      status: "READY",
      verification: { status: "PASSED", artifacts: [{ path: "model.onnx", status: "verified" }] },
    });
    expect(core.verification.started).toEqual([]);
    const [ready] = (await models.listHistory(core, "fraud", { limit: 1 })).items;
    expect(ready).toMatchObject({
      action: "VERSION_READY",
      version: 1,
      from: "PENDING_UPLOAD",
      to: "READY",
      details: {
        artifacts: [
          {
            path: "model.onnx",
            uri: "s3://bucket/models/fraud/versions/1/model.onnx",
            size: 10,
            sha256: digest("a"),
          },
        ],
      },
    });
  });

  it("is VERIFYING (202) when S3 has no checksum to compare, and starts the verifier once", async () => {
    const { core } = await withVersion();
    put(core, "model.onnx", { size: 10, sha256: digest("a"), checksummed: false });
    const first = await artifacts.sealVersion(core, "fraud", 1, publisher);
    expect(first.value).toMatchObject({ accepted: true, version: { status: "VERIFYING" } });
    expect(first.value.version.verification).toMatchObject({
      status: "RUNNING",
      requestedBy: publisher.actor,
    });
    const again = await artifacts.sealVersion(core, "fraud", 1, publisher);
    expect(again.value).toMatchObject({ accepted: true, version: { status: "VERIFYING" } });
    expect(core.verification.started).toHaveLength(1);
    expect(core.verification.started[0]).toMatchObject({ model: "fraud", version: 1 });
    expect((await history(core)).filter((a) => a === "VERSION_VERIFICATION_STARTED")).toHaveLength(1);
  });

  it("the verifier hashes the bytes and commits READY; sealing a READY version answers 200 with it", async () => {
    const { core } = await withVersion();
    put(core, "model.onnx", { size: 10, sha256: digest("a"), checksummed: false });
    await artifacts.sealVersion(core, "fraud", 1, publisher);
    expect(await verifyVersion(core, core.verification.started[0]!, "verifier-1")).toBe("READY");
    expect(core.artifacts.calls).toContain("digest model.onnx");
    const version = await versions.getVersion(core, "fraud", 1);
    expect(version).toMatchObject({ status: "READY", verification: { status: "PASSED" } });
    const [ready] = (await models.listHistory(core, "fraud", { limit: 1 })).items;
    expect(ready).toMatchObject({ action: "VERSION_READY", actor: publisher.actor, requestId: "verifier-1" });
    const sealed = await artifacts.sealVersion(core, "fraud", 1, publisher);
    expect(sealed.value).toMatchObject({ accepted: false, version: { status: "READY" } });
  });

  it("bytes other than the declared ones end FAILED with the report, never READY; uploading again and sealing again recovers", async () => {
    const { core } = await withVersion();
    put(core, "model.onnx", { size: 10, sha256: digest("d"), checksummed: false });
    await artifacts.sealVersion(core, "fraud", 1, publisher);
    expect(await verifyVersion(core, core.verification.started[0]!, "verifier-1")).toBe("FAILED");
    const failed = await versions.getVersion(core, "fraud", 1);
    expect(failed.status).toBe("FAILED");
    expect(failed.verification?.artifacts).toEqual([
      {
        path: "model.onnx",
        status: "checksumMismatch",
        expected: { size: 10, sha256: digest("a") },
        actual: { size: 10, sha256: digest("d") },
      },
    ]);
    expect(await history(core)).toContain("VERSION_VERIFICATION_FAILED");
    // The wrong object is there: the new URL may replace it (still bound to the declared SHA-256).
    const { value: fresh } = await artifacts.requestUploadUrls(
      core,
      "fraud",
      1,
      { path: "model.onnx" },
      publisher,
    );
    expect(fresh.headers).toEqual({ "x-amz-checksum-sha256": digest("a") });
    put(core, "model.onnx", { size: 10, sha256: digest("a"), checksummed: true });
    const { value } = await artifacts.sealVersion(core, "fraud", 1, publisher);
    expect(value.version.status).toBe("READY");
  });

  it("the verifier ignores a request that is not the current run (a retry after its commit, or a stale one)", async () => {
    const { core } = await withVersion();
    put(core, "model.onnx", { size: 10, sha256: digest("a"), checksummed: false });
    await artifacts.sealVersion(core, "fraud", 1, publisher);
    const request = core.verification.started[0]!;
    expect(await verifyVersion(core, { ...request, startedAt: "2026-01-01T00:00:00.000Z" }, "r")).toBe(
      "skipped",
    );
    expect(await verifyVersion(core, request, "r1")).toBe("READY");
    expect(await verifyVersion(core, request, "r2")).toBe("skipped");
    expect((await history(core)).filter((a) => a === "VERSION_READY")).toHaveLength(1);
  });

  it("a verifier that could not be started is logged; a seal after the stale window starts it again", async () => {
    const { core } = await withVersion();
    put(core, "model.onnx", { size: 10, sha256: digest("a"), checksummed: false });
    core.verification.failWith = new Error("throttled");
    const first = await artifacts.sealVersion(core, "fraud", 1, publisher);
    expect(first.value.accepted).toBe(true);
    expect(core.errors[0]).toMatchObject({ message: "the artifact verifier could not be started" });
    core.verification.failWith = undefined;
    core.verificationStaleAfterMs = 0;
    await artifacts.sealVersion(core, "fraud", 1, publisher);
    expect(core.verification.started).toHaveLength(1);
    expect(await verifyVersion(core, core.verification.started[0]!, "r")).toBe("READY");
  });
});

describe("uploads after the seal, and undeclared paths", () => {
  it("refuses fresh URLs and completions once the version is VERIFYING or READY (409)", async () => {
    const { core } = await withVersion();
    put(core, "model.onnx", { size: 10, sha256: digest("a"), checksummed: false });
    await artifacts.sealVersion(core, "fraud", 1, publisher);
    await expect(
      artifacts.requestUploadUrls(core, "fraud", 1, { path: "model.onnx" }, publisher),
    ).rejects.toBeInstanceOf(VersionSealedError);
    await verifyVersion(core, core.verification.started[0]!, "r");
    await expect(
      artifacts.requestUploadUrls(core, "fraud", 1, { path: "model.onnx" }, publisher),
    ).rejects.toThrow(
      "version 1 of 'fraud' is READY: its artifacts can no longer change (create a new version)",
    );
    await expect(
      artifacts.completeUpload(
        core,
        "fraud",
        1,
        { path: "model.onnx", uploadId: "u", parts: [{ partNumber: 1, etag: "e" }] },
        publisher,
      ),
    ).rejects.toBeInstanceOf(VersionSealedError);
  });

  it("answers 404 for a path the version does not declare", async () => {
    const { core } = await withVersion();
    await expect(
      artifacts.requestUploadUrls(core, "fraud", 1, { path: "other.bin" }, publisher),
    ).rejects.toEqual(new ArtifactNotFoundError("fraud", 1, "other.bin"));
  });
});

describe("multipart uploads", () => {
  async function uploading() {
    const ctx = await withVersion([big], { multipartThresholdBytes: 16 * MiB });
    const upload = ctx.core.artifacts.uploads.get("upload-1")!;
    return { ...ctx, upload };
  }

  it("resume: URLs for the parts S3 does not have yet, or for the parts asked for", async () => {
    const { core, upload } = await uploading();
    upload.parts.set(1, { etag: '"e1"', size: 8 * MiB });
    const { value } = await artifacts.requestUploadUrls(core, "fraud", 1, { path: big.path }, publisher);
    expect(value).toMatchObject({ uploadId: "upload-1", partCount: 3, missingParts: 2 });
    expect(value.parts?.map((p) => p.partNumber)).toEqual([2, 3]);
    const partsGiven = async (parts: { from: number; count: number }) => {
      const { value } = await artifacts.requestUploadUrls(
        core,
        "fraud",
        1,
        { path: big.path, parts },
        publisher,
      );
      return value.parts?.map((p) => p.partNumber);
    };
    expect(await partsGiven({ from: 1, count: 2 })).toEqual([1, 2]);
    // A range is cut at the upload's last part; a listed part it lacks is refused.
    expect(await partsGiven({ from: 2, count: 100 })).toEqual([2, 3]);
    await expect(
      artifacts.requestUploadUrls(core, "fraud", 1, { path: big.path, parts: [4] }, publisher),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it("completion needs the current upload id and every part once", async () => {
    const { core, upload } = await uploading();
    for (const n of [1, 2, 3]) upload.parts.set(n, { etag: `"e${n}"`, size: 8 * MiB });
    const parts = [1, 2, 3].map((n) => ({ partNumber: n, etag: `"e${n}"` }));
    await expect(
      artifacts.completeUpload(core, "fraud", 1, { path: big.path, uploadId: "other", parts }, publisher),
    ).rejects.toBeInstanceOf(UploadIncompleteError);
    await expect(
      artifacts.completeUpload(
        core,
        "fraud",
        1,
        { path: big.path, uploadId: "upload-1", parts: parts.slice(0, 2) },
        publisher,
      ),
    ).rejects.toThrow("'weights/big.bin' has 3 parts: list each of 1-3 once with its ETag (missing: 3)");
    const done = await artifacts.completeUpload(
      core,
      "fraud",
      1,
      { path: big.path, uploadId: "upload-1", parts },
      publisher,
    );
    expect(done.value).toEqual({ path: big.path, uploadId: "upload-1", size: 24 * MiB });
    // A retry after it went through answers the same.
    const retried = await artifacts.completeUpload(
      core,
      "fraud",
      1,
      { path: big.path, uploadId: "upload-1", parts },
      publisher,
    );
    expect(retried.value).toEqual(done.value);
  });

  it("a completed multipart artifact needs hashing: the seal answers VERIFYING", async () => {
    const { core, upload } = await uploading();
    for (const n of [1, 2, 3]) upload.parts.set(n, { etag: `"e${n}"`, size: 8 * MiB });
    const parts = [1, 2, 3].map((n) => ({ partNumber: n, etag: `"e${n}"` }));
    await artifacts.completeUpload(
      core,
      "fraud",
      1,
      { path: big.path, uploadId: "upload-1", parts },
      publisher,
    );
    const { value } = await artifacts.sealVersion(core, "fraud", 1, publisher);
    expect(value.version.status).toBe("VERIFYING");
    expect(value.version.verification?.artifacts?.[0]?.status).toBe("needsHashing");
  });
});

describe("downloads and aliases", () => {
  it("a download URL only for a READY version (409 otherwise), and 404 for an undeclared path", async () => {
    const { core } = await withVersion();
    await expect(artifacts.getArtifact(core, "fraud", 1, "model.onnx")).rejects.toBeInstanceOf(
      VersionNotReadyError,
    );
    await makeReady(core, "fraud", 1);
    expect(await artifacts.getArtifact(core, "fraud", 1, "model.onnx")).toEqual({
      path: "model.onnx",
      // The URL names the S3 version the seal pinned: exactly the sealed bytes.
      url: "https://downloads.example/models/fraud/versions/1/model.onnx?expires=900&versionId=v-fraud-1-model.onnx",
      expiresAt: expect.any(String),
      size: 10,
      sha256: digest("a"),
    });
    await expect(artifacts.getArtifact(core, "fraud", 1, "nope.bin")).rejects.toBeInstanceOf(
      ArtifactNotFoundError,
    );
  });

  it("downloads through an alias reach the version it points at", async () => {
    const { core } = await withVersion();
    await makeReady(core, "fraud", 1);
    await aliases.setAlias(core, "fraud", "champion", 1, publisher);
    expect(await artifacts.getAliasArtifact(core, "fraud", "champion", "model.onnx")).toMatchObject({
      size: 10,
    });
  });
});

describe("abandoning an unsealed version", () => {
  it("ends it ABANDONED with its history entry, aborts its multipart uploads, and never reuses its number", async () => {
    const { core } = await withVersion([small, big], { multipartThresholdBytes: 16 * MiB });
    const { value } = await artifacts.abandonVersion(core, "fraud", 1, publisher);
    expect(value.status).toBe("ABANDONED");
    expect(core.artifacts.aborted).toEqual(["upload-1"]);
    expect(core.artifacts.uploads.has("upload-1")).toBe(false);
    const [entry] = (await models.listHistory(core, "fraud", { limit: 1 })).items;
    expect(entry).toMatchObject({
      action: "VERSION_ABANDONED",
      version: 1,
      from: "PENDING_UPLOAD",
      to: "ABANDONED",
      details: { artifacts: 2, multipartUploads: 1 },
    });
    const next = await versions.createVersion(core, "fraud", { artifacts: [small] }, publisher);
    expect(next.value.version).toBe(2);
  });

  it("a second call answers it as it is (and aborts again), without a second history entry", async () => {
    const { core } = await withVersion([big], { multipartThresholdBytes: 16 * MiB });
    await artifacts.abandonVersion(core, "fraud", 1, publisher);
    const before = await history(core);
    const again = await artifacts.abandonVersion(core, "fraud", 1, publisher);
    expect(again.value.status).toBe("ABANDONED");
    expect(await history(core)).toEqual(before);
    expect(core.artifacts.aborted).toEqual(["upload-1", "upload-1"]);
  });

  it("refuses a sealed version (409 VersionSealed), and an abandoned one refuses uploads, seals and edits", async () => {
    const { core } = await withVersion([small]);
    put(core, "model.onnx", { size: 10, sha256: digest("a"), checksummed: true });
    await artifacts.sealVersion(core, "fraud", 1, publisher);
    await expect(artifacts.abandonVersion(core, "fraud", 1, publisher)).rejects.toBeInstanceOf(
      VersionSealedError,
    );
    await versions.createVersion(core, "fraud", { artifacts: [small] }, publisher);
    await artifacts.abandonVersion(core, "fraud", 2, publisher);
    await expect(
      artifacts.requestUploadUrls(core, "fraud", 2, { path: "model.onnx" }, publisher),
    ).rejects.toBeInstanceOf(VersionAbandonedError);
    await expect(artifacts.sealVersion(core, "fraud", 2, publisher)).rejects.toBeInstanceOf(
      VersionAbandonedError,
    );
    await expect(
      versions.updateVersion(core, "fraud", 2, { description: "x" }, publisher),
    ).rejects.toBeInstanceOf(VersionAbandonedError);
  });
});
