/**
 * Reading local files for transfers, always streamed: a 50 GB model must cost the same memory
 * as a 5 KB one. Ranges are read by offset, so any part can be (re)sent on its own.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, open as openFile } from "node:fs/promises";

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

/** Bytes read per chunk of a request body: what one upload holds in memory at a time. */
const CHUNK_BYTES = 256 * 1024;

/**
 * `length` bytes from `start` as a request body for `fetch` (sent with a Content-Length, not
 * chunked: S3 refuses chunked presigned PUTs). `onBytes` hears each chunk as it is read. The
 * stream reads only when asked (`pull`), so this side holds one chunk; Node's `fetch` (undici)
 * was measured to hold up to about one part per request in flight, so an upload's memory is
 * bounded by part size × parallelism, never by the file's size.
 */
export function rangeBody(
  file: string,
  start: number,
  length: number,
  onBytes: (bytes: number) => void,
): ReadableStream<Uint8Array> | Uint8Array {
  if (length === 0) return new Uint8Array(0);
  let handle: FileHandle | undefined;
  let position = start;
  const end = start + length;
  const close = async () => {
    const open = handle;
    handle = undefined;
    await open?.close();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          handle ??= await openFile(file, "r");
          const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, end - position));
          const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
          if (bytesRead === 0)
            throw new Error(`${file} ended at byte ${position}, before byte ${end}: did it change?`);
          position += bytesRead;
          onBytes(bytesRead);
          controller.enqueue(chunk.subarray(0, bytesRead));
          if (position >= end) {
            await close();
            controller.close();
          }
        } catch (error) {
          await close();
          controller.error(error);
        }
      },
      cancel: close,
    },
    { highWaterMark: 0 },
  );
}
