/**
 * The console's signing proxy and page server (console/server/console-server.ts) against a fake
 * upstream that records what it receives: what it forwards and signs, and what it refuses.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ConsoleOptions,
  createConsoleHandler,
  IDENTITY_HEADER,
  startConsoleServer,
  TOKEN_HEADER,
} from "../../../console/server/console-server.ts";

const TOKEN = "t".repeat(43);
let upstream: Server;
let upstreamUrl = "";
const received: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[] = [];
let dist = "";

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

const servers: Server[] = [];
async function consoleServer(overrides: Partial<ConsoleOptions> = {}): Promise<string> {
  let origin = "";
  const handler = createConsoleHandler({
    mode: "local",
    apiEndpoint: () => upstreamUrl,
    region: "us-east-1",
    identities: [
      {
        name: "approver",
        role: "approver",
        credentials: { accessKeyId: "AKIAAPPROVER", secretAccessKey: "s1" },
      },
      { name: "reader", role: "reader", credentials: { accessKeyId: "AKIAREADER", secretAccessKey: "s2" } },
    ],
    token: TOKEN,
    tokenDelivery: "page",
    ownOrigins: () => [origin],
    distDir: dist,
    ...overrides,
  });
  const server = createServer(handler);
  servers.push(server);
  origin = await listen(server);
  return origin;
}

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), "console-dist-"));
  writeFileSync(join(dist, "index.html"), "<head><!--console-config--></head>");
  writeFileSync(join(dist, "console.js"), "console.log(1)");
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      res.writeHead(201, { "content-type": "application/json", etag: '"e1"', "set-cookie": "a=b" });
      res.end('{"ok":true}');
    });
  });
  upstreamUrl = await listen(upstream);
});
afterAll(() => {
  for (const server of [upstream, ...servers]) server.close();
  rmSync(dist, { recursive: true, force: true });
});

describe("the console's signing proxy", () => {
  it("signs a call as the picked identity and forwards only the API's headers and the body", async () => {
    const base = await consoleServer();
    const response = await fetch(`${base}/console/api/models/m/transitions/t/approve?x=1`, {
      method: "POST",
      headers: {
        [TOKEN_HEADER]: TOKEN,
        [IDENTITY_HEADER]: "approver",
        "content-type": "application/json",
        "idempotency-key": "k1",
        cookie: "session=secret",
        origin: base,
      },
      body: '{"comment":"ok"}',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("etag")).toBe('"e1"');
    expect(response.headers.get("set-cookie")).toBeNull();
    const call = received.at(-1)!;
    expect(call).toMatchObject({
      method: "POST",
      url: "/models/m/transitions/t/approve?x=1",
      body: '{"comment":"ok"}',
    });
    expect(call.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAAPPROVER\/\d{8}\/us-east-1\/execute-api\//,
    );
    expect(call.headers["idempotency-key"]).toBe("k1");
    expect(call.headers.cookie).toBeUndefined();
    expect(call.headers[TOKEN_HEADER]).toBeUndefined();
  });

  it("refuses a call without the token, with a wrong one, from another origin or another site", async () => {
    const base = await consoleServer();
    const count = received.length;
    const attempts: Record<string, string>[] = [
      { [IDENTITY_HEADER]: "approver" },
      { [IDENTITY_HEADER]: "approver", [TOKEN_HEADER]: "x".repeat(43) },
      { [IDENTITY_HEADER]: "approver", [TOKEN_HEADER]: TOKEN, origin: "http://127.0.0.1:1" },
      { [IDENTITY_HEADER]: "approver", [TOKEN_HEADER]: TOKEN, "sec-fetch-site": "same-site" },
    ];
    const answers = [];
    for (const headers of attempts) {
      const response = await fetch(`${base}/console/api/whoami`, { method: "POST", headers });
      answers.push([response.status, ((await response.json()) as { error: { code: string } }).error.code]);
    }
    expect(answers).toEqual([
      [403, "ConsoleTokenRequired"],
      [403, "ConsoleTokenRequired"],
      [403, "ForeignOrigin"],
      [403, "ForeignOrigin"],
    ]);
    expect(received.length).toBe(count);
    const told = (await (await fetch(`${base}/console/api/whoami`)).json()) as { error: { message: string } };
    expect(told.error.message).toBe(
      `the console's API needs its token in the x-console-token header: it is for the console's own pages: open ${base}/console/ and reload it.`,
    );
  });

  it("forwards nothing outside the API's base path", async () => {
    const base = await consoleServer({ apiEndpoint: () => `${upstreamUrl}/prod` });
    const count = received.length;
    for (const path of [
      "/console/api/../_local/events",
      "/console/api/%2e%2e/x",
      "/console/api/models/./m",
    ]) {
      // Sent as written: fetch would resolve the dot segments itself.
      const status = await new Promise<number>((resolve, reject) => {
        const url = new URL(base);
        const headers = { [TOKEN_HEADER]: TOKEN, [IDENTITY_HEADER]: "reader" };
        const req = request({ host: url.hostname, port: url.port, path, headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
      expect(status, path).toBe(400);
    }
    expect(received.length).toBe(count);
    await fetch(`${base}/console/api/models/m`, {
      headers: { [TOKEN_HEADER]: TOKEN, [IDENTITY_HEADER]: "reader" },
    });
    expect(received.at(-1)!.url).toBe("/prod/models/m");
  });

  it("needs an identity it knows when it holds more than one", async () => {
    const base = await consoleServer();
    const response = await fetch(`${base}/console/api/whoami`, {
      headers: { [TOKEN_HEADER]: TOKEN, [IDENTITY_HEADER]: "root" },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
      "the x-console-identity header must name one of approver, reader, not 'root'.",
    );
  });

  it("tells the page its identities, and writes the token into the page only when told to", async () => {
    const local = await consoleServer();
    const session = await fetch(`${local}/console/api/session`, { headers: { [TOKEN_HEADER]: TOKEN } });
    expect(await session.json()).toEqual({
      mode: "local",
      identities: [
        { name: "approver", role: "approver" },
        { name: "reader", role: "reader" },
      ],
    });
    const page = await (await fetch(`${local}/console/models/m`)).text();
    expect(page).toContain(
      `<meta name="console-config" content="{&#34;mode&#34;:&#34;local&#34;,&#34;token&#34;:&#34;${TOKEN}&#34;}">`,
    );
    const aws = await consoleServer({ mode: "aws", tokenDelivery: "url" });
    const awsPage = await (await fetch(`${aws}/console/approvals`)).text();
    expect(awsPage).not.toContain(TOKEN);
    expect(awsPage).toContain("&#34;mode&#34;:&#34;aws&#34;");
  });

  it("serves only the built files as assets, never a path outside them", async () => {
    const base = await consoleServer();
    expect((await fetch(`${base}/console/assets/console.js`)).status).toBe(200);
    for (const path of [
      "/console/assets/..%2Findex.html",
      "/console/assets/../../package.json",
      "/console/assets/index.html",
    ]) {
      const response = await fetch(`${base}${path}`);
      expect([404, 200].includes(response.status), path).toBe(true);
      expect(await response.text(), path).not.toContain('"name"');
    }
    expect((await fetch(`${base}/console/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${base}/console/models`, { method: "POST" })).status).toBe(405);
  });
});

describe("the console on a server of its own (registry console)", () => {
  it("listens on loopback only, answers only its own Host, and carries the token in its URL, not its page", async () => {
    const served = await startConsoleServer({
      mode: "aws",
      apiEndpoint: () => upstreamUrl,
      region: "us-east-1",
      identities: [{ name: "you", credentials: { accessKeyId: "AKIAYOU", secretAccessKey: "s" } }],
      token: TOKEN,
      tokenDelivery: "url",
      distDir: dist,
    });
    try {
      // The bound address, read from the kernel's table of listening sockets: 127.0.0.1 only.
      const port = served.port.toString(16).toUpperCase().padStart(4, "0");
      const listening = readFileSync("/proc/net/tcp", "utf8")
        .split("\n")
        .map((line) => line.trim().split(/\s+/))
        .filter((fields) => fields[1]?.endsWith(`:${port}`) && fields[3] === "0A")
        .map((fields) => fields[1]);
      expect(listening).toEqual([`0100007F:${port}`]);
      expect(served.url).toBe(`http://127.0.0.1:${served.port}/console/?token=${TOKEN}`);

      const page = await (await fetch(served.url)).text();
      expect(page).not.toContain(TOKEN);
      const call = await fetch(`http://127.0.0.1:${served.port}/console/api/whoami`, {
        headers: { [TOKEN_HEADER]: TOKEN },
      });
      expect(call.status).toBe(201);
      expect(received.at(-1)!.headers.authorization).toContain("Credential=AKIAYOU/");

      const rebound = await new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: "127.0.0.1",
            port: served.port,
            path: "/console/",
            headers: { host: `evil.example:${served.port}` },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.end();
      });
      expect(rebound).toBe(400);
    } finally {
      await served.close();
    }
  });
});
