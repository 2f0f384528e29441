import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { accessDeniedDetails, accessDeniedMessage } from "../functions/http/access-denied.ts";
import { FUNCTION_FAILED_STATUS } from "../functions/http/errors.ts";
import {
  type FunctionGroup,
  type RouteDefinition,
  routes as registryRoutes,
} from "../functions/http/route-table.ts";
import { mlflowRoutes } from "../functions/mlflow/routes.ts";
import { buildApiGatewayEvent, LOCAL_API_ID, LOCAL_STAGE } from "./api-gateway-event.ts";
import { LOCAL_FUNCTION_ENTRIES } from "./handler-modules.ts";
import { INTEGRATION_TIMEOUT_MS } from "./lambda-context.ts";
import {
  createLocalInvoker,
  describeValue,
  HandlerTimeoutError,
  importHandler,
  LocalInvocationError,
  MalformedResultError,
} from "./lambda-invoker.ts";
import { LOCAL_ACCOUNT_ID, type LocalPrincipal } from "./principals.ts";
import { createRouteMatcher } from "./route-matcher.ts";
import { verifySigV4, withoutSignatureParams } from "./sigv4-verify.ts";
import { listenOn } from "./tcp-ports.ts";

export type HttpHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
export type HandlerLoader = (group: FunctionGroup) => Promise<HttpHandler>;

export interface GatewayOptions {
  /** 0 picks a free port. */
  port: number;
  /** Defaults to 127.0.0.1: the local gateway is for this machine only. */
  host?: string;
  region: string;
  principals: readonly LocalPrincipal[];
  /** Defaults to the registry's route table and the MLflow-compatible routes. */
  routes?: readonly RouteDefinition<FunctionGroup>[];
  /** Defaults to importing `functions/entry-points/<group>.ts`; tests pass their own. */
  loadHandler?: HandlerLoader;
  /** One access-log line per request on stdout (`npm start` turns it on). */
  logRequests?: boolean;
  /** Where handler crashes and signature diagnostics go; defaults to stderr. */
  logError?: (line: string) => void;
  /** Log the canonical request behind each SignatureDoesNotMatch (default true; tests that forge signatures turn it off). */
  explainSignatureMismatches?: boolean;
  /** How long a handler may take; default API Gateway's 29 s (tests shorten it). */
  integrationTimeoutMs?: number;
  /**
   * Local-only endpoints by `"<METHOD> <path>"` (such as `GET /_local/events`): answered before
   * routing and without a signature, as they exist only on this machine.
   */
  localRoutes?: Record<string, (req: IncomingMessage, res: ServerResponse) => void>;
  /** Local-only handlers of every method under a path prefix (`/console` answers `/console/…`). */
  localPrefixes?: Record<string, (req: IncomingMessage, res: ServerResponse) => void>;
  /**
   * Browser origins answered with CORS headers, besides the gateway's own
   * (`http://127.0.0.1:<port>`, `http://localhost:<port>`). Never `*`: the local principals'
   * keys are published, so any page could otherwise sign requests with them.
   */
  allowedOrigins?: readonly string[];
}

export interface LocalGateway {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/** API Gateway's payload limit for REST APIs. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** API Gateway's quota on the length of a regional REST API's URL, in characters. */
export const MAX_URL_CHARACTERS = 10_240;

/**
 * The request line and headers Node parses before answering 431 itself (16 KiB by default, with
 * no body): large enough that a URL over `MAX_URL_CHARACTERS` reaches the gateway and gets its
 * 414 with the registry's error body; a head beyond it gets a 431 in that body too (`clientError`).
 */
const MAX_HEAD_BYTES = 64 * 1024;

const CORS_ALLOW_HEADERS =
  "authorization, content-type, x-amz-date, x-amz-security-token, x-amz-content-sha256, idempotency-key, if-match";
const CORS_EXPOSE_HEADERS = "etag, location, x-amzn-requestid";

export const defaultLoadHandler: HandlerLoader = (group) =>
  importHandler(
    new URL(`../${LOCAL_FUNCTION_ENTRIES[group]}`, import.meta.url),
    LOCAL_FUNCTION_ENTRIES[group],
  );

class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** The error body's `details`, when it has any. */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/**
 * A local stand-in for API Gateway (REST, AWS_IAM on every route): routes by the shared route
 * table, verifies SigV4 against the local principals, lets a principal call only the routes that
 * list its role (as the role's IAM policy does in AWS), and invokes the same Lambda handlers
 * in-process with the event API Gateway would build.
 */
export async function startGateway(options: GatewayOptions): Promise<LocalGateway> {
  const host = options.host ?? "127.0.0.1";
  const routes = options.routes ?? [...registryRoutes, ...mlflowRoutes];
  const match = createRouteMatcher(routes);
  const principals = new Map(options.principals.map((p) => [p.accessKeyId, p]));
  const logError = options.logError ?? ((line: string) => process.stderr.write(`${line}\n`));
  const timeoutMs = options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS;
  const invoker = createLocalInvoker<FunctionGroup, APIGatewayProxyEvent, APIGatewayProxyResult>({
    load: options.loadHandler ?? defaultLoadHandler,
    timeoutMs,
    region: options.region,
    isResult: isProxyResult,
  });

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
  ): Promise<string | undefined> {
    const receivedAt = new Date();
    const url = req.url ?? "/";
    if (url.length > MAX_URL_CHARACTERS) {
      throw new GatewayError(
        414,
        "UriTooLong",
        `the URL's path and query are ${url.length} characters; API Gateway takes URLs of at most ${MAX_URL_CHARACTERS} characters (a regional REST API's quota): send a shorter query (narrow it with prefix or filters, page with limit and nextToken).`,
      );
    }
    if (!url.startsWith("/"))
      throw new GatewayError(400, "BadRequest", "the request target must be a path such as /models.");
    const queryStart = url.indexOf("?");
    const rawPath = queryStart === -1 ? url : url.slice(0, queryStart);
    const rawQuery = queryStart === -1 ? "" : url.slice(queryStart + 1);
    const method = (req.method ?? "GET").toUpperCase();
    const hostHeader = req.headers.host ?? "";
    if (!ownHosts.includes(hostHeader)) {
      // A page that points its own name at 127.0.0.1 (DNS rebinding) is same-origin with
      // itself, so CORS does not stop it: its requests carry its name in Host.
      throw new GatewayError(
        400,
        "BadRequest",
        `the local gateway answers only requests addressed to ${ownHosts[0]}, not '${hostHeader}'.`,
      );
    }

    const local = options.localRoutes?.[`${method} ${rawPath}`];
    if (local) {
      local(req, res);
      return undefined;
    }
    for (const [prefix, prefixed] of Object.entries(options.localPrefixes ?? {})) {
      if (rawPath === prefix || rawPath.startsWith(`${prefix}/`)) {
        prefixed(req, res);
        return undefined;
      }
    }
    if (method === "OPTIONS") {
      answerPreflight(req, res, match("OPTIONS", rawPath));
      return undefined;
    }
    const found = match(method, rawPath);
    if (found.kind === "not-found") {
      throw new GatewayError(
        404,
        "NotFound",
        `no route matches ${method} ${rawPath}: GET /openapi.json lists the routes.`,
      );
    }
    if (found.kind === "method-not-allowed") {
      throw new GatewayError(
        405,
        "MethodNotAllowed",
        `${method} is not allowed on ${rawPath}: use ${found.allow.join(" or ")}.`,
        { allow: [...found.allow, "OPTIONS"].join(", ") },
      );
    }

    const body = await readBody(req);
    let principal: LocalPrincipal | undefined;
    // An open route still checks a signature that is sent, so a signed caller gets its identity.
    const signed = req.headers.authorization !== undefined || /(^|&)X-Amz-Algorithm=/.test(rawQuery);
    if (!found.route.localUnauthenticated || signed) {
      const verdict = await verifySigV4(
        { method, rawPath, rawQuery, headers: req.headersDistinct, body },
        { region: options.region, principals },
      );
      if (!verdict.ok) {
        if (verdict.canonicalRequest && options.explainSignatureMismatches !== false) {
          logError(
            `[gateway] ${requestId} ${verdict.code}: the gateway signed this canonical request:\n${verdict.canonicalRequest}\nand this string to sign:\n${verdict.stringToSign}`,
          );
        }
        throw new GatewayError(403, verdict.code, verdict.message);
      }
      principal = verdict.principal;
      if (!found.route.roles.includes(principal.role)) {
        // IAM's deny, as API Gateway reports it, in the API's error body (in AWS a gateway
        // response reshapes it the same way).
        const resource = `arn:aws:execute-api:${options.region}:${LOCAL_ACCOUNT_ID}:${LOCAL_API_ID}/${LOCAL_STAGE}/${method}${rawPath}`;
        const iam = `User: ${principal.arn} is not authorized to perform: execute-api:Invoke on resource: ${resource}`;
        // IAM's sentence alone says nothing a user can act on: name the route and who may call it,
        // in the words AWS's gateway response uses (#http/access-denied.ts), IAM's in details.
        const { route } = found;
        throw new GatewayError(
          403,
          "AccessDenied",
          accessDeniedMessage(route, { allowed: route.roles, callerPlays: principal.role }),
          { "x-amzn-errortype": "AccessDeniedException" },
          accessDeniedDetails(route, iam),
        );
      }
    }

    const event = buildApiGatewayEvent({
      requestId,
      method,
      rawPath,
      // Signed, they have done their job; API Gateway does not pass them on either.
      rawQuery: withoutSignatureParams(rawQuery),
      resource: found.route.path,
      pathParameters: found.pathParameters,
      headers: req.headersDistinct,
      body,
      sourceIp: (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, ""),
      principal,
      receivedAt,
    });
    const result = await invoke(found.route.group, event, requestId);
    writeResult(res, result, requestId);
    return principal?.name;
  }

  /** Runs the route's handler and maps what went wrong to API Gateway's answers. */
  async function invoke(
    group: FunctionGroup,
    event: APIGatewayProxyEvent,
    requestId: string,
  ): Promise<APIGatewayProxyResult> {
    try {
      return await invoker.invoke(group, event, { requestId });
    } catch (error) {
      if (error instanceof HandlerTimeoutError) {
        throw new GatewayError(
          504,
          "IntegrationTimeout",
          `the ${group} handler did not answer within ${timeoutMs / 1000} seconds (API Gateway's limit).`,
        );
      }
      if (error instanceof MalformedResultError) {
        logError(
          `[gateway] ${requestId} the ${group} handler returned ${describeValue(error.result)}, not {statusCode, body}`,
        );
        // API Gateway's answer: a 502 through its DEFAULT_5XX gateway response (lib/registry-api.ts).
        throw new GatewayError(
          FUNCTION_FAILED_STATUS,
          "InternalError",
          "the handler returned a malformed response.",
        );
      }
      // A handler that threw, or could not be loaded (a function error in Lambda, which API
      // Gateway answers with 502): the log gets the stack, the caller nothing.
      const cause = error instanceof LocalInvocationError ? error.cause : error;
      logError(
        `[gateway] ${requestId} the ${group} handler failed: ${cause instanceof Error ? cause.stack : String(cause)}`,
      );
      throw new GatewayError(FUNCTION_FAILED_STATUS, "InternalError", "internal error");
    }
  }

  let ownHosts: string[] = [];
  let allowedOrigins: string[] = [];
  const server: Server = createServer({ maxHeaderSize: MAX_HEAD_BYTES }, (req, res) => {
    const requestId = randomUUID();
    const started = Date.now();
    const origin = req.headers.origin;
    if (origin !== undefined && allowedOrigins.includes(origin)) {
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("vary", "origin");
    }
    handle(req, res, requestId)
      .catch(async (error: unknown) => {
        // A 404, 405 or 413 is decided before the body is read: discard what the client still
        // sends before answering, or closing the socket would cut the client off mid-write (EPIPE).
        if (!req.complete) await drain(req);
        if (error instanceof GatewayError) {
          sendError(res, error, requestId);
        } else {
          logError(`[gateway] ${requestId} ${error instanceof Error ? error.stack : String(error)}`);
          sendError(res, new GatewayError(500, "InternalError", "internal error"), requestId);
        }
        return undefined;
      })
      .then((caller) => {
        if (options.logRequests) {
          process.stdout.write(
            `${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms ${caller ?? "-"} ${requestId}\n`,
          );
        }
      });
  });

  // Node closes idle keep-alive connections after 5 s, and a client that reuses one just then
  // gets "other side closed". Keep them as long as API Gateway's edge does (minutes), so a
  // client pausing between requests (a notebook, a test building its next request) is not cut off.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  // Node answers a head it cannot parse itself, with no body: answer in the registry's error shape.
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const answer =
      error.code === "HPE_HEADER_OVERFLOW"
        ? new GatewayError(
            431,
            "RequestHeaderFieldsTooLarge",
            `the request line and headers are over ${MAX_HEAD_BYTES / 1024} KiB; API Gateway takes URLs of at most ${MAX_URL_CHARACTERS} characters: send a shorter query and fewer or shorter headers.`,
          )
        : new GatewayError(400, "BadRequest", "the request is not valid HTTP/1.1.");
    const requestId = randomUUID();
    const body = JSON.stringify({ error: { code: answer.code, message: answer.message, requestId } });
    socket.end(
      `HTTP/1.1 ${answer.status} ${answer.status === 431 ? "Request Header Fields Too Large" : "Bad Request"}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `x-amzn-requestid: ${requestId}\r\nx-amzn-errortype: ${answer.code}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  const port = await listenOn(server, options.port, host, "the registry API", "REGISTRY_PORT");
  // The loopback names without the port are accepted too: some SigV4 signers (MLflow's built-in
  // `MLFLOW_TRACKING_AWS_SIGV4`, through requests-auth-aws-sigv4) send and sign `Host` without it,
  // as API Gateway's default port lets them. A rebinding page sends its own name, never these.
  const names = [host, ...(host === "127.0.0.1" ? ["localhost"] : [])];
  ownHosts = [...names.map((name) => `${name}:${port}`), ...names];
  // Origins always carry the port: a page on the same name at another port is another origin.
  allowedOrigins = [...names.map((name) => `http://${name}:${port}`), ...(options.allowedOrigins ?? [])];
  return {
    endpoint: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections from clients would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

/** Reads and discards the rest of a request body, for at most `timeoutMs`. */
function drain(req: IncomingMessage, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    req.once("end", done).once("close", done).once("error", done);
    req.resume();
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners("data");
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function tooLarge(): GatewayError {
  return new GatewayError(
    413,
    "RequestTooLarge",
    `the request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB (API Gateway's limit): upload artifacts to S3 with the presigned URLs instead.`,
    { connection: "close" },
  );
}

function sendError(res: ServerResponse, error: GatewayError, requestId: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({
    error: {
      code: error.code,
      message: error.message,
      requestId,
      ...(error.details !== undefined && { details: error.details }),
    },
  });
  res.writeHead(error.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "x-amzn-requestid": requestId,
    "x-amzn-errortype": error.code,
    "access-control-expose-headers": CORS_EXPOSE_HEADERS,
    ...error.headers,
  });
  res.end(body);
}

function answerPreflight(
  req: IncomingMessage,
  res: ServerResponse,
  found: ReturnType<ReturnType<typeof createRouteMatcher>>,
): void {
  if (found.kind === "not-found") {
    throw new GatewayError(
      404,
      "NotFound",
      `no route matches ${req.url}: GET /openapi.json lists the routes.`,
    );
  }
  const methods = found.kind === "method-not-allowed" ? found.allow : [found.route.method];
  // The allowed origin (if this one is) was set by the server; any other gets no CORS answer.
  res.writeHead(204, {
    "access-control-allow-methods": [...methods, "OPTIONS"].join(", "),
    "access-control-allow-headers": req.headers["access-control-request-headers"] ?? CORS_ALLOW_HEADERS,
    "access-control-expose-headers": CORS_EXPOSE_HEADERS,
    "access-control-max-age": "600",
    vary: "origin, access-control-request-headers",
  });
  res.end();
}

function isProxyResult(value: unknown): value is APIGatewayProxyResult {
  if (typeof value !== "object" || value === null) return false;
  const { statusCode, body } = value as { statusCode?: unknown; body?: unknown };
  return (
    typeof statusCode === "number" &&
    Number.isInteger(statusCode) &&
    statusCode >= 100 &&
    statusCode <= 599 &&
    (body === undefined || body === null || typeof body === "string")
  );
}

/** Writes a Lambda proxy result as API Gateway does: `multiValueHeaders` win over `headers` for the same name. */
function writeResult(res: ServerResponse, result: APIGatewayProxyResult, requestId: string): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers[name.toLowerCase()] = values.map(String);
  }
  const rawBody = result.body ?? "";
  const body = result.isBase64Encoded ? Buffer.from(rawBody, "base64") : Buffer.from(rawBody, "utf8");
  const bodyless = result.statusCode === 204 || result.statusCode === 304;
  if (body.length > 0 && headers["content-type"] === undefined) headers["content-type"] = "application/json";
  headers["access-control-expose-headers"] ??= CORS_EXPOSE_HEADERS;
  headers["x-amzn-requestid"] = requestId;
  if (!bodyless) headers["content-length"] = String(body.length);
  res.writeHead(result.statusCode, headers);
  res.end(bodyless ? undefined : body);
}
