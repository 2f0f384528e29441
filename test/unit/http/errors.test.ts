import { describe, expect, it, vi } from "vitest";
import {
  ConcurrentModificationError,
  IdempotencyKeyReusedError,
  ModelAlreadyExistsError,
  ModelNotFoundError,
  PreconditionFailedError,
  ValidationError,
} from "#core/errors.ts";
import { toErrorResponse } from "#http/errors.ts";

describe("mapping errors to HTTP", () => {
  it.each([
    [ValidationError.field("body.name", "is required"), 400, "ValidationError"],
    [new ModelNotFoundError("fraud"), 404, "ModelNotFound"],
    [new ModelAlreadyExistsError("fraud"), 409, "ModelAlreadyExists"],
    [new ConcurrentModificationError("model 'fraud'"), 409, "ConcurrentModification"],
    [new PreconditionFailedError("model 'fraud'", '"1"', '"2"'), 412, "PreconditionFailed"],
    [new IdempotencyKeyReusedError("k"), 422, "IdempotencyKeyReused"],
  ])("%s → %i", (error, status, code) => {
    const response = toErrorResponse(error, "req-1");
    expect(response.status).toBe(status);
    expect(response.body.error).toMatchObject({ code, message: error.message, requestId: "req-1" });
  });

  it("never shows internals in a 500", () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = toErrorResponse(
      new Error("connect ECONNREFUSED 10.0.0.1:8000 table secret-table"),
      "req-2",
    );
    expect(response.status).toBe(500);
    expect(JSON.stringify(response.body)).not.toMatch(/ECONNREFUSED|secret-table/);
    expect(response.body.error.requestId).toBe("req-2");
    expect(log).toHaveBeenCalled();
    log.mockRestore();
  });
});
