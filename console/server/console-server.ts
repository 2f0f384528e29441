/**
 * The console's server side: serves the built pages (`console/dist`) under `/console/` and a
 * signing proxy under `/console/api/`, which signs each call with SigV4 server-side and forwards it
 * to the registry API. The browser never holds a credential.
 *
 * One design for both ways the console is reached:
 * - local mode (`npm start`, `./local-console.ts`): the identities are the local principals, and
 *   the page picks one per call (the principal picker);
 * - against AWS (the later `registry console` command): one identity, the caller's credentials
 *   from the normal chain, and the token reaches the page through the URL the command prints.
 *
 * What keeps another page of the same browser (or another local process) from driving it:
 * - every `/console/api/` call needs the console's random token in the `x-console-token` header. A
 *   page of another origin cannot read it, and cannot send a custom header without a CORS
 *   preflight, which this server never approves for a foreign origin;
 * - a request that carries an `Origin` (every cross-origin one does) must come from the console's
 *   own origin, and `Sec-Fetch-Site`, where sent, must be `same-origin`;
 * - the `Host` must be the console's own (DNS rebinding): the local gateway checks it before
 *   routing here, `startConsoleServer` does it itself;
 * - it listens on loopback only; the pages forbid framing and load nothing from elsewhere (CSP).
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import {
  type Credentials,
  type CredentialsProvider,
  RequestSigner,
} from "../../clients/typescript/signer.ts";

export const CONSOLE_PATH = "/console";
export const TOKEN_HEADER = "x-console-token";
export const IDENTITY_HEADER = "x-console-identity";
export const DEFAULT_DIST_DIR = fileURLToPath(new URL("../dist/", import.meta.url));
/** API Gateway's payload limit: the proxy buffers no more. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Request headers the proxy passes on (and signs); every other header of the browser stays here. */
const FORWARDED_REQUEST_HEADERS = ["content-type", "idempotency-key", "if-match", "accept"] as const;
const FORWARDED_RESPONSE_HEADERS = ["content-type", "etag", "location", "x-amzn-requestid", "retry-after"];

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Someone the proxy can sign as. */
export interface ConsoleIdentity {
  name: string;
  /** The registry role it plays, where known (local principals); shown in the picker. */
  role?: string;
  credentials: Credentials | CredentialsProvider;
}

export interface ConsoleOptions {
  /** `local`: the page shows the principal picker; `aws`: one identity, the caller's. */
  mode: "local" | "aws";
  /** Where signed calls go (read per call: the local gateway learns its port after listening). */
  apiEndpoint: () => string;
  region: string;
  identities: readonly ConsoleIdentity[];
  /** The secret every API call must carry; random per start (`newConsoleToken`). */
  token: string;
  /**
   * Where the page learns the token. `page`: written into the HTML it serves, which only a page
   * of the console's own origin can read (local mode: the local principals' keys are published,
   * so the token guards against other web pages, not against local processes). `url`: the page
   * reads it from `?token=` in the URL the command prints (AWS: the caller's real credentials
   * stand behind the proxy, so another local user or process must not get it from the page).
   */
  tokenDelivery: "page" | "url";
  /** The origins the console is served from (`http://127.0.0.1:<port>`, `http://localhost:<port>`). */
  ownOrigins: () => readonly string[];
  /** Defaults to `console/dist`. */
  distDir?: string;
}

export type ConsoleHandler = (req: IncomingMessage, res: ServerResponse) => void;

class ConsoleError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const ASSET_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
};

export function createConsoleHandler(options: ConsoleOptions): ConsoleHandler {
  const distDir = options.distDir ?? DEFAULT_DIST_DIR;
  const identities = new Map(options.identities.map((identity) => [identity.name, identity]));
  const signers = new Map(
    options.identities.map((identity) => [
      identity.name,
      new RequestSigner({ region: options.region, credentials: identity.credentials }),
    ]),
  );
  const expectedToken = Buffer.from(options.token);

  function checkCaller(req: IncomingMessage): void {
    const origin = req.headers.origin;
    if (origin !== undefined && !options.ownOrigins().includes(origin)) {
      throw new ConsoleError(
        403,
        "ForeignOrigin",
        `the console answers only pages of its own origin (${options.ownOrigins()[0]}), not ${origin}.`,
      );
    }
    const site = req.headers["sec-fetch-site"];
    if (site !== undefined && site !== "same-origin" && site !== "none") {
      throw new ConsoleError(
        403,
        "ForeignOrigin",
        `the console answers only its own pages (Sec-Fetch-Site: ${site}).`,
      );
    }
    const sent = req.headers[TOKEN_HEADER];
    const token = Buffer.from(typeof sent === "string" ? sent : "");
    if (token.length !== expectedToken.length || !timingSafeEqual(token, expectedToken)) {
      throw new ConsoleError(
        403,
        "ConsoleTokenRequired",
        `${sent === undefined ? `the console's API needs its token in the ${TOKEN_HEADER} header` : "the console token is wrong (was the console restarted?)"}: ${
          options.tokenDelivery === "page"
            ? `it is for the console's own pages: open ${options.ownOrigins()[0] ?? ""}${CONSOLE_PATH}/ and reload it.`
            : "open the console from the URL its command printed (it carries the token)."
        }`,
      );
    }
  }

  async function proxy(req: IncomingMessage, res: ServerResponse, apiPath: string, query: string) {
    const name = req.headers[IDENTITY_HEADER];
    const identityName =
      typeof name === "string" && name !== ""
        ? name
        : options.identities.length === 1
          ? options.identities[0]!.name
          : undefined;
    const identity = identityName === undefined ? undefined : identities.get(identityName);
    const signer = identityName === undefined ? undefined : signers.get(identityName);
    if (!identity || !signer) {
      throw new ConsoleError(
        400,
        "UnknownIdentity",
        `the ${IDENTITY_HEADER} header must name one of ${[...identities.keys()].join(", ")}${identityName === undefined ? "" : `, not '${identityName}'`}.`,
      );
    }
    // `new URL` would resolve dot segments, and a call could leave the API's base path.
    if (apiPath.split("/").some((segment) => /^(\.|%2e){1,2}$/i.test(segment))) {
      throw new ConsoleError(400, "BadRequest", "the console's API paths have no '.' or '..' segments.");
    }
    const method = (req.method ?? "GET").toUpperCase();
    const body = method === "GET" || method === "HEAD" ? undefined : await readBody(req);
    const url = new URL(`${options.apiEndpoint()}${apiPath}${query ? `?${query}` : ""}`);
    const headers: Record<string, string> = {};
    for (const header of FORWARDED_REQUEST_HEADERS) {
      const value = req.headers[header];
      if (typeof value === "string") headers[header] = value;
    }
    const querySigned: Record<string, string | string[]> = {};
    for (const [key, value] of url.searchParams) {
      const existing = querySigned[key];
      querySigned[key] = existing === undefined ? value : [...[existing].flat(), value];
    }
    const signed = await signer.sign({ method, url, headers, query: querySigned, body });
    let upstream: Response;
    try {
      upstream = await fetch(url, { method, headers: signed, body, redirect: "manual" });
    } catch (error) {
      throw new ConsoleError(
        502,
        "RegistryUnreachable",
        `the registry at ${url.origin} did not answer (${error instanceof Error ? error.message : String(error)}): is it running?`,
      );
    }
    const responseHeaders: Record<string, string> = { "cache-control": "no-store" };
    for (const header of FORWARDED_RESPONSE_HEADERS) {
      const value = upstream.headers.get(header);
      if (value !== null) responseHeaders[header] = value;
    }
    const bytes = Buffer.from(await upstream.arrayBuffer());
    res.writeHead(upstream.status, { ...responseHeaders, "content-length": String(bytes.length) });
    res.end(bytes);
  }

  function session(res: ServerResponse): void {
    sendJson(res, 200, {
      mode: options.mode,
      identities: options.identities.map(({ name, role }) => ({ name, ...(role && { role }) })),
    });
  }

  function page(req: IncomingMessage, res: ServerResponse): void {
    const html = readDist(distDir, "index.html");
    if (!html) {
      missingBuild(res);
      return;
    }
    const config = { mode: options.mode, ...(options.tokenDelivery === "page" && { token: options.token }) };
    const body = html
      .toString("utf8")
      .replace(
        "<!--console-config-->",
        `<meta name="console-config" content="${escapeHtml(JSON.stringify(config))}">`,
      );
    res.writeHead(200, {
      ...pageHeaders(),
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
    });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  function asset(req: IncomingMessage, res: ServerResponse, name: string): void {
    const type = ASSET_TYPES[name.slice(name.lastIndexOf("."))];
    const bytes =
      /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(name) && type ? readDist(distDir, name) : undefined;
    if (!bytes) throw new ConsoleError(404, "NotFound", `the console has no asset '${name}'.`);
    res.writeHead(200, { ...pageHeaders(), "content-type": type!, "cache-control": "no-cache" });
    res.end(req.method === "HEAD" ? undefined : bytes);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? "/";
    const queryStart = url.indexOf("?");
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    const query = queryStart === -1 ? "" : url.slice(queryStart + 1);
    const method = (req.method ?? "GET").toUpperCase();
    if (path === CONSOLE_PATH) {
      res.writeHead(308, { location: `${CONSOLE_PATH}/${query ? `?${query}` : ""}` });
      res.end();
      return;
    }
    const rest = path.slice(CONSOLE_PATH.length);
    if (rest.startsWith("/api/") || rest === "/api") {
      checkCaller(req);
      if (rest === "/api/session" && method === "GET") return session(res);
      return await proxy(req, res, rest.slice("/api".length), query);
    }
    if (method !== "GET" && method !== "HEAD") {
      throw new ConsoleError(
        405,
        "MethodNotAllowed",
        `the console's pages are read with GET, not ${method}.`,
      );
    }
    if (rest.startsWith("/assets/")) return asset(req, res, rest.slice("/assets/".length));
    return page(req, res);
  }

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof ConsoleError) {
        sendJson(res, error.status, { error: { code: error.code, message: error.message } });
      } else {
        process.stderr.write(`[console] ${error instanceof Error ? error.stack : String(error)}\n`);
        sendJson(res, 500, { error: { code: "InternalError", message: "the console's proxy failed" } });
      }
    });
  };
}

function pageHeaders(): Record<string, string> {
  return {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    // The AWS console's URL carries its token: never send it on as a Referer.
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
  };
}

function readDist(distDir: string, name: string): Buffer | undefined {
  const file = `${distDir}${distDir.endsWith("/") ? "" : "/"}${name}`;
  try {
    if (!statSync(file).isFile()) return undefined;
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function missingBuild(res: ServerResponse): void {
  const body =
    "The console is not built: run `npm run build:console` (npm start and npm test build it), then reload.\n";
  res.writeHead(503, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    "cache-control": "no-store",
  });
  res.end(body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners("data");
        req.resume();
        reject(new ConsoleError(413, "RequestTooLarge", "the request body is larger than 10 MB."));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** A fresh console token: 32 random bytes, URL-safe. */
export function newConsoleToken(): string {
  return randomBytes(32).toString("base64url");
}

export interface StandaloneConsole {
  /** `http://127.0.0.1:<port>/console/`, plus `?token=…` when the token travels in the URL. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The console on a server of its own (what `registry console` will run against AWS): loopback
 * only, and only for requests addressed to its own host and port (DNS rebinding), every other
 * request refused before the console sees it.
 */
export async function startConsoleServer(
  options: Omit<ConsoleOptions, "ownOrigins"> & { port?: number },
): Promise<StandaloneConsole> {
  const host = "127.0.0.1";
  let ownHosts: string[] = [];
  const handler = createConsoleHandler({ ...options, ownOrigins: () => ownHosts.map((h) => `http://${h}`) });
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (!ownHosts.includes(req.headers.host ?? "")) {
      sendJson(res, 400, {
        error: {
          code: "BadRequest",
          message: `the console answers only requests addressed to ${ownHosts[0]}.`,
        },
      });
    } else if (path !== CONSOLE_PATH && !path.startsWith(`${CONSOLE_PATH}/`)) {
      res.writeHead(302, { location: `${CONSOLE_PATH}/` });
      res.end();
    } else {
      handler(req, res);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  ownHosts = [`${host}:${port}`, `localhost:${port}`];
  const token = options.tokenDelivery === "url" ? `?token=${encodeURIComponent(options.token)}` : "";
  return {
    url: `http://${host}:${port}${CONSOLE_PATH}/${token}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
