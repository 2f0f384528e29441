/**
 * What the local stand-ins for AWS JSON-protocol services (the event bus's `PutEvents`, Step
 * Functions' task-token calls, Lambda's Invoke) share: reading a request body, and answering in
 * the `application/x-amz-json-1.x` shape the AWS SDK parses (errors as `{__type, message}`).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type SigningIdentity, type SigV4Result, verifySigV4 } from "./sigv4-verify.ts";

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export async function readText(req: IncomingMessage): Promise<string> {
  return (await readBody(req)).toString("utf8");
}

/** EventBridge speaks JSON 1.1, Step Functions JSON 1.0. */
export function sendAwsJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  protocol: "1.0" | "1.1",
  /** The service's clock, the one it checks signatures against (default: the wall clock). */
  now: Date = new Date(),
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": `application/x-amz-json-${protocol}`,
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": randomUUID(),
    // The clock signatures are checked against (Node's own Date header may read another): the
    // SDK corrects its clock by this header after a skew error, so the two must agree.
    date: now.toUTCString(),
  });
  res.end(text);
}

/**
 * The caller of an AWS API request, by its SigV4 signature (header or presigned) over the body
 * already read: one of `signers`, or the reason it is refused. Each local stand-in accepts the
 * identities its AWS counterpart's policies admit, so nothing local is more lenient than AWS.
 */
export function verifyAwsCall<P extends SigningIdentity>(
  req: IncomingMessage,
  body: Uint8Array,
  options: { region: string; service: string; signers: ReadonlyMap<string, P>; now?: Date },
): Promise<SigV4Result<P>> {
  const rawUrl = req.url ?? "/";
  const queryAt = rawUrl.indexOf("?");
  return verifySigV4(
    {
      method: req.method ?? "POST",
      rawPath: queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt),
      rawQuery: queryAt === -1 ? "" : rawUrl.slice(queryAt + 1),
      headers: req.headersDistinct,
      body,
    },
    {
      region: options.region,
      service: options.service,
      principals: options.signers,
      now: options.now ?? new Date(),
    },
  );
}

/** The AWS error code for a refused signature: an unknown key, or a signature that does not hold. */
export const refusedSignatureCode = (code: string) =>
  code === "UnknownAccessKey"
    ? "UnrecognizedClientException"
    : code === "MissingAuthenticationToken"
      ? "MissingAuthenticationTokenException"
      : "InvalidSignatureException";
