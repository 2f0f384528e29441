import { mkdirSync } from "node:fs";
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join, resolve } from "node:path";
import S3rver from "s3rver";
import { listenOn } from "./ports.ts";

export interface S3LocalOptions {
  /** 0 picks a free port. */
  port: number;
  /** Folder holding buckets and objects (created if missing). */
  directory: string;
  bucket: string;
}

export interface S3Local {
  /** `http://127.0.0.1:<port>`: an IP address makes the AWS SDK use path-style URLs. */
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export const DEFAULT_BUCKET = "model-registry-artifacts";
/** s3rver only accepts its own access key (it does not check SigV4 signatures or expiry). */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

/**
 * Permissive CORS so that browsers and notebooks can PUT to presigned URLs; `ETag` is exposed
 * because multipart completion needs each part's ETag.
 */
const CORS_CONFIGURATION = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedMethod>DELETE</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

/**
 * Starts s3rver on our own `http.Server` (s3rver's `run()` cannot report a taken port) with the
 * artifact bucket created.
 */
export async function startS3Local(options: S3LocalOptions): Promise<S3Local> {
  const directory = resolve(options.directory);
  mkdirSync(directory, { recursive: true });
  const s3rver = new S3rver({
    silent: true,
    directory,
    // Presigned URLs point at 127.0.0.1, so bucket names never arrive as virtual hosts.
    vhostBuckets: false,
    configureBuckets: [{ name: options.bucket, configs: [CORS_CONFIGURATION] }],
  });
  await s3rver.configureBuckets();

  const s3rverHandler = s3rver.callback();
  const server = createServer((request, response) => {
    if (isAbortMultipartUpload(request)) {
      abortMultipartUpload(directory, request, response).catch((error: unknown) => {
        response.writeHead(500);
        response.end(String(error));
      });
      return;
    }
    if (isListParts(request)) {
      listParts(directory, request, response).catch((error: unknown) => {
        response.writeHead(500);
        response.end(String(error));
      });
      return;
    }
    s3rverHandler(request, response);
  });
  const port = await listenOn(server, options.port, "127.0.0.1", "the S3 emulator", "REGISTRY_S3_PORT");
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => {
          s3rver.logger.close();
          resolveClose();
        });
        server.closeAllConnections();
      }),
  };
}

/** `DELETE /<bucket>/<key>?uploadId=…`: S3's AbortMultipartUpload, which s3rver 3.7.1 does not implement. */
function isAbortMultipartUpload(request: IncomingMessage): boolean {
  if (request.method !== "DELETE") return false;
  const url = new URL(request.url ?? "/", "http://local");
  return url.searchParams.has("uploadId") && url.pathname.split("/").filter(Boolean).length >= 2;
}

/** Removes the upload's parts from s3rver's part store; an unknown upload is S3's 404 NoSuchUpload. */
async function abortMultipartUpload(
  root: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? "/", "http://local");
  const [bucket] = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const uploadId = url.searchParams.get("uploadId") ?? "";
  const folder = join(root, bucket as string, "._S3rver_uploads", uploadId);
  if (!/^[0-9a-f]+$/.test(uploadId) || !(await stat(folder).catch(() => undefined))) {
    response.writeHead(404, { "content-type": "application/xml" });
    response.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>${uploadId}</UploadId></Error>`,
    );
    return;
  }
  await rm(folder, { recursive: true, force: true });
  response.writeHead(204);
  response.end();
}

/** `GET /<bucket>/<key>?uploadId=…`: S3's ListParts, which s3rver 3.7.1 does not implement. */
function isListParts(request: IncomingMessage): boolean {
  if (request.method !== "GET") return false;
  const url = new URL(request.url ?? "/", "http://local");
  return url.searchParams.has("uploadId") && url.pathname.split("/").filter(Boolean).length >= 2;
}

/**
 * Answers ListParts from s3rver's own part store (`<bucket>/._S3rver_uploads/<uploadId>/<n>`
 * with `<n>.md5` beside each part; the folder goes away when the upload completes), so the
 * registry's resume (which asks S3 which parts it has) works in local mode too.
 */
async function listParts(root: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? "/", "http://local");
  const [bucket, ...key] = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const uploadId = url.searchParams.get("uploadId") ?? "";
  const folder = join(root, bucket as string, "._S3rver_uploads", uploadId);
  const xml = (status: number, body: string) => {
    response.writeHead(status, { "content-type": "application/xml" });
    response.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
  };
  if (!/^[0-9a-f]+$/.test(uploadId) || !(await stat(folder).catch(() => undefined))) {
    xml(
      404,
      `<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>${uploadId}</UploadId></Error>`,
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
    `<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${bucket}</Bucket><Key>${key.join("/")}</Key><UploadId>${uploadId}</UploadId><IsTruncated>false</IsTruncated>${parts.join("")}</ListPartsResult>`,
  );
}
