import { describe, expect, it } from "vitest";
import {
  AliasNotFoundError,
  ApprovalRefusedError,
  ArtifactNotFoundError,
  ArtifactsNotVerifiedError,
  ConcurrentModificationError,
  type DomainError,
  type DomainErrorCode,
  domainErrors,
  IdempotencyKeyReusedError,
  ModelAlreadyExistsError,
  ModelNotFoundError,
  ModelProtectedError,
  NothingToRollBackError,
  NotTheRequesterError,
  PayloadTooLargeError,
  PreconditionFailedError,
  TransitionAlreadyOpenError,
  TransitionNotAllowedError,
  TransitionNotFoundError,
  TransitionStateError,
  UploadIncompleteError,
  ValidationError,
  VersionAbandonedError,
  VersionFrozenError,
  VersionNotFoundError,
  VersionNotReadyError,
  VersionSealedError,
} from "#core/errors.ts";
import {
  domainErrorStatus,
  errorStatus,
  type GatewayErrorCode,
  gatewayErrorStatus,
  HttpError,
  httpErrorStatus,
  toErrorResponse,
} from "#http/errors.ts";

/**
 * The status each error code has, as the API contract promises it (README "Errors",
 * /work/shared/design/API.md's status table), written out here once and never read from the
 * implementation's tables: a code that moves to another status fails this file. The `satisfies`
 * makes a new code fail the type-check until it is listed.
 */
const PROMISED = {
  // 400: the request is invalid; the message names the field.
  ValidationError: 400,
  InvalidJson: 400,
  // 403: unsigned, badly signed, or the caller's role lacks the route.
  MissingIdentity: 403,
  AccessDenied: 403,
  MissingAuthenticationToken: 403,
  InvalidSignature: 403,
  SignatureDoesNotMatch: 403,
  IncompleteSignature: 403,
  UnknownAccessKey: 403,
  ExpiredToken: 403,
  RequestExpired: 403,
  NotTheRequester: 403,
  // 404: the named thing does not exist.
  ModelNotFound: 404,
  VersionNotFound: 404,
  AliasNotFound: 404,
  ArtifactNotFound: 404,
  TransitionNotFound: 404,
  RouteNotFound: 404,
  // 409: a conflict with the current state.
  ModelAlreadyExists: 409,
  ConcurrentModification: 409,
  ModelProtected: 409,
  VersionFrozen: 409,
  VersionSealed: 409,
  VersionAbandoned: 409,
  VersionNotReady: 409,
  TransitionNotAllowed: 409,
  TransitionAlreadyOpen: 409,
  TransitionState: 409,
  NothingToRollBack: 409,
  // 412: If-Match no longer matches.
  PreconditionFailed: 412,
  // 413: too large.
  PayloadTooLarge: 413,
  RequestTooLarge: 413,
  // 414, 431: the URL, or the whole head, too long for the gateway.
  UriTooLong: 414,
  RequestHeaderFieldsTooLarge: 431,
  // 422: well-formed, refused by a rule.
  ApprovalRefused: 422,
  IdempotencyKeyReused: 422,
  UploadIncomplete: 422,
  ArtifactsNotVerified: 422,
  // 429, 5xx.
  TooManyRequests: 429,
  InternalError: 500,
  IntegrationTimeout: 504,
} as const satisfies Record<DomainErrorCode | keyof typeof httpErrorStatus | GatewayErrorCode, number>;

/** One instance of every domain error: a new error class fails the type-check here until it has one. */
const samples: { [C in DomainErrorCode]: DomainError & { code: C } } = {
  ValidationError: ValidationError.field("body.name", "is required"),
  ModelNotFound: new ModelNotFoundError("fraud"),
  VersionNotFound: new VersionNotFoundError("fraud", 3),
  AliasNotFound: new AliasNotFoundError("fraud", "champion"),
  ModelAlreadyExists: new ModelAlreadyExistsError("fraud"),
  ConcurrentModification: new ConcurrentModificationError("model 'fraud'"),
  ModelProtected: new ModelProtectedError("version 2 of 'fraud' is in production"),
  VersionFrozen: new VersionFrozenError("fraud", 2, ["artifacts"]),
  PreconditionFailed: new PreconditionFailedError("model 'fraud'", '"1"', '"2"'),
  PayloadTooLarge: new PayloadTooLargeError("the version is over 400 KB"),
  IdempotencyKeyReused: new IdempotencyKeyReusedError("k"),
  ArtifactNotFound: new ArtifactNotFoundError("fraud", 2, "model.onnx"),
  VersionSealed: new VersionSealedError("fraud", 2, "READY"),
  VersionAbandoned: new VersionAbandonedError("fraud", 2),
  VersionNotReady: new VersionNotReadyError(
    "fraud",
    2,
    "PENDING_UPLOAD",
    "only READY versions can carry an alias",
  ),
  UploadIncomplete: new UploadIncompleteError("'model.onnx' has 3 parts"),
  ArtifactsNotVerified: new ArtifactsNotVerifiedError("'model.onnx' is missing", {
    artifacts: [{ path: "model.onnx", status: "missing" }],
  }),
  TransitionNotFound: new TransitionNotFoundError("fraud", "01JDQ5Z8Y7T3V4W5X6Y7Z8A9BC"),
  TransitionNotAllowed: new TransitionNotAllowedError("version 2 of 'fraud' is in development"),
  TransitionAlreadyOpen: new TransitionAlreadyOpenError(
    "fraud",
    2,
    "production",
    "01JDQ5Z8Y7T3V4W5X6Y7Z8A9BC",
  ),
  TransitionState: new TransitionStateError("transition 01J… is APPLIED"),
  ApprovalRefused: new ApprovalRefusedError("you requested this transition"),
  NotTheRequester: new NotTheRequesterError("only the requester cancels it"),
  NothingToRollBack: new NothingToRollBackError("no other version held production"),
};

describe("mapping errors to HTTP", () => {
  it.each(Object.entries(samples))("%s answers with its status, code and message", (code, error) => {
    const response = toErrorResponse(error, "req-1");
    expect(response.status).toBe(PROMISED[code as DomainErrorCode]);
    expect(response.status).toBeLessThan(500);
    expect(response.body.error).toMatchObject({ code, message: error.message, requestId: "req-1" });
  });

  it("has a sample of every domain error class", () => {
    expect(domainErrors.map((type) => type.name).sort()).toEqual(
      Object.values(samples)
        .map((error) => error.constructor.name)
        .sort(),
    );
  });

  it("carries a refused seal's per-artifact report in error.details", () => {
    const response = toErrorResponse(samples.ArtifactsNotVerified, "req-1");
    expect(response.status).toBe(422);
    expect(response.body.error.details).toEqual({ artifacts: [{ path: "model.onnx", status: "missing" }] });
  });

  it("tells which fields are wrong in a validation error", () => {
    const response = toErrorResponse(samples.ValidationError, "req-1");
    expect(response.body.error.issues).toEqual([{ field: "body.name", message: "is required" }]);
  });

  it.each(
    (["InvalidJson", "MissingIdentity", "RouteNotFound"] as const).map(
      (code) => [code, PROMISED[code]] as const,
    ),
  )("the HTTP layer's %s answers with %i", (code, status) => {
    const error = new HttpError(code as keyof typeof httpErrorStatus, "what to fix");
    expect(toErrorResponse(error, "req-1")).toEqual({
      status,
      body: { error: { code, message: "what to fix", requestId: "req-1" } },
      expose: true,
    });
  });

  it("the tables the OpenAPI document is generated from give every code its promised status, and no other code", () => {
    expect({ ...domainErrorStatus, ...httpErrorStatus, ...gatewayErrorStatus }).toEqual(PROMISED);
    expect(errorStatus).toEqual(PROMISED);
  });

  it("gives no code two statuses", () => {
    const tables = [domainErrorStatus, httpErrorStatus, gatewayErrorStatus];
    const codes = tables.flatMap((table) => Object.keys(table));
    expect(new Set(codes).size).toBe(codes.length);
    expect(Object.keys(errorStatus).length).toBe(codes.length);
  });

  it.each([
    ["an unexpected error", new Error("connect ECONNREFUSED 10.0.0.1:8000 table secret-table")],
    ["a thrown non-error", "ECONNREFUSED secret-table"],
    ["an HTTP error with a 5xx status", new HttpError("InternalError", "ECONNREFUSED secret-table")],
  ])("never shows internals in a 500: %s", (_, error) => {
    const response = toErrorResponse(error, "req-2");
    expect(response.status).toBe(500);
    expect(response.expose).toBe(false);
    expect(response.body).toEqual({
      error: {
        code: "InternalError",
        message: "internal error: retry later, quoting the requestId",
        requestId: "req-2",
      },
    });
  });
});
