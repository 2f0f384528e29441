import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../../clients/typescript/registry-client.ts";
import { TEST_CREDENTIALS } from "./fake-fetch.ts";
import { expectedSignature, type SentRequest } from "./sigv4-reference.ts";

interface Verdict {
  valid: boolean;
  unsignedHeaders: string[];
  path: string;
}

/** Headers an HTTP client adds on its own and a server never requires to be signed. */
const TRANSPORT_HEADERS = new Set([
  "connection",
  "content-length",
  "user-agent",
  "accept-encoding",
  "accept-language",
  "sec-fetch-mode",
  "pragma",
  "cache-control",
]);

async function readBody(message: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** A loopback server that checks each request's signature with the reference implementation. */
describe("requests on the wire (real fetch, loopback server)", () => {
  let server: Server;
  let endpoint = "";

  beforeAll(async () => {
    server = createServer(async (message, response) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers)) {
        if (typeof value === "string") headers[name] = value;
      }
      const url = new URL(message.url ?? "/", `http://${headers.host}`);
      const body = await readBody(message);
      const sent: SentRequest = { method: message.method ?? "", url, headers, body: body || undefined };
      const { authorization, signature } = expectedSignature(sent, TEST_CREDENTIALS.secretAccessKey);
      const verdict: Verdict = {
        valid: signature === authorization.signature && headers.host === url.host,
        unsignedHeaders: Object.keys(headers).filter(
          (name) =>
            name !== "authorization" &&
            !TRANSPORT_HEADERS.has(name) &&
            !authorization.signedHeaders.includes(name),
        ),
        path: message.url ?? "",
      };
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(verdict));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stage`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const client = () => new RegistryClient({ endpoint, region: "us-east-1", credentials: TEST_CREDENTIALS });

  it("a GET with odd characters in path and query verifies", async () => {
    const response = await client().request<Verdict>({
      method: "GET",
      path: "/models/a.b-c/aliases/c%c3%a9+(x)",
      query: { q: "x y/z", tag: "k=v", n: 3 },
    });
    expect(response.body).toEqual({
      valid: true,
      unsignedHeaders: [],
      path: "/stage/models/a.b-c/aliases/c%C3%A9%2B%28x%29?q=x%20y%2Fz&tag=k%3Dv&n=3",
    });
  });

  it("typed helpers and a JSON POST with conditional headers verify", async () => {
    const registry = client();
    const created = await registry.createVersion(
      "fraud",
      {
        description: "naïve — model",
        metrics: { auc: 0.91 },
        artifacts: [{ path: "m", size: 1, sha256: "a".repeat(64) }],
      },
      { idempotencyKey: "retry-1" },
    );
    const updated = await registry.updateModel("fraud", { description: "x" }, { ifMatch: '"etag-1"' });
    const alias = await registry.getAlias("fraud", "canary (eu)*");
    for (const verdict of [created, updated, alias] as unknown as Verdict[]) {
      expect(verdict).toMatchObject({ valid: true, unsignedHeaders: [] });
    }
  });
});
