/**
 * An independent SigV4 implementation, written from the AWS specification with node:crypto only
 * (no SDK code), used to check what the client puts on the wire. It plays the server's part: it
 * recomputes the signature from the request as sent, the way API Gateway does.
 */
import { createHash, createHmac } from "node:crypto";

export interface SentRequest {
  method: string;
  url: URL;
  /** Headers as sent, lowercased; `host` is added from the URL, as the HTTP client does. */
  headers: Record<string, string>;
  body?: string;
}

export interface SigningKeyInput {
  secretAccessKey: string;
  date: string;
  region: string;
  service: string;
}

const sha256Hex = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

/** RFC 3986: everything but `A-Z a-z 0-9 - _ . ~` is percent-encoded, hex digits upper case. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Every service but S3: each path segment is decoded, then URI-encoded twice. */
export function canonicalUri(pathname: string): string {
  const encoded = pathname
    .split("/")
    .map((segment) => uriEncode(uriEncode(decodeURIComponent(segment))))
    .join("/");
  return encoded === "" ? "/" : encoded;
}

export function canonicalQuery(search: string): string {
  return search
    .replace(/^\?/, "")
    .split("&")
    .filter((pair) => pair !== "")
    .map((pair) => {
      const at = pair.indexOf("=");
      const [key, value] = at < 0 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1)];
      return [uriEncode(decodeURIComponent(key)), uriEncode(decodeURIComponent(value))] as const;
    })
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

export function canonicalRequest(request: SentRequest, signedHeaders: string[]): string {
  const headers: Record<string, string> = { ...request.headers, host: request.url.host };
  const lines = signedHeaders.map((name) => {
    const value = headers[name];
    if (value === undefined) throw new Error(`signed header ${name} was not sent`);
    return `${name}:${value.trim().replace(/\s+/g, " ")}`;
  });
  return [
    request.method,
    canonicalUri(request.url.pathname),
    canonicalQuery(request.url.search),
    ...lines,
    "",
    signedHeaders.join(";"),
    sha256Hex(request.body ?? ""),
  ].join("\n");
}

export function signingKey({ secretAccessKey, date, region, service }: SigningKeyInput): Buffer {
  const kDate = hmac(`AWS4${secretAccessKey}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, "aws4_request");
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonical)].join("\n");
}

export function signature(key: Buffer, toSign: string): string {
  return createHmac("sha256", key).update(toSign, "utf8").digest("hex");
}

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAuthorization(header: string): ParsedAuthorization {
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      header,
    );
  if (!match) throw new Error(`not a SigV4 Authorization header: ${header}`);
  const [, accessKeyId = "", date = "", region = "", service = "", signedHeaders = "", sig = ""] = match;
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(";"), signature: sig };
}

/** What a server holding `secretAccessKey` computes for this request, and the inputs it used. */
export function expectedSignature(request: SentRequest, secretAccessKey: string) {
  const authorization = parseAuthorization(request.headers.authorization ?? "");
  const amzDate = request.headers["x-amz-date"] ?? "";
  const canonical = canonicalRequest(request, authorization.signedHeaders);
  const scope = `${authorization.date}/${authorization.region}/${authorization.service}/aws4_request`;
  const key = signingKey({ secretAccessKey, ...authorization });
  return { authorization, canonical, signature: signature(key, stringToSign(amzDate, scope, canonical)) };
}
