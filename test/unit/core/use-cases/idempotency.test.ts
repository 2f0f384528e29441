import { describe, expect, it } from "vitest";
import { IdempotencyKeyReusedError, ModelAlreadyExistsError } from "#core/errors.ts";
import { WriteConflict } from "#core/ports.ts";
import * as models from "#core/use-cases/models.ts";
import { publisher, racing, testCore, withKey } from "./fixture.ts";

describe("idempotency keys", () => {
  it("a retry with the same key gets the first response back, and nothing is written twice", async () => {
    const core = testCore();
    const first = await models.createModel(core, { name: "fraud" }, withKey(publisher, "k1"));
    const again = await models.createModel(core, { name: "fraud" }, withKey(publisher, "k1"));
    expect(again).toEqual({ value: first.value, replayed: true });
    expect((await models.listHistory(core, "fraud", { limit: 10 })).items).toHaveLength(1);
  });

  it("the same key with a different request is refused", async () => {
    const core = testCore();
    await models.createModel(core, { name: "fraud" }, withKey(publisher, "k1", "fp-a"));
    await expect(
      models.createModel(core, { name: "other" }, withKey(publisher, "k1", "fp-b")),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it("the same key from another caller is another key", async () => {
    const core = testCore();
    await models.createModel(core, { name: "fraud" }, withKey(publisher, "k1"));
    const other = { ...publisher, actor: "arn:aws:iam::000000000000:user/other" };
    await expect(models.createModel(core, { name: "fraud" }, withKey(other, "k1"))).rejects.toBeInstanceOf(
      ModelAlreadyExistsError,
    );
  });

  it("two requests with one key racing into a transaction conflict: the loser replays the winner's response", async () => {
    // DynamoDB reports a conflicting transaction in flight as TransactionConflict, with no failed
    // condition; the loser must not decide again (it would meet the winner's model: 409).
    const core = testCore();
    const conflicting = racing(core, async () => {
      await models.createModel(core, { name: "fraud" }, withKey(publisher, "k1"));
      throw new WriteConflict([], true);
    });
    const loser = await models.createModel(conflicting, { name: "fraud" }, withKey(publisher, "k1"));
    expect(loser.replayed).toBe(true);
    expect(loser.value).toEqual(await models.getModel(core, "fraud"));
  });

  it("a race lost on the key's condition replays the winner too", async () => {
    const core = testCore();
    const conflicting = racing(core, async () => {
      await models.createModel(core, { name: "fraud" }, withKey(publisher, "k1"));
    });
    const loser = await models.createModel(conflicting, { name: "fraud" }, withKey(publisher, "k1"));
    expect(loser.replayed).toBe(true);
  });
});
