/** The part of s3rver 3.x's API that local mode uses (the package ships no types). */
declare module "s3rver" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  class S3rver {
    constructor(options?: S3rverOptions);
    /** Creates the `configureBuckets` buckets (and their CORS configs) without going through HTTP. */
    configureBuckets(): Promise<void>;
    /** The Koa request listener, for mounting on our own `http.Server`. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    logger: { close(): void };
  }

  export default S3rver;
}
