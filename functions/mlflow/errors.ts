/**
 * Errors in MLflow's shape, `{error_code, message}`, with the HTTP statuses MLflow's server uses
 * (`mlflow/exceptions.py`, `ERROR_CODE_TO_HTTP_STATUS`), so the `mlflow` client raises an
 * `MlflowException` that carries the registry's message. Every domain error has its MLflow code
 * here (a new one fails the type-check until it has one).
 *
 * MLflow answers `INVALID_STATE` with 500, which its client retries seven times before giving up:
 * a refusal because of a version's or a model's state is `RESOURCE_CONFLICT` (409) instead, as
 * the native API's 409s are.
 */
import { DomainError, type DomainErrorCode } from "#core/errors.ts";
import { MlflowFilterError } from "./filter.ts";

export const mlflowErrorStatus = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  PERMISSION_DENIED: 403,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_CONFLICT: 409,
  INTERNAL_ERROR: 500,
  NOT_IMPLEMENTED: 501,
} as const;
export type MlflowErrorCode = keyof typeof mlflowErrorStatus;

const domainToMlflow: Record<DomainErrorCode, MlflowErrorCode> = {
  ValidationError: "INVALID_PARAMETER_VALUE",
  ModelNotFound: "RESOURCE_DOES_NOT_EXIST",
  VersionNotFound: "RESOURCE_DOES_NOT_EXIST",
  AliasNotFound: "RESOURCE_DOES_NOT_EXIST",
  ArtifactNotFound: "RESOURCE_DOES_NOT_EXIST",
  TransitionNotFound: "RESOURCE_DOES_NOT_EXIST",
  TransitionNotAllowed: "RESOURCE_CONFLICT",
  TransitionAlreadyOpen: "RESOURCE_CONFLICT",
  TransitionState: "RESOURCE_CONFLICT",
  NothingToRollBack: "RESOURCE_CONFLICT",
  NotTheRequester: "PERMISSION_DENIED",
  ApprovalRefused: "PERMISSION_DENIED",
  ModelAlreadyExists: "RESOURCE_ALREADY_EXISTS",
  ConcurrentModification: "RESOURCE_CONFLICT",
  ModelProtected: "RESOURCE_CONFLICT",
  VersionFrozen: "RESOURCE_CONFLICT",
  VersionSealed: "RESOURCE_CONFLICT",
  VersionAbandoned: "RESOURCE_CONFLICT",
  VersionNotReady: "RESOURCE_CONFLICT",
  PreconditionFailed: "RESOURCE_CONFLICT",
  PayloadTooLarge: "INVALID_PARAMETER_VALUE",
  IdempotencyKeyReused: "INVALID_PARAMETER_VALUE",
  UploadIncomplete: "RESOURCE_CONFLICT",
  ArtifactsNotVerified: "RESOURCE_CONFLICT",
};

/** An error the MLflow adapter raises itself (a missing parameter, a refused rename). */
export class MlflowApiError extends Error {
  constructor(
    readonly code: MlflowErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "MlflowApiError";
  }
}

export const invalidParameter = (message: string) => new MlflowApiError("INVALID_PARAMETER_VALUE", message);

export interface MlflowErrorResponse {
  status: number;
  body: { error_code: MlflowErrorCode; message: string };
  /** False for a 5xx: the body hides the cause, which the caller logs. */
  expose: boolean;
}

export function toMlflowError(error: unknown, requestId: string): MlflowErrorResponse {
  const known =
    error instanceof MlflowApiError
      ? { code: error.code, message: error.message }
      : error instanceof MlflowFilterError
        ? { code: "INVALID_PARAMETER_VALUE" as const, message: `filter: ${error.message}` }
        : error instanceof DomainError
          ? { code: domainToMlflow[error.code as DomainErrorCode], message: error.message }
          : undefined;
  if (!known || (mlflowErrorStatus[known.code] >= 500 && known.code !== "NOT_IMPLEMENTED")) {
    return {
      status: 500,
      body: {
        error_code: "INTERNAL_ERROR",
        message: `internal error: retry later, quoting the request id ${requestId}`,
      },
      expose: false,
    };
  }
  return {
    status: mlflowErrorStatus[known.code],
    body: { error_code: known.code, message: known.message },
    expose: true,
  };
}
