/**
 * What the local stand-ins for AWS JSON-protocol services (the event bus's `PutEvents`, Step
 * Functions' task-token calls, Lambda's Invoke) share: reading a request body, and answering in
 * the `application/x-amz-json-1.x` shape the AWS SDK parses (errors as `{__type, message}`).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

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
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": `application/x-amz-json-${protocol}`,
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": randomUUID(),
  });
  res.end(text);
}
