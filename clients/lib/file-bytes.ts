/**
 * Reading local files for transfers, always streamed: a 50 GB model must cost the same memory
 * as a 5 KB one. Ranges are read by offset, so any part can be (re)sent on its own.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";

export interface FileDigest {
  size: number;
  /** Lower-case hex. */
  sha256: string;
}

/** Size and SHA-256 of a file, in one streamed pass. */
export async function digestFile(
  file: string,
  onBytes: (bytes: number) => void = () => {},
): Promise<FileDigest> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    size += bytes.length;
    onBytes(bytes.length);
  }
  return { size, sha256: hash.digest("hex") };
}

/**
 * The MD5 of `length` bytes from `start`, as S3 writes a part's ETag (for SSE-S3 and unencrypted
 * objects): how a resumed upload names the parts an earlier run sent without knowing their ETags.
 */
export async function md5OfRange(file: string, start: number, length: number): Promise<string> {
  const hash = createHash("md5");
  if (length > 0) {
    for await (const chunk of createReadStream(file, { start, end: start + length - 1 })) {
      hash.update(chunk as Buffer);
    }
  }
  return hash.digest("hex");
}

/**
 * `length` bytes from `start` as a request body for `fetch` (sent with a Content-Length, not
 * chunked: S3 refuses chunked presigned PUTs). `onBytes` hears each chunk as it is read.
 */
export function rangeBody(
  file: string,
  start: number,
  length: number,
  onBytes: (bytes: number) => void,
): ReadableStream<Uint8Array> | Uint8Array {
  if (length === 0) return new Uint8Array(0);
  const stream = createReadStream(file, { start, end: start + length - 1 });
  stream.on("data", (chunk) => onBytes(chunk.length));
  return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
}
