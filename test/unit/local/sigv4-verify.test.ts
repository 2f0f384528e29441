import { createHash, createHmac } from "node:crypto";
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { builtInPrincipals, type LocalPrincipal } from "../../../local/principals.ts";
import { type IncomingSignedRequest, verifySigV4 } from "../../../local/sigv4-verify.ts";

const publisher = builtInPrincipals.find((p) => p.name === "publisher")!;
const principals = new Map(builtInPrincipals.map((p) => [p.accessKeyId, p]));
const region = "us-east-1";
const host = "127.0.0.1:8787";
const signedAt = new Date("2025-03-04T05:06:07Z");

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

interface Unsigned {
  method: string;
  rawPath: string;
  query?: [string, string][];
  headers?: Record<string, string>;
  body?: string;
}

function rawQueryOf(query: [string, string][] = []): string {
  return query.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join("&");
}

function groupedQuery(query: [string, string][] = []): Record<string, string | string[]> {
  const grouped: Record<string, string | string[]> = {};
  for (const [k, v] of query) {
    const existing = grouped[k];
    grouped[k] = existing === undefined ? v : [...(Array.isArray(existing) ? existing : [existing]), v];
  }
  return grouped;
}

/** Signs like the AWS SDK for JavaScript (and the project CLI) do, x-amz-content-sha256 included. */
async function signWithSmithy(
  request: Unsigned,
  options: { principal?: LocalPrincipal; service?: string; region?: string; date?: Date } = {},
): Promise<IncomingSignedRequest> {
  const principal = options.principal ?? publisher;
  const signer = new SignatureV4({
    service: options.service ?? "execute-api",
    region: options.region ?? region,
    credentials: { accessKeyId: principal.accessKeyId, secretAccessKey: principal.secretAccessKey },
    sha256: Sha256,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: request.method,
      hostname: "127.0.0.1",
      port: 8787,
      path: request.rawPath,
      query: groupedQuery(request.query),
      headers: { host, ...request.headers },
      body: request.body,
    }),
    { signingDate: options.date ?? signedAt },
  );
  return toIncoming(request, signed.headers);
}

function toIncoming(request: Unsigned, headers: Record<string, string>): IncomingSignedRequest {
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value;
  return {
    method: request.method,
    rawPath: request.rawPath,
    rawQuery: rawQueryOf(request.query),
    headers: lower,
    body: new TextEncoder().encode(request.body ?? ""),
  };
}

/**
 * An independent SigV4 signer written from the AWS documentation with node:crypto only, signing
 * just `host;x-amz-date` as curl's --aws-sigv4 does, so the verifier is not only checked against
 * the library it is built on.
 */
function signByHand(request: Unsigned, principal: LocalPrincipal = publisher): IncomingSignedRequest {
  const amzDate = signedAt
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = { host, "x-amz-date": amzDate, ...request.headers };
  const names = Object.keys(headers).sort();
  const canonicalPath = request.rawPath
    .split("/")
    .map((segment) => rfc3986(segment))
    .join("/");
  const canonicalQuery = (request.query ?? [])
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .sort()
    .join("&");
  const canonicalRequest = [
    request.method,
    canonicalPath,
    canonicalQuery,
    ...names.map((n) => `${n}:${headers[n]!.trim()}`),
    "",
    names.join(";"),
    createHash("sha256")
      .update(request.body ?? "")
      .digest("hex"),
  ].join("\n");
  const scope = `${day}/${region}/execute-api/aws4_request`;
  const stringToSign = [
    "AWS4-HMAC-SHA256",
    amzDate,
    scope,
    createHash("sha256").update(canonicalRequest).digest("hex"),
  ].join("\n");
  let key: Buffer = Buffer.from(`AWS4${principal.secretAccessKey}`);
  for (const part of [day, region, "execute-api", "aws4_request"])
    key = createHmac("sha256", key).update(part).digest();
  const signature = createHmac("sha256", key).update(stringToSign).digest("hex");
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${principal.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
  return toIncoming(request, headers);
}

const verify = (request: IncomingSignedRequest, now: Date = signedAt) =>
  verifySigV4(request, { region, principals, now });

describe("verifySigV4", () => {
  it("accepts a GET signed by the AWS SDK's signer and returns the principal", async () => {
    const request = await signWithSmithy({
      method: "GET",
      rawPath: "/models",
      query: [
        ["prefix", "fraud detector"],
        ["limit", "10"],
      ],
    });
    const result = await verify(request);
    expect(result).toEqual({ ok: true, principal: publisher });
  });

  it("accepts a POST with a JSON body, whichever local principal signed it", async () => {
    const approver = builtInPrincipals.find((p) => p.name === "approver")!;
    const request = await signWithSmithy(
      {
        method: "POST",
        rawPath: "/models/fraud/versions",
        headers: { "content-type": "application/json" },
        body: '{"description":"first"}',
      },
      { principal: approver },
    );
    const result = await verify(request);
    expect(result.ok && result.principal.arn).toBe("arn:aws:iam::000000000000:user/approver");
  });

  it("accepts a signature made without any SDK over an encoded path and repeated query keys", async () => {
    const request = signByHand({
      method: "GET",
      rawPath: "/models/a%20b/versions",
      query: [
        ["tag", "team=risk"],
        ["tag", "env=prod/eu"],
        ["nextToken", "abc+/="],
      ],
    });
    expect((await verify(request)).ok).toBe(true);
  });

  it("accepts headers that SDKs never sign but other clients do (user-agent)", async () => {
    const request = signByHand({ method: "GET", rawPath: "/models", headers: { "user-agent": "aws4/1.0" } });
    expect((await verify(request)).ok).toBe(true);
  });

  it("ignores headers that were added after signing", async () => {
    const request = await signWithSmithy({ method: "GET", rawPath: "/models" });
    const result = await verify({
      ...request,
      headers: { ...request.headers, "x-forwarded-for": "10.0.0.1" },
    });
    expect(result.ok).toBe(true);
  });

  describe("rejects a request changed after signing with SignatureDoesNotMatch", () => {
    const base = {
      method: "POST",
      rawPath: "/models/fraud/versions",
      query: [["dryRun", "false"]] as [string, string][],
      headers: { "content-type": "application/json", "if-match": '"etag-1"' },
      body: '{"description":"first"}',
    };

    it.each<[string, (request: IncomingSignedRequest) => IncomingSignedRequest]>([
      [
        "when the body differs",
        (request) => ({ ...request, body: new TextEncoder().encode('{"description":"evil"}') }),
      ],
      ["when the path differs", (request) => ({ ...request, rawPath: "/models/other/versions" })],
      ["when the query differs", (request) => ({ ...request, rawQuery: "dryRun=true" })],
      [
        "when a signed header differs",
        (request) => ({ ...request, headers: { ...request.headers, "if-match": '"etag-2"' } }),
      ],
      ["when the method differs", (request) => ({ ...request, method: "PUT" })],
    ])("%s", async (_name, change) => {
      const result = await verify(change(await signWithSmithy(base)));
      expect(result).toMatchObject({ ok: false, code: "SignatureDoesNotMatch" });
    });

    it("when the secret key is wrong, and says what the gateway signed", async () => {
      const forged = { ...publisher, secretAccessKey: "x".repeat(40) };
      const request = await signWithSmithy(base, { principal: forged });
      const result = await verify(request);
      expect(result).toMatchObject({ ok: false, code: "SignatureDoesNotMatch" });
      expect(!result.ok && result.canonicalRequest).toContain("/models/fraud/versions\ndryRun=false\n");
      expect(!result.ok && result.message).toMatch(/^the signature does not match the request: /);
    });
  });

  it("rejects an access key no local principal has with UnknownAccessKey", async () => {
    const stranger = { ...publisher, accessKeyId: "AKIAUNKNOWNKEY000001" };
    const result = await verify(
      await signWithSmithy({ method: "GET", rawPath: "/models" }, { principal: stranger }),
    );
    expect(result).toMatchObject({ ok: false, code: "UnknownAccessKey" });
    expect(!result.ok && result.message).toContain("AKIAUNKNOWNKEY000001");
  });

  it("rejects a signature more than 5 minutes old or ahead with RequestExpired, and accepts 4 minutes", async () => {
    const request = await signWithSmithy({ method: "GET", rawPath: "/models" });
    const minutes = (n: number) => new Date(signedAt.getTime() + n * 60_000);
    expect(await verify(request, minutes(6))).toMatchObject({ ok: false, code: "RequestExpired" });
    expect(await verify(request, minutes(-6))).toMatchObject({ ok: false, code: "RequestExpired" });
    expect((await verify(request, minutes(4))).ok).toBe(true);
    expect((await verify(request, minutes(-4))).ok).toBe(true);
  });

  it("rejects a signature for another service with IncompleteSignature naming both services", async () => {
    const result = await verify(
      await signWithSmithy({ method: "GET", rawPath: "/models" }, { service: "s3" }),
    );
    expect(result).toEqual({
      ok: false,
      code: "IncompleteSignature",
      message: "the request was signed for service 's3': sign it for 'execute-api'.",
    });
  });

  it("rejects a signature for another region with IncompleteSignature naming both regions", async () => {
    const result = await verify(
      await signWithSmithy({ method: "GET", rawPath: "/models" }, { region: "eu-west-1" }),
    );
    expect(result).toMatchObject({ ok: false, code: "IncompleteSignature" });
    expect(!result.ok && result.message).toContain("'eu-west-1': sign it for 'us-east-1'");
  });

  it("rejects an unsigned request with MissingAuthenticationToken", async () => {
    const result = await verify({
      method: "GET",
      rawPath: "/models",
      rawQuery: "",
      headers: { host },
      body: new Uint8Array(),
    });
    expect(result).toMatchObject({ ok: false, code: "MissingAuthenticationToken" });
  });

  it("rejects a malformed Authorization header with IncompleteSignature saying what is missing", async () => {
    const request = await signWithSmithy({ method: "GET", rawPath: "/models" });
    const broken = String(request.headers.authorization).replace(/, Signature=[0-9a-f]+/, "");
    const result = await verify({ ...request, headers: { ...request.headers, authorization: broken } });
    expect(result).toMatchObject({ ok: false, code: "IncompleteSignature" });
    expect(!result.ok && result.message).toContain("Signature=");
  });

  it("rejects other signature algorithms with IncompleteSignature", async () => {
    const request = await signWithSmithy({ method: "GET", rawPath: "/models" });
    const result = await verify({
      ...request,
      headers: { ...request.headers, authorization: "AWS AKIA:abc" },
    });
    expect(result).toMatchObject({ ok: false, code: "IncompleteSignature" });
  });

  describe("presigned query-string authentication", () => {
    async function presign(expiresIn: number): Promise<IncomingSignedRequest> {
      const signer = new SignatureV4({
        service: "execute-api",
        region,
        credentials: { accessKeyId: publisher.accessKeyId, secretAccessKey: publisher.secretAccessKey },
        sha256: Sha256,
      });
      const presigned = await signer.presign(
        new HttpRequest({
          method: "GET",
          hostname: "127.0.0.1",
          port: 8787,
          path: "/models",
          headers: { host },
        }),
        { signingDate: signedAt, expiresIn },
      );
      const query = Object.entries(presigned.query ?? {}).map(([k, v]) => [k, String(v)] as [string, string]);
      return toIncoming({ method: "GET", rawPath: "/models", query }, presigned.headers);
    }

    it("accepts a presigned URL until it expires", async () => {
      const request = await presign(900);
      expect((await verify(request, new Date(signedAt.getTime() + 899_000))).ok).toBe(true);
      expect(await verify(request, new Date(signedAt.getTime() + 901_000))).toMatchObject({
        ok: false,
        code: "RequestExpired",
      });
    });

    it("rejects a presigned URL whose query was changed", async () => {
      const request = await presign(900);
      const result = await verify({ ...request, rawQuery: `${request.rawQuery}&prefix=x` });
      expect(result).toMatchObject({ ok: false, code: "SignatureDoesNotMatch" });
    });
  });
});
