/**
 * The one place error codes become HTTP statuses, for the API's responses and for the OpenAPI
 * document (`openapi.ts` lists each status with the codes that produce it). A 4xx says what to
 * fix; a 5xx (`expose = status < 500`, as middy's `createError`) says only "internal error" and
 * the request id, and the real error goes to the log.
 */
import { DomainError, type DomainErrorCode, ValidationError } from "#core/errors.ts";

/** The status of every domain error. A new domain error fails the type-check until it has one. */
export const domainErrorStatus = {
  ValidationError: 400,
  ModelNotFound: 404,
  VersionNotFound: 404,
  AliasNotFound: 404,
  ArtifactNotFound: 404,
  TransitionNotFound: 404,
  TransitionNotAllowed: 409,
  TransitionAlreadyOpen: 409,
  TransitionState: 409,
  NothingToRollBack: 409,
  NotTheRequester: 403,
  ApprovalRefused: 422,
  ModelAlreadyExists: 409,
  ConcurrentModification: 409,
  ModelProtected: 409,
  VersionFrozen: 409,
  VersionSealed: 409,
  VersionAbandoned: 409,
  VersionNotReady: 409,
  PreconditionFailed: 412,
  PayloadTooLarge: 413,
  IdempotencyKeyReused: 422,
  UploadIncomplete: 422,
  ArtifactsNotVerified: 422,
} as const satisfies Record<DomainErrorCode, number>;

/** Errors the HTTP layer raises itself, around the core. */
export const httpErrorStatus = {
  InvalidJson: 400,
  MissingIdentity: 403,
  RouteNotFound: 404,
  InternalError: 500,
} as const satisfies Record<string, number>;

/**
 * What answers a routed request before (or instead of) a handler: API Gateway in AWS (its gateway
 * responses, `lib/registry-api.ts`) or the local gateway (`local/gateway.ts`, `local/sigv4-verify.ts`).
 * Never raised here: listed so the OpenAPI document names them. Requests that match no route at
 * all (NotFound, MethodNotAllowed, BadRequest in local mode) belong to no operation, so they are
 * not listed.
 */
export const gatewayErrorStatus = {
  AccessDenied: 403,
  MissingAuthenticationToken: 403,
  InvalidSignature: 403,
  SignatureDoesNotMatch: 403,
  IncompleteSignature: 403,
  UnknownAccessKey: 403,
  ExpiredToken: 403,
  RequestExpired: 403,
  RequestTooLarge: 413,
  UriTooLong: 414,
  RequestHeaderFieldsTooLarge: 431,
  TooManyRequests: 429,
  IntegrationTimeout: 504,
} as const satisfies Record<string, number>;

type HttpErrorCode = keyof typeof httpErrorStatus;
export type GatewayErrorCode = keyof typeof gatewayErrorStatus;

/**
 * The codes API Gateway's gateway responses carry (`lib/registry-api.ts`): the gateway codes,
 * `ValidationError` for its request validators, `InternalError` for any 5xx of its own (a
 * function that crashed or answered no response: 502), and `RequestRejected` for any other 4xx
 * it refuses, which keeps the status API Gateway chose (so it has no fixed status above).
 */
export type GatewayResponseCode = GatewayErrorCode | "ValidationError" | "InternalError" | "RequestRejected";
type ErrorCode = DomainErrorCode | HttpErrorCode | GatewayErrorCode;
/**
 * A function that crashed or answered no response: either gateway answers `InternalError`, with
 * 502 instead of the 500 a function's own `InternalError` has (API Gateway's DEFAULT_5XX).
 */
export const FUNCTION_FAILED_STATUS = 502;

/** Every error status a client can receive. */
export type ErrorStatus =
  | (typeof domainErrorStatus)[DomainErrorCode]
  | (typeof httpErrorStatus)[HttpErrorCode]
  | (typeof gatewayErrorStatus)[GatewayErrorCode]
  | typeof FUNCTION_FAILED_STATUS;

/** Every code a client can receive, with its status. */
export const errorStatus: Readonly<Record<ErrorCode, ErrorStatus>> = {
  ...domainErrorStatus,
  ...httpErrorStatus,
  ...gatewayErrorStatus,
};

/** An error raised by the HTTP layer itself (bad JSON, unknown route, missing identity, bad header). */
export class HttpError extends Error {
  readonly status: number;

  constructor(
    readonly code: HttpErrorCode | DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
    this.status = errorStatus[code];
  }
}

interface ErrorResponse {
  status: number;
  body: { error: { code: string; message: string; requestId: string; issues?: unknown; details?: unknown } };
  /** False for a 5xx: the body hides the cause, which the caller should log. */
  expose: boolean;
}

const INTERNAL_MESSAGE = "internal error: retry later, quoting the requestId";

export function toErrorResponse(error: unknown, requestId: string): ErrorResponse {
  const known =
    error instanceof DomainError
      ? { status: domainErrorStatus[error.code], code: error.code, message: error.message }
      : error instanceof HttpError
        ? { status: error.status, code: error.code, message: error.message }
        : undefined;
  if (!known || known.status >= 500) {
    return {
      status: known?.status ?? httpErrorStatus.InternalError,
      body: { error: { code: "InternalError", message: INTERNAL_MESSAGE, requestId } },
      expose: false,
    };
  }
  return {
    status: known.status,
    body: {
      error: {
        code: known.code,
        message: known.message,
        requestId,
        ...(error instanceof ValidationError && { issues: error.issues }),
        // Other domain errors may carry facts for the client (a refused seal's per-artifact report).
        ...(error instanceof DomainError &&
          !(error instanceof ValidationError) &&
          error.details !== undefined && { details: error.details }),
      },
    },
    expose: true,
  };
}
