/**
 * The local S3: s3rver stores buckets and objects, behind a front that enforces what S3 and the
 * artifact bucket's policy enforce in AWS, so nothing local is more lenient than AWS:
 *
 * - every request is signed with SigV4 (header or presigned URL) by the registry's own identity
 *   (`registry-credentials.ts`; the bucket policy admits no other writer), within its expiry
 *   (`X-Amz-Expires`) and five minutes of clock skew; the body matches a declared
 *   `x-amz-content-sha256`;
 * - a PUT honours `If-None-Match: *` (412 when an object exists) and `x-amz-checksum-sha256`
 *   (400 BadDigest for other bytes), as does CompleteMultipartUpload's `If-None-Match`; an
 *   UploadPart honours its `x-amz-checksum-sha256`;
 * - objects get version ids, as in the versioned bucket: `x-amz-version-id` on PUT, Complete,
 *   GET and HEAD; `?versionId=` reads exactly that version (the front keeps a copy of each);
 * - DELETE of an object is refused, as the bucket policy denies it;
 * - CORS answers only the origins the registry allows (its own console), never `*`;
 * - the `Host` must be this listener's loopback address (a page that rebinds its own name to
 *   127.0.0.1 is refused).
 *
 * s3rver itself listens on a Unix socket in a folder only this user can open, never on a port.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import S3rver from "s3rver";
import { type SigningIdentity, verifySigV4, withoutSignatureParams } from "./sigv4-verify.ts";
import { listenOn } from "./tcp-ports.ts";

export interface S3LocalOptions {
  /** 0 picks a free port. */
  port: number;
  /** Folder holding buckets and objects (created if missing). */
  directory: string;
  bucket: string;
  region: string;
  /** The only identity whose signatures are accepted: the registry's own. */
  signer: SigningIdentity;
  /** Browser origins allowed by CORS (asked per request: the console's port is known later). */
  allowedOrigins: () => readonly string[];
  /** The front's clock (tests move it). */
  now?: () => Date;
}

export interface S3Local {
  /** `http://127.0.0.1:<port>`: an IP address makes the AWS SDK use path-style URLs. */
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export const DEFAULT_BUCKET = "model-registry-artifacts";

/** Response headers a browser may read: ETag completes a multipart upload. */
const EXPOSE_HEADERS = "ETag, x-amz-version-id, x-amz-checksum-sha256";
const ALLOW_METHODS = "GET, HEAD, PUT";

interface VersionMeta {
  key: string;
  versionId: string;
  size: number;
  etag: string;
  contentType: string;
  lastModified: string;
  /** Base64 SHA-256 the PUT declared (and the front checked), when it declared one. */
  checksumSha256?: string;
}

class S3FrontError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startS3Local(options: S3LocalOptions): Promise<S3Local> {
  const directory = resolve(options.directory);
  mkdirSync(directory, { recursive: true });
  // Beside the objects (not inside: s3rver would list it as a bucket), kept with them.
  const versionsRoot = `${directory}-versions`;
  mkdirSync(versionsRoot, { recursive: true });
  const incoming = join(versionsRoot, ".incoming");
  mkdirSync(incoming, { recursive: true });
  const socketDir = mkdtempSync(join(tmpdir(), "model-registry-s3rver-"));
  const socketPath = join(socketDir, "s3rver.sock");
  const s3rver = new S3rver({
    silent: true,
    directory,
    // Presigned URLs point at 127.0.0.1, so bucket names never arrive as virtual hosts.
    vhostBuckets: false,
    configureBuckets: [{ name: options.bucket, configs: [] }],
  });
  await s3rver.configureBuckets();
  const backend = createServer(s3rver.callback());
  await new Promise<void>((ok, fail) => backend.once("error", fail).listen(socketPath, () => ok()));

  const now = options.now ?? (() => new Date());
  const signers = new Map([[options.signer.accessKeyId, options.signer]]);
  const locks = new Map<string, Promise<unknown>>();
  let port = 0;

  /** One write at a time per key: a precondition and the write it guards are one step. */
  function exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = locks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    locks.set(key, next);
    void next
      .catch(() => undefined)
      .finally(() => {
        if (locks.get(key) === next) locks.delete(key);
      });
    return next;
  }

  function versionFolder(bucket: string, key: string): string {
    return join(versionsRoot, bucket, createHash("sha256").update(key).digest("hex"));
  }

  async function currentVersion(bucket: string, key: string): Promise<VersionMeta | undefined> {
    const text = await readFile(join(versionFolder(bucket, key), "current.json"), "utf8").catch(
      () => undefined,
    );
    return text === undefined ? undefined : (JSON.parse(text) as VersionMeta);
  }

  async function findVersion(
    bucket: string,
    key: string,
    versionId: string,
  ): Promise<VersionMeta | undefined> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(versionId)) return undefined;
    const text = await readFile(join(versionFolder(bucket, key), `${versionId}.json`), "utf8").catch(
      () => undefined,
    );
    return text === undefined ? undefined : (JSON.parse(text) as VersionMeta);
  }

  /** Keeps `file` (moved) as a new version of the key and makes it current. */
  async function recordVersion(
    bucket: string,
    key: string,
    file: string,
    facts: Omit<VersionMeta, "key" | "versionId" | "lastModified">,
  ): Promise<VersionMeta> {
    const folder = versionFolder(bucket, key);
    mkdirSync(folder, { recursive: true });
    const versionId = randomBytes(24).toString("base64url");
    const meta: VersionMeta = { key, versionId, lastModified: now().toUTCString(), ...facts };
    await rename(file, join(folder, versionId));
    await writeFile(join(folder, `${versionId}.json`), JSON.stringify(meta));
    await writeFile(join(folder, "current.json.tmp"), JSON.stringify(meta));
    await rename(join(folder, "current.json.tmp"), join(folder, "current.json"));
    return meta;
  }

  function corsHeaders(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (origin === undefined || !options.allowedOrigins().includes(origin)) return {};
    return {
      "access-control-allow-origin": origin,
      "access-control-expose-headers": EXPOSE_HEADERS,
      vary: "origin",
    };
  }

  function sendError(req: IncomingMessage, res: ServerResponse, error: S3FrontError): void {
    const body =
      req.method === "HEAD"
        ? ""
        : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message></Error>`;
    res.writeHead(error.status, {
      "content-type": "application/xml",
      "content-length": Buffer.byteLength(body),
      "x-amz-error-code": error.code,
      ...corsHeaders(req),
    });
    res.end(body);
  }

  /** Sends the request to s3rver, without its signature (s3rver checks none; the front did). */
  function forward(
    req: IncomingMessage,
    path: string,
    headers: IncomingHttpHeaders,
    body?: { file: string; size: number },
  ): Promise<IncomingMessage> {
    const sent: IncomingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) {
      if (name === "authorization" || name.startsWith("x-amz-") || name === "if-none-match") continue;
      if (name === "transfer-encoding" || name === "content-length" || name === "origin") continue;
      sent[name] = value;
    }
    sent["content-length"] = String(body?.size ?? 0);
    return new Promise((ok, fail) => {
      const outgoing = request({ socketPath, method: req.method, path, headers: sent }, ok);
      outgoing.once("error", fail);
      if (body) createReadStream(body.file).once("error", fail).pipe(outgoing);
      else outgoing.end();
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? "/";
    const queryAt = rawUrl.indexOf("?");
    const rawPath = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
    const rawQuery = queryAt === -1 ? "" : rawUrl.slice(queryAt + 1);
    const host = req.headers.host ?? "";
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      throw new S3FrontError(
        400,
        "InvalidHost",
        `the local S3 answers only requests addressed to 127.0.0.1:${port}, not '${host}'`,
      );
    }
    if (req.method === "OPTIONS") {
      const cors = corsHeaders(req);
      const method = req.headers["access-control-request-method"] ?? "";
      if (!cors["access-control-allow-origin"] || !ALLOW_METHODS.split(", ").includes(method)) {
        throw new S3FrontError(403, "AccessForbidden", "CORSResponse: This CORS request is not allowed.");
      }
      res.writeHead(200, {
        ...cors,
        "access-control-allow-methods": ALLOW_METHODS,
        "access-control-allow-headers": req.headers["access-control-request-headers"] ?? "",
        "access-control-max-age": "600",
        "content-length": "0",
      });
      res.end();
      return;
    }

    const query = new URLSearchParams(rawQuery);
    const segments = rawPath.split("/").filter(Boolean).map(decodeURIComponent);
    const [bucket, ...keyParts] = segments;
    const key = keyParts.join("/");
    const objectRequest = bucket !== undefined && key !== "";
    const hasBody = req.method === "PUT" || req.method === "POST";

    // The body lands in a file first: it is hashed before anything is stored.
    let body: { file: string; size: number; sha256: Buffer } | undefined;
    try {
      if (hasBody) body = await receive(req, incoming);
      const verified = await verifySigV4(
        {
          method: req.method ?? "GET",
          rawPath,
          rawQuery,
          headers: req.headersDistinct,
          body: new Uint8Array(),
        },
        { region: options.region, service: "s3", principals: signers, now: now() },
      );
      if (!verified.ok) {
        const status = verified.code === "IncompleteSignature" ? 400 : 403;
        const code =
          verified.code === "RequestExpired"
            ? "AccessDenied"
            : verified.code === "MissingAuthenticationToken"
              ? "AccessDenied"
              : verified.code === "UnknownAccessKey"
                ? "InvalidAccessKeyId"
                : verified.code === "IncompleteSignature"
                  ? "AuthorizationQueryParametersError"
                  : verified.code;
        throw new S3FrontError(status, code, verified.message);
      }
      const declared = header(req.headers, "x-amz-content-sha256");
      if (
        declared &&
        declared !== "UNSIGNED-PAYLOAD" &&
        declared !== (body?.sha256.toString("hex") ?? EMPTY_SHA256)
      ) {
        throw new S3FrontError(
          400,
          "XAmzContentSHA256Mismatch",
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
        );
      }
      const checksum = header(req.headers, "x-amz-checksum-sha256");
      if (checksum !== undefined && body && checksum !== body.sha256.toString("base64")) {
        throw new S3FrontError(
          400,
          "BadDigest",
          "The SHA256 you specified did not match the calculated checksum.",
        );
      }
      const forwardPath = `${rawPath}${withoutSignatureParams(rawQuery) ? `?${withoutSignatureParams(rawQuery)}` : ""}`;

      if (objectRequest && req.method === "DELETE" && !query.has("uploadId")) {
        throw new S3FrontError(
          403,
          "AccessDenied",
          "deleting an artifact is denied (the bucket policy denies s3:DeleteObject)",
        );
      }
      if (objectRequest && req.method === "DELETE" && query.has("uploadId")) {
        await abortMultipartUpload(
          directory,
          bucket as string,
          query.get("uploadId") ?? "",
          res,
          corsHeaders(req),
        );
        return;
      }
      if (objectRequest && req.method === "GET" && query.has("uploadId")) {
        await listParts(directory, bucket as string, key, query.get("uploadId") ?? "", res, corsHeaders(req));
        return;
      }
      const versionId = query.get("versionId");
      if (objectRequest && (req.method === "GET" || req.method === "HEAD") && versionId !== null) {
        const meta = await findVersion(bucket as string, key, versionId);
        if (!meta) throw new S3FrontError(404, "NoSuchVersion", "The specified version does not exist.");
        res.writeHead(200, {
          "content-type": meta.contentType,
          "content-length": String(meta.size),
          etag: meta.etag,
          "last-modified": meta.lastModified,
          "x-amz-version-id": meta.versionId,
          "accept-ranges": "none",
          ...corsHeaders(req),
        });
        if (req.method === "HEAD") res.end();
        else
          await pipeline(createReadStream(join(versionFolder(bucket as string, key), meta.versionId)), res);
        return;
      }

      const isPutObject =
        objectRequest && req.method === "PUT" && !query.has("uploadId") && !query.has("partNumber");
      const isComplete = objectRequest && req.method === "POST" && query.has("uploadId");
      if (isPutObject || isComplete) {
        const file = body as { file: string; size: number; sha256: Buffer };
        await exclusive(`${bucket}/${key}`, async () => {
          await checkPreconditions(req, forwardPath.split("?")[0] as string);
          const answer = await forward(req, forwardPath, req.headers, file);
          const text = await readAll(answer);
          let meta: VersionMeta | undefined;
          if (answer.statusCode === 200 && !text.includes("<Error>")) {
            meta = isPutObject
              ? await recordVersion(bucket as string, key, file.file, {
                  size: file.size,
                  etag: String(answer.headers.etag ?? ""),
                  contentType: header(req.headers, "content-type") ?? "application/octet-stream",
                  ...(checksum !== undefined && { checksumSha256: checksum }),
                })
              : await copyCompleted(bucket as string, key, forwardPath.split("?")[0] as string);
          }
          const headers = passHeaders(answer.headers);
          if (meta) headers["x-amz-version-id"] = meta.versionId;
          if (meta?.checksumSha256) headers["x-amz-checksum-sha256"] = meta.checksumSha256;
          res.writeHead(answer.statusCode ?? 500, { ...headers, ...corsHeaders(req) });
          res.end(req.method === "HEAD" ? undefined : text);
        });
        return;
      }

      const answer = await forward(req, forwardPath, req.headers, body);
      const headers = passHeaders(answer.headers);
      if (objectRequest && (req.method === "GET" || req.method === "HEAD") && answer.statusCode === 200) {
        const current = await currentVersion(bucket as string, key);
        if (current) headers["x-amz-version-id"] = current.versionId;
      }
      res.writeHead(answer.statusCode ?? 500, { ...headers, ...corsHeaders(req) });
      await pipeline(answer, res);
    } finally {
      if (body) await rm(body.file, { force: true });
    }
  }

  /** `If-None-Match: *`: S3 answers 412 when the key holds an object. */
  async function checkPreconditions(req: IncomingMessage, path: string): Promise<void> {
    const noneMatch = header(req.headers, "if-none-match");
    if (noneMatch === undefined) return;
    if (noneMatch !== "*") {
      throw new S3FrontError(501, "NotImplemented", "If-None-Match is only supported with '*' on writes");
    }
    const head = await new Promise<IncomingMessage>((ok, fail) => {
      const outgoing = request({ socketPath, method: "HEAD", path }, ok);
      outgoing.once("error", fail).end();
    });
    head.resume();
    if (head.statusCode === 200) {
      throw new S3FrontError(
        412,
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold (If-None-Match: * and the key holds an object)",
      );
    }
  }

  /** After CompleteMultipartUpload: the assembled object, copied as a new version. */
  async function copyCompleted(bucket: string, key: string, path: string): Promise<VersionMeta> {
    const answer = await new Promise<IncomingMessage>((ok, fail) => {
      const outgoing = request({ socketPath, method: "GET", path }, ok);
      outgoing.once("error", fail).end();
    });
    const file = join(incoming, randomBytes(12).toString("hex"));
    let size = 0;
    answer.on("data", (chunk: Buffer) => {
      size += chunk.length;
    });
    await pipeline(answer, createWriteStream(file));
    return recordVersion(bucket, key, file, {
      size,
      etag: String(answer.headers.etag ?? ""),
      contentType: String(answer.headers["content-type"] ?? "application/octet-stream"),
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const failure =
        error instanceof S3FrontError ? error : new S3FrontError(500, "InternalError", "the local S3 failed");
      if (!(error instanceof S3FrontError)) process.stderr.write(`[s3] ${String(error)}\n`);
      // A refused request's body is not read: close the connection rather than drain it.
      if (!req.complete) res.setHeader("connection", "close");
      sendError(req, res, failure);
    });
  });
  port = await listenOn(server, options.port, "127.0.0.1", "the S3 emulator", "REGISTRY_S3_PORT");
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => {
          backend.close(() => {
            s3rver.logger.close();
            rmSync(socketDir, { recursive: true, force: true });
            resolveClose();
          });
          backend.closeAllConnections();
        });
        server.closeAllConnections();
      }),
  };
}

const EMPTY_SHA256 = createHash("sha256").digest("hex");

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/** s3rver's response headers, without its CORS ones (the front decides those). */
function passHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const passed: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith("access-control-") || name === "vary") continue;
    if (name === "connection" || name === "keep-alive" || name === "transfer-encoding") continue;
    passed[name] = value;
  }
  return passed;
}

async function readAll(stream: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Streams the request body to a file in `folder`, hashing it on the way. */
async function receive(
  req: IncomingMessage,
  folder: string,
): Promise<{ file: string; size: number; sha256: Buffer }> {
  const file = join(folder, randomBytes(12).toString("hex"));
  const hash = createHash("sha256");
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    hash.update(chunk);
  });
  await pipeline(req, createWriteStream(file));
  return { file, size, sha256: hash.digest() };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * `DELETE /<bucket>/<key>?uploadId=…`: S3's AbortMultipartUpload, which s3rver 3.7.1 does not
 * implement: removes the upload's parts from s3rver's part store; an unknown upload is S3's 404
 * NoSuchUpload.
 */
async function abortMultipartUpload(
  root: string,
  bucket: string,
  uploadId: string,
  response: ServerResponse,
  cors: Record<string, string>,
): Promise<void> {
  const folder = join(root, bucket, "._S3rver_uploads", uploadId);
  if (!/^[0-9a-f]+$/.test(uploadId) || !(await stat(folder).catch(() => undefined))) {
    response.writeHead(404, { ...cors, "content-type": "application/xml" });
    response.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>${escapeXml(uploadId)}</UploadId></Error>`,
    );
    return;
  }
  await rm(folder, { recursive: true, force: true });
  response.writeHead(204, cors);
  response.end();
}

/**
 * `GET /<bucket>/<key>?uploadId=…`: S3's ListParts, which s3rver 3.7.1 does not implement.
 * Answered from s3rver's own part store (`<bucket>/._S3rver_uploads/<uploadId>/<n>` with
 * `<n>.md5` beside each part; the folder goes away when the upload completes), so the
 * registry's resume (which asks S3 which parts it has) works in local mode too.
 */
async function listParts(
  root: string,
  bucket: string,
  key: string,
  uploadId: string,
  response: ServerResponse,
  cors: Record<string, string>,
): Promise<void> {
  const folder = join(root, bucket, "._S3rver_uploads", uploadId);
  const xml = (status: number, body: string) => {
    response.writeHead(status, { "content-type": "application/xml", ...cors });
    response.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
  };
  if (!/^[0-9a-f]+$/.test(uploadId) || !(await stat(folder).catch(() => undefined))) {
    xml(
      404,
      `<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>${escapeXml(uploadId)}</UploadId></Error>`,
    );
    return;
  }
  const numbers = (await readdir(folder))
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
  const parts = await Promise.all(
    numbers.map(async (n) => {
      // A part whose upload was cut off mid-body has no `<n>.md5` yet: in S3 it does not
      // exist, so it is not listed (the client uploads it again).
      const md5 = await readFile(join(folder, `${n}.md5`), "utf8").catch(() => undefined);
      if (md5 === undefined) return "";
      const info = await stat(join(folder, String(n)));
      return `<Part><PartNumber>${n}</PartNumber><ETag>"${md5.trim()}"</ETag><Size>${info.size}</Size></Part>`;
    }),
  );
  xml(
    200,
    `<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${uploadId}</UploadId><IsTruncated>false</IsTruncated>${parts.join("")}</ListPartsResult>`,
  );
}
