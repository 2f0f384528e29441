import { describe, expect, it } from "vitest";
import {
  defaultUploadPolicy,
  firstPartUrlCount,
  MAX_OBJECT_BYTES,
  MAX_PARTS,
  MAX_URLS_PER_RESPONSE,
  partsToPresign,
  uploadMethodFor,
  uploadPolicyProblem,
} from "#core/artifacts/upload-plan.ts";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const policy = defaultUploadPolicy;

describe("the upload plan", () => {
  it("uploads with one PUT up to the 64 MiB threshold, and in parts one byte above it", () => {
    expect(uploadMethodFor(0, policy)).toEqual({ kind: "single" });
    expect(uploadMethodFor(64 * MiB, policy)).toEqual({ kind: "single" });
    expect(uploadMethodFor(64 * MiB + 1, policy)).toEqual({
      kind: "multipart",
      partSize: 8 * MiB,
      partCount: 9,
    });
  });

  it("defaults to a 64 MiB threshold, 8 MiB parts and 15-minute URLs", () => {
    expect(defaultUploadPolicy).toEqual({
      multipartThresholdBytes: 64 * MiB,
      minPartBytes: 8 * MiB,
      urlTtlSeconds: 900,
    });
  });

  it("keeps 8 MiB parts while 10,000 of them cover the size", () => {
    expect(uploadMethodFor(80_000 * MiB, policy)).toEqual({
      kind: "multipart",
      partSize: 8 * MiB,
      partCount: 10_000,
    });
  });

  it("grows the part size by whole MiB when 10,000 parts of 8 MiB are not enough", () => {
    expect(uploadMethodFor(80_000 * MiB + 1, policy)).toEqual({
      kind: "multipart",
      partSize: 9 * MiB,
      partCount: 8889,
    });
  });

  it("covers S3's largest object, 5 TiB, with 525 MiB parts, fewer than 10,000 of them", () => {
    const plan = uploadMethodFor(MAX_OBJECT_BYTES, policy);
    expect(plan).toEqual({ kind: "multipart", partSize: 525 * MiB, partCount: 9987 });
  });

  it("refuses sizes above 5 TiB, negative or fractional", () => {
    expect(() => uploadMethodFor(MAX_OBJECT_BYTES + 1, policy)).toThrow(RangeError);
    expect(() => uploadMethodFor(-1, policy)).toThrow(RangeError);
    expect(() => uploadMethodFor(1.5, policy)).toThrow(RangeError);
  });

  it.each([
    64 * MiB + 1,
    100 * MiB,
    5 * GiB,
    5 * GiB + 1,
    80 * GiB,
    1024 * GiB - 7,
    3 * 1024 * GiB + 12345,
    MAX_OBJECT_BYTES,
  ])("%d bytes: at most 10,000 parts of at least 8 MiB, whole MiB, that cover the size", (size) => {
    const plan = uploadMethodFor(size, policy);
    if (plan.kind !== "multipart") throw new Error("expected multipart");
    expect(plan.partCount).toBeLessThanOrEqual(MAX_PARTS);
    expect(plan.partSize).toBeGreaterThanOrEqual(8 * MiB);
    expect(plan.partSize % MiB).toBe(0);
    expect(plan.partSize).toBeLessThanOrEqual(5 * GiB);
    expect(plan.partSize * plan.partCount).toBeGreaterThanOrEqual(size);
    // no empty last part
    expect(plan.partSize * (plan.partCount - 1)).toBeLessThan(size);
  });

  it("follows a configured threshold", () => {
    const small = { ...policy, multipartThresholdBytes: 16 * MiB };
    expect(uploadMethodFor(16 * MiB, small)).toEqual({ kind: "single" });
    expect(uploadMethodFor(24 * MiB, small)).toEqual({ kind: "multipart", partSize: 8 * MiB, partCount: 3 });
  });

  it("refuses policies S3 cannot honour", () => {
    expect(uploadPolicyProblem(policy)).toBeUndefined();
    expect(uploadPolicyProblem({ ...policy, multipartThresholdBytes: 5 * GiB + 1 })).toMatch(/5 GiB/);
    expect(uploadPolicyProblem({ ...policy, multipartThresholdBytes: 4 * MiB })).toMatch(/minimum part size/);
    expect(uploadPolicyProblem({ ...policy, minPartBytes: 4 * MiB })).toMatch(/at least 5 MiB/);
    expect(uploadPolicyProblem({ ...policy, urlTtlSeconds: 8 * 24 * 3600 })).toMatch(/7 days/);
    expect(uploadPolicyProblem({ ...policy, urlTtlSeconds: 59 })).toMatch(/between 60/);
  });
});

describe("part URLs in one response", () => {
  it("never exceed 100 in a create-version response, however many artifacts, and each gets at least one", () => {
    for (let artifacts = 1; artifacts <= 100; artifacts++) {
      const each = firstPartUrlCount(artifacts);
      expect(each).toBeGreaterThanOrEqual(1);
      expect(each * artifacts).toBeLessThanOrEqual(MAX_URLS_PER_RESPONSE);
    }
    expect(firstPartUrlCount(1)).toBe(10);
    expect(firstPartUrlCount(100)).toBe(1);
  });

  it("resume with the parts S3 does not have yet, lowest first, at most 100", () => {
    expect(partsToPresign(5, undefined, new Set([1, 3]))).toEqual({ parts: [2, 4, 5], missing: 3 });
    const big = partsToPresign(10_000, undefined, new Set([1]));
    expect(big.parts).toHaveLength(100);
    expect(big.parts[0]).toBe(2);
    expect(big.missing).toBe(9_999);
  });

  it("resume with the parts asked for, uploaded or not, each once", () => {
    expect(partsToPresign(5, [3, 1, 3], new Set([1]))).toEqual({ parts: [1, 3], missing: 4 });
  });
});
