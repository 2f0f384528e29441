import { timingSafeEqual } from "node:crypto";
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { createScope, getCanonicalHeaders, getSigningKey, SignatureV4 } from "@smithy/signature-v4";
import type { LocalPrincipal } from "./principals.ts";

/** The request as it arrived on the wire: nothing decoded or normalised. */
export interface IncomingSignedRequest {
  method: string;
  /** Path exactly as received, still percent-encoded, without the query string. */
  rawPath: string;
  /** Query string exactly as received, without the leading `?` ("" when none). */
  rawQuery: string;
  /** Header names lowercased; repeated headers as arrays (Node's `req.headersDistinct`). */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  body: Uint8Array;
}

/** What a signature is checked against: an access key and its secret. */
export interface SigningIdentity {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SigV4VerifyOptions<P extends SigningIdentity = LocalPrincipal> {
  region: string;
  /**
   * Defaults to `execute-api` (API Gateway). For `s3` the path is not encoded again and the
   * payload hash is the one the request declares (`x-amz-content-sha256`, `UNSIGNED-PAYLOAD`
   * for a presigned URL), as S3 signs; the caller checks the body against a declared hash.
   */
  service?: string;
  principals: ReadonlyMap<string, P>;
  /** The gateway's clock; tests pass a fixed date. */
  now?: Date;
}

export type SigV4FailureCode =
  | "MissingAuthenticationToken"
  | "UnknownAccessKey"
  | "SignatureDoesNotMatch"
  | "RequestExpired"
  | "IncompleteSignature";

export type SigV4Result<P extends SigningIdentity = LocalPrincipal> =
  | { ok: true; principal: P }
  | {
      ok: false;
      code: SigV4FailureCode;
      /** One sentence saying what to fix. */
      message: string;
      /** For `SignatureDoesNotMatch`: what the gateway signed, to compare with the client's. */
      canonicalRequest?: string;
      stringToSign?: string;
    };

/** AWS rejects a signature whose date is more than five minutes away from its clock, either way. */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
const MAX_PRESIGNED_EXPIRES_S = 7 * 24 * 60 * 60;
const ALGORITHM = "AWS4-HMAC-SHA256";
const PRESIGN_QUERY_PARAMS = [
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Date",
  "X-Amz-Expires",
  "X-Amz-SignedHeaders",
];

/**
 * Every query parameter a presigned request carries for its signature. API Gateway removes them
 * before the integration sees the query, so handlers never have to allow them.
 */
export const SIGNATURE_QUERY_PARAMS: ReadonlySet<string> = new Set([
  ...PRESIGN_QUERY_PARAMS,
  "X-Amz-Signature",
  "X-Amz-Security-Token",
]);

/** The raw query without the signature's parameters, the rest kept as sent (order and encoding). */
export function withoutSignatureParams(rawQuery: string): string {
  return rawQuery
    .split("&")
    .filter((part) => {
      const equals = part.indexOf("=");
      return (
        part !== "" && !SIGNATURE_QUERY_PARAMS.has(safeDecode(equals === -1 ? part : part.slice(0, equals)))
      );
    })
    .join("&");
}

interface ParsedAuthorization {
  accessKeyId: string;
  scopeDate: string;
  scopeRegion: string;
  scopeService: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  /** Presigned URLs only: seconds after `amzDate` the URL stays valid. */
  expiresSeconds?: number;
}

type Failure = Extract<SigV4Result<SigningIdentity>, { ok: false }>;

/**
 * Verifies an AWS Signature Version 4 the way API Gateway's IAM authorization does: either the
 * `Authorization` header or presigned query parameters, over the raw path (encoded once more, as
 * for every service except S3), the query, exactly the signed headers and the SHA-256 of the body.
 */
export async function verifySigV4<P extends SigningIdentity = LocalPrincipal>(
  request: IncomingSignedRequest,
  options: SigV4VerifyOptions<P>,
): Promise<SigV4Result<P>> {
  const service = options.service ?? "execute-api";
  const now = options.now ?? new Date();
  const query = parseRawQuery(request.rawQuery);
  const authorizationHeader = headerValue(request.headers, "authorization");
  const presigned = query.some(([key]) => key === "X-Amz-Algorithm");

  if (authorizationHeader === undefined && !presigned) {
    return fail(
      "MissingAuthenticationToken",
      `the request is not signed: sign it with AWS SigV4 for service '${service}' in region '${options.region}' using a local principal's access key.`,
    );
  }
  if (authorizationHeader !== undefined && presigned) {
    return fail(
      "IncompleteSignature",
      "the request carries both an Authorization header and X-Amz-Algorithm query parameters: sign with only one of them.",
    );
  }

  const parsed =
    authorizationHeader !== undefined
      ? parseAuthorizationHeader(authorizationHeader, request.headers)
      : parsePresignedQuery(query);
  if ("ok" in parsed) return parsed;

  const scopeProblem = checkScope(parsed, options.region, service);
  if (scopeProblem) return scopeProblem;

  const principal = options.principals.get(parsed.accessKeyId);
  if (!principal) {
    return fail(
      "UnknownAccessKey",
      `the access key '${parsed.accessKeyId}' does not belong to any local principal: use a key printed by npm start (for example AKIALOCALPUBLISHER01).`,
    );
  }

  const expired = checkTime(parsed, now);
  if (expired) return expired;

  const missing = parsed.signedHeaders.find((name) => headerValue(request.headers, name) === undefined);
  if (missing !== undefined) {
    return fail(
      "IncompleteSignature",
      `SignedHeaders lists '${missing}', which the request does not carry: send every header you sign.`,
    );
  }

  const payloadHash = service === "s3" ? s3PayloadHash(request.headers, query, presigned) : undefined;
  if (payloadHash !== undefined && typeof payloadHash !== "string") return payloadHash;
  const computed = await computeSignature(request, query, parsed, principal, service, payloadHash);
  if (!constantTimeEqual(computed.signature, parsed.signature.toLowerCase())) {
    return {
      ...fail(
        "SignatureDoesNotMatch",
        `the signature does not match the request: sign with ${principal.accessKeyId}'s secret key over exactly the method, path, query, signed headers and body that are sent.`,
      ),
      canonicalRequest: computed.canonicalRequest,
      stringToSign: computed.stringToSign,
    };
  }
  return { ok: true, principal };
}

/**
 * S3 signs the payload hash the request declares: `x-amz-content-sha256` (required with an
 * Authorization header), or `UNSIGNED-PAYLOAD` for a presigned URL. Chunked (`STREAMING-…`)
 * payloads are not accepted here.
 */
function s3PayloadHash(
  headers: IncomingSignedRequest["headers"],
  query: readonly [string, string][],
  presigned: boolean,
): string | Failure {
  const declared =
    headerValue(headers, "x-amz-content-sha256") ??
    query.find(([key]) => key === "X-Amz-Content-Sha256")?.[1] ??
    (presigned ? "UNSIGNED-PAYLOAD" : undefined);
  if (declared === undefined) {
    return fail(
      "IncompleteSignature",
      "the request has no x-amz-content-sha256 header: send the SHA-256 of the body (or UNSIGNED-PAYLOAD) and sign it.",
    );
  }
  if (declared !== "UNSIGNED-PAYLOAD" && !/^[0-9a-f]{64}$/.test(declared)) {
    return fail(
      "IncompleteSignature",
      `x-amz-content-sha256 '${declared}' is not accepted here: send the hex SHA-256 of the body or UNSIGNED-PAYLOAD (chunked uploads are not supported).`,
    );
  }
  return declared;
}

function fail(code: SigV4FailureCode, message: string): Failure {
  return { ok: false, code, message };
}

function headerValue(headers: IncomingSignedRequest["headers"], name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  // SigV4 joins the values of a repeated header with commas.
  return typeof value === "string" ? value : value.join(",");
}

function parseAuthorizationHeader(
  header: string,
  headers: IncomingSignedRequest["headers"],
): ParsedAuthorization | Failure {
  const trimmed = header.trim();
  const space = trimmed.indexOf(" ");
  const algorithm = space === -1 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== ALGORITHM) {
    return fail(
      "IncompleteSignature",
      `the Authorization header uses '${algorithm}': sign the request with AWS Signature Version 4 (${ALGORITHM}).`,
    );
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(space + 1).split(",")) {
    const equals = part.indexOf("=");
    if (equals > 0) fields.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
  }
  for (const required of ["Credential", "SignedHeaders", "Signature"]) {
    if (!fields.get(required)) {
      return fail(
        "IncompleteSignature",
        `the Authorization header has no ${required}=…: send 'AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…'.`,
      );
    }
  }
  const signedHeaders = fields.get("SignedHeaders")!.split(";");
  for (const required of ["host", "x-amz-date"]) {
    if (!signedHeaders.includes(required)) {
      return fail(
        "IncompleteSignature",
        `SignedHeaders does not include '${required}': sign the ${required === "host" ? "Host" : "X-Amz-Date"} header.`,
      );
    }
  }
  const amzDate = headerValue(headers, "x-amz-date");
  if (amzDate === undefined) {
    return fail(
      "IncompleteSignature",
      "the request has no X-Amz-Date header: send and sign the signing time.",
    );
  }
  return withCredential(fields.get("Credential")!, {
    signedHeaders,
    signature: fields.get("Signature")!,
    amzDate,
  });
}

function parsePresignedQuery(query: readonly [string, string][]): ParsedAuthorization | Failure {
  const param = (name: string) => query.find(([key]) => key === name)?.[1];
  const missing = [...PRESIGN_QUERY_PARAMS, "X-Amz-Signature"].find((name) => !param(name));
  if (missing) {
    return fail(
      "IncompleteSignature",
      `the presigned URL has no ${missing} query parameter: presign the whole request with SigV4.`,
    );
  }
  if (param("X-Amz-Algorithm") !== ALGORITHM) {
    return fail(
      "IncompleteSignature",
      `X-Amz-Algorithm is '${param("X-Amz-Algorithm")}': presign the request with AWS Signature Version 4 (${ALGORITHM}).`,
    );
  }
  const expiresSeconds = Number(param("X-Amz-Expires"));
  if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > MAX_PRESIGNED_EXPIRES_S) {
    return fail(
      "IncompleteSignature",
      `X-Amz-Expires must be a whole number of seconds from 1 to ${MAX_PRESIGNED_EXPIRES_S} (7 days).`,
    );
  }
  const signedHeaders = param("X-Amz-SignedHeaders")!.split(";");
  if (!signedHeaders.includes("host")) {
    return fail("IncompleteSignature", "X-Amz-SignedHeaders does not include 'host': sign the Host header.");
  }
  return withCredential(param("X-Amz-Credential")!, {
    signedHeaders,
    signature: param("X-Amz-Signature")!,
    amzDate: param("X-Amz-Date")!,
    expiresSeconds,
  });
}

function withCredential(
  credential: string,
  rest: Pick<ParsedAuthorization, "signedHeaders" | "signature" | "amzDate" | "expiresSeconds">,
): ParsedAuthorization | Failure {
  const parts = credential.split("/");
  if (parts.length !== 5 || parts[4] !== "aws4_request" || parts.some((part) => part === "")) {
    return fail(
      "IncompleteSignature",
      `the credential '${credential}' is malformed: it must read <access key id>/<yyyymmdd>/<region>/<service>/aws4_request.`,
    );
  }
  const [accessKeyId, scopeDate, scopeRegion, scopeService] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  return { accessKeyId, scopeDate, scopeRegion, scopeService, ...rest };
}

function checkScope(parsed: ParsedAuthorization, region: string, service: string): Failure | undefined {
  if (parsed.scopeService !== service) {
    return fail(
      "IncompleteSignature",
      `the request was signed for service '${parsed.scopeService}': sign it for '${service}'.`,
    );
  }
  if (parsed.scopeRegion !== region) {
    return fail(
      "IncompleteSignature",
      `the request was signed for region '${parsed.scopeRegion}': sign it for '${region}', the local gateway's region.`,
    );
  }
  if (!/^\d{8}T\d{6}Z$/.test(parsed.amzDate)) {
    return fail(
      "IncompleteSignature",
      `X-Amz-Date '${parsed.amzDate}' is not in the form yyyymmddThhmmssZ (for example 20250101T120000Z).`,
    );
  }
  if (parsed.amzDate.slice(0, 8) !== parsed.scopeDate) {
    return fail(
      "IncompleteSignature",
      `the credential scope date ${parsed.scopeDate} differs from the X-Amz-Date day ${parsed.amzDate.slice(0, 8)}: use the signing day in both.`,
    );
  }
  return undefined;
}

function parseAmzDate(amzDate: string): Date {
  const iso = `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`;
  return new Date(iso);
}

function checkTime(parsed: ParsedAuthorization, now: Date): Failure | undefined {
  const signedAt = parseAmzDate(parsed.amzDate);
  if (Number.isNaN(signedAt.getTime())) {
    return fail("IncompleteSignature", `X-Amz-Date '${parsed.amzDate}' is not a valid date and time.`);
  }
  const skew = signedAt.getTime() - now.getTime();
  const signedIso = signedAt.toISOString().replace(/\.000Z$/, "Z");
  const nowIso = now.toISOString().replace(/\.\d{3}Z$/, "Z");
  if (skew > MAX_CLOCK_SKEW_MS) {
    return fail(
      "RequestExpired",
      `the request was signed at ${signedIso}, more than 5 minutes after the gateway's time ${nowIso}: check the client machine's clock.`,
    );
  }
  if (parsed.expiresSeconds !== undefined) {
    if (now.getTime() > signedAt.getTime() + parsed.expiresSeconds * 1000) {
      return fail(
        "RequestExpired",
        `the presigned URL expired ${parsed.expiresSeconds} seconds after ${signedIso} (now ${nowIso}): presign it again.`,
      );
    }
    return undefined;
  }
  if (-skew > MAX_CLOCK_SKEW_MS) {
    return fail(
      "RequestExpired",
      `the request was signed at ${signedIso}, more than 5 minutes before the gateway's time ${nowIso}: sign it again just before sending it.`,
    );
  }
  return undefined;
}

/**
 * `@smithy/signature-v4` builds the canonical request (path double-encoding and normalisation,
 * query sorting and RFC 3986 escaping) exactly as AWS SDK clients do. The subclass only exposes
 * those protected steps, so the gateway signs exactly the headers the client listed.
 */
class SignatureRecomputer extends SignatureV4 {
  async recompute(
    request: HttpRequest,
    canonicalHeaders: Record<string, string>,
    payloadHash: string,
    amzDate: string,
    scope: string,
    signingKey: Uint8Array,
  ): Promise<{ canonicalRequest: string; stringToSign: string; signature: string }> {
    const canonicalRequest = this.createCanonicalRequest(request, canonicalHeaders, payloadHash);
    const stringToSign = await this.createStringToSign(amzDate, scope, canonicalRequest, ALGORITHM);
    return { canonicalRequest, stringToSign, signature: toHex(await sha256(signingKey, stringToSign)) };
  }
}

async function computeSignature(
  request: IncomingSignedRequest,
  query: readonly [string, string][],
  parsed: ParsedAuthorization,
  principal: SigningIdentity,
  service: string,
  declaredPayloadHash: string | undefined,
): Promise<{ canonicalRequest: string; stringToSign: string; signature: string }> {
  const credentials = { accessKeyId: principal.accessKeyId, secretAccessKey: principal.secretAccessKey };
  const recomputer = new SignatureRecomputer({
    service,
    region: parsed.scopeRegion,
    credentials,
    sha256: Sha256,
    // S3 signs the path as sent; every other service encodes it once more.
    uriEscapePath: service !== "s3",
  });
  const signedHeaderValues: Record<string, string> = Object.create(null);
  for (const name of parsed.signedHeaders)
    signedHeaderValues[name] = headerValue(request.headers, name) ?? "";
  const httpRequest = new HttpRequest({
    method: request.method.toUpperCase(),
    path: request.rawPath,
    // The signature query parameter is never part of what is signed (smithy skips it).
    query: groupQuery(query),
    headers: signedHeaderValues,
  });
  // Listing the signed headers as signable keeps ones smithy would never sign itself (user-agent).
  const canonicalHeaders = getCanonicalHeaders(httpRequest, undefined, new Set(parsed.signedHeaders));
  // The body is always hashed: API Gateway does not honour x-amz-content-sha256 (an S3 feature),
  // so a client claiming UNSIGNED-PAYLOAD cannot leave the body unprotected.
  const payloadHash = declaredPayloadHash ?? toHex(await sha256(undefined, request.body));
  const scope = createScope(parsed.scopeDate, parsed.scopeRegion, service);
  const signingKey = await getSigningKey(Sha256, credentials, parsed.scopeDate, parsed.scopeRegion, service);
  return recomputer.recompute(httpRequest, canonicalHeaders, payloadHash, parsed.amzDate, scope, signingKey);
}

async function sha256(key: Uint8Array | undefined, data: string | Uint8Array): Promise<Uint8Array> {
  const hash = new Sha256(key);
  hash.update(typeof data === "string" ? new TextEncoder().encode(data) : data);
  return hash.digest();
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Splits a raw query string into decoded pairs, in order. `+` stays a literal plus (SigV4 clients
 * encode spaces as `%20`), and a malformed escape is kept as written rather than rejected.
 */
export function parseRawQuery(rawQuery: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const equals = part.indexOf("=");
    const key = equals === -1 ? part : part.slice(0, equals);
    const value = equals === -1 ? "" : part.slice(equals + 1);
    pairs.push([safeDecode(key), safeDecode(value)]);
  }
  return pairs;
}

export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function groupQuery(pairs: readonly [string, string][]): Record<string, string | string[]> {
  const grouped: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of pairs) {
    const existing = grouped[key];
    if (existing === undefined) grouped[key] = value;
    else grouped[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return grouped;
}
