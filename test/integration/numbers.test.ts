/**
 * Numbers through the real API: metrics such as FLOPs (3e21) and tiny losses (1e-100) are
 * stored and read back as the same numbers, and so are policy thresholds beyond 2^53.
 */
import { describe, expect, it } from "vitest";
import {
  client,
  createModel,
  createVersion,
  listVersions,
  newModel,
  postVersion,
  uniqueName,
} from "./support.ts";

const api = client("publisher");

const metrics = { flops: 3e21, tiny: 1e-100, big: 9.9e125, neg: -1e20, int: 2 ** 53 + 2, auc: 0.91 };

describe("numbers", () => {
  it("a version with metrics beyond 2^53 or below 1e-6 is created and read back with the same numbers", async () => {
    const name = await newModel(api, "numbers");
    const created = await postVersion(api, name, {
      artifacts: [{ path: "model.onnx", size: 1024, sha256: "0".repeat(64) }],
      metrics,
    });
    expect(created.status).toBe(201);
    expect((created.body as { metrics: unknown }).metrics).toEqual(metrics);
    const read = await api.request({ method: "GET", path: `/models/${name}/versions/1` });
    expect(read.status).toBe(200);
    expect((read.body as { metrics: unknown }).metrics).toEqual(metrics);
    const listed = await listVersions(api, name);
    expect((listed.body as { items: { metrics: unknown }[] }).items[0]?.metrics).toEqual(metrics);
  });

  it("a model policy threshold of 1e20 is accepted and read back", async () => {
    const name = uniqueName("threshold");
    const policy = { requirements: { production: { metrics: { flops: { min: 1e20 } } } } };
    await createModel(api, name, { policy });
    const read = await api.request({ method: "GET", path: `/models/${name}` });
    expect(read.status).toBe(200);
    expect((read.body as { policy: unknown }).policy).toEqual(policy);
    // The policy is replaced on its own route, by a governor.
    const updated = await client("governor").request({
      method: "PUT",
      path: `/models/${name}/policy`,
      body: { requirements: { production: { metrics: { flops: { min: 3e21, max: 9.9e125 } } } } },
    });
    expect(updated.status).toBe(200);
    const reread = await api.request({ method: "GET", path: `/models/${name}` });
    expect((reread.body as { policy: unknown }).policy).toEqual({
      requirements: { production: { metrics: { flops: { min: 3e21, max: 9.9e125 } } } },
    });
  });

  it("a version's metric keys that name Object.prototype members are kept", async () => {
    const name = await newModel(api, "protokeys");
    const { version } = await createVersion(api, name, {
      metrics: JSON.parse('{"constructor":1,"toString":2}'),
      params: JSON.parse('{"valueOf":"v"}'),
    });
    const read = await api.request({ method: "GET", path: `/models/${name}/versions/${version}` });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ metrics: { constructor: 1, toString: 2 }, params: { valueOf: "v" } });
  });
});
