/**
 * Abandoning an unsealed version against local mode (issue 20, part 2 item 2): the route through
 * the gateway's role check, the version ABANDONED with its history entry, its multipart upload
 * aborted in the S3 emulator, and its number never handed out again.
 */
import { ListPartsCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import {
  artifact,
  client,
  createModel,
  createVersion,
  expectError,
  latestHistoryEntry,
  putParts,
  registry,
  type UploadInstruction,
  uniqueName,
} from "./support.ts";

const MiB = 1024 ** 2;

describe("abandoning an upload", () => {
  it("ends the version ABANDONED, aborts its multipart upload, and never reuses its number", async () => {
    const publisher = client("publisher");
    const model = uniqueName("abandon");
    await createModel(publisher, model);
    const big = artifact("weights.bin", 24 * MiB);
    const created = await createVersion(publisher, model, { artifacts: [big] });
    const [upload] = created.uploads as unknown as UploadInstruction[];
    expect(upload?.uploadId).toBeDefined();
    // The first part goes up, then the notebook dies.
    const first = upload?.parts?.filter((p) => p.partNumber === 1);
    await putParts(upload as UploadInstruction, Buffer.alloc(8 * MiB, 1), first);

    const path = `/models/${model}/versions/${created.version}/abandon`;
    const denied = await client("reader").request({ method: "POST", path });
    expect(expectError(denied, 403, "AccessDenied").message).toContain(
      `POST /models/{model}/versions/{version}/abandon may be called by the roles publisher, admin`,
    );

    const abandoned = await publisher.request({ method: "POST", path });
    expect(abandoned.status).toBe(200);
    expect(abandoned.body).toMatchObject({ version: created.version, status: "ABANDONED" });
    expect(await latestHistoryEntry(publisher, model)).toMatchObject({
      action: "VERSION_ABANDONED",
      version: created.version,
      from: "PENDING_UPLOAD",
      to: "ABANDONED",
    });

    const { s3Endpoint, region, bucket } = registry();
    const s3 = new S3Client({
      endpoint: s3Endpoint,
      region,
      forcePathStyle: true,
      // The local S3 accepts the registry's own identity only (as the bucket policy does in AWS).
      credentials: registry().registryCredentials,
    });
    try {
      const key = `models/${model}/versions/${created.version}/weights.bin`;
      await expect(
        s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: upload?.uploadId })),
      ).rejects.toMatchObject({ name: "NoSuchUpload" });
    } finally {
      s3.destroy();
    }

    const again = await publisher.request({ method: "POST", path });
    expect(again.status).toBe(200);
    const refused = await publisher.request({
      method: "POST",
      path: `/models/${model}/versions/${created.version}/uploads`,
      body: { path: "weights.bin" },
    });
    expectError(refused, 409, "VersionAbandoned");
    const next = await createVersion(publisher, model);
    expect(next.version).toBe(created.version + 1);
  });
});
