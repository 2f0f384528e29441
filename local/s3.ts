import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { resolve } from "node:path";
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

  const server = createServer(s3rver.callback());
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
