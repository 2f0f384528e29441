/**
 * The one place domain errors become HTTP responses. A 4xx says what to fix; a 5xx says only
 * "internal error" and the request id, and the real error goes to the log.
 */
import {
  AliasNotFoundError,
  ConcurrentModificationError,
  DomainError,
  IdempotencyKeyReusedError,
  ModelAlreadyExistsError,
  ModelNotFoundError,
  ModelProtectedError,
  PayloadTooLargeError,
  PreconditionFailedError,
  ValidationError,
  VersionFrozenError,
  VersionNotFoundError,
} from "#core/errors.ts";

type ErrorClass = abstract new (...args: never[]) => DomainError;

const statusByError: [ErrorClass, number][] = [
  [ValidationError, 400],
  [ModelNotFoundError, 404],
  [VersionNotFoundError, 404],
  [AliasNotFoundError, 404],
  [ModelAlreadyExistsError, 409],
  [ConcurrentModificationError, 409],
  [ModelProtectedError, 409],
  [VersionFrozenError, 409],
  [PreconditionFailedError, 412],
  [PayloadTooLargeError, 413],
  [IdempotencyKeyReusedError, 422],
];

/** An error raised by the HTTP layer itself (bad JSON, unknown route, missing identity). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export interface ErrorResponse {
  status: number;
  body: { error: { code: string; message: string; requestId: string; issues?: unknown } };
}

export function toErrorResponse(error: unknown, requestId: string): ErrorResponse {
  if (error instanceof DomainError) {
    const status = statusByError.find(([type]) => error instanceof type)?.[1] ?? 400;
    return {
      status,
      body: {
        error: {
          code: error.code,
          message: error.message,
          requestId,
          ...(error instanceof ValidationError && { issues: error.issues }),
        },
      },
    };
  }
  if (error instanceof HttpError) {
    return { status: error.status, body: { error: { code: error.code, message: error.message, requestId } } };
  }
  console.error(
    JSON.stringify({ level: "ERROR", requestId, message: "unhandled error", error: describe(error) }),
  );
  return {
    status: 500,
    body: {
      error: {
        code: "InternalError",
        message: "internal error: retry later, quoting the requestId",
        requestId,
      },
    },
  };
}

function describe(error: unknown) {
  return error instanceof Error
    ? { name: error.name, message: error.message, stack: error.stack }
    : { value: String(error) };
}
