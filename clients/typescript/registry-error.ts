export interface RegistryResponse<T = unknown> {
  status: number;
  /** Lowercased header names. */
  headers: Record<string, string>;
  /** The parsed JSON body, or `null` when the body is empty or not JSON. */
  body: T | null;
  rawBody: string;
}

export interface ErrorBody {
  error: { code: string; message: string; requestId?: string; [detail: string]: unknown };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const STATUS_CODES: Record<number, string> = {
  400: "BadRequest",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  412: "PreconditionFailed",
  422: "UnprocessableEntity",
  429: "TooManyRequests",
};

/**
 * The error body of a response in the registry's shape. Responses that API Gateway writes itself
 * (a bad signature: `{ "message": "..." }`) and non-JSON bodies are normalised into that shape.
 */
export function toErrorBody(response: RegistryResponse): ErrorBody {
  const body = response.body;
  if (isRecord(body) && isRecord(body.error) && typeof body.error.code === "string") {
    const error = body.error;
    return {
      error: { ...error, code: error.code as string, message: String(error.message ?? "") },
    };
  }
  const requestId = response.headers["x-amzn-requestid"] ?? response.headers["x-amz-apigw-id"];
  const message =
    isRecord(body) && typeof body.message === "string"
      ? body.message
      : response.rawBody.trim() || `HTTP ${response.status}`;
  const code = STATUS_CODES[response.status] ?? (response.status >= 500 ? "ServerError" : "HttpError");
  return { error: requestId ? { code, message, requestId } : { code, message } };
}

export class RegistryError extends Error {
  override readonly name = "RegistryError";
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  /** The error body, normalised to `{ error: { code, message, requestId? } }`. */
  readonly body: ErrorBody;

  constructor(response: RegistryResponse) {
    const body = toErrorBody(response);
    super(body.error.message);
    this.status = response.status;
    this.code = body.error.code;
    this.requestId = body.error.requestId;
    this.body = body;
  }
}
