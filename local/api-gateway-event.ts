import type { APIGatewayEventIdentity, APIGatewayProxyEvent } from "aws-lambda";
import { LOCAL_ACCOUNT_ID, type LocalPrincipal } from "./principals.ts";
import { parseRawQuery } from "./sigv4-verify.ts";

export const LOCAL_STAGE = "local";
export const LOCAL_API_ID = "local";

export interface ApiGatewayEventInput {
  requestId: string;
  method: string;
  rawPath: string;
  rawQuery: string;
  /** API Gateway resource path of the matched route, e.g. `/models/{model}`. */
  resource: string;
  pathParameters: Record<string, string> | null;
  /** Lowercased names, all values (Node's `req.headersDistinct`). */
  headers: Readonly<Record<string, readonly string[] | undefined>>;
  body: Buffer;
  sourceIp: string;
  /** The verified caller; undefined on routes served without a signature. */
  principal: LocalPrincipal | undefined;
  receivedAt: Date;
}

/**
 * Builds the REST API (v1 proxy integration) event API Gateway would send. Differences, by design:
 * header names arrive lowercased (Node lowercases them; API Gateway keeps the client's case), and
 * `requestContext.path` is `/local/<path>` (the stage is the first segment, as on an execute-api URL).
 * `path` stays percent-encoded and `pathParameters`/query values are decoded, as in AWS.
 */
export function buildApiGatewayEvent(input: ApiGatewayEventInput): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(input.headers)) {
    if (!values || values.length === 0) continue;
    multiValueHeaders[name] = [...values];
    // API Gateway's single-value map keeps the last value of a repeated header.
    headers[name] = values[values.length - 1]!;
  }

  const pairs = parseRawQuery(input.rawQuery);
  let queryStringParameters: Record<string, string> | null = null;
  let multiValueQueryStringParameters: Record<string, string[]> | null = null;
  if (pairs.length > 0) {
    queryStringParameters = {};
    multiValueQueryStringParameters = {};
    for (const [key, value] of pairs) {
      queryStringParameters[key] = value;
      const values = multiValueQueryStringParameters[key] ?? [];
      values.push(value);
      multiValueQueryStringParameters[key] = values;
    }
  }

  const { body, isBase64Encoded } = encodeBody(input.body, headers["content-type"]);
  return {
    resource: input.resource,
    path: input.rawPath,
    httpMethod: input.method,
    headers,
    multiValueHeaders,
    queryStringParameters,
    multiValueQueryStringParameters,
    pathParameters: input.pathParameters,
    stageVariables: null,
    body,
    isBase64Encoded,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: LOCAL_API_ID,
      // Where local mode says which registry role its principal plays (GET /whoami): in AWS an
      // IAM-authorized route has no authorizer, so no caller can put anything here.
      authorizer: input.principal ? { registryRole: input.principal.role } : undefined,
      domainName: headers.host ?? "127.0.0.1",
      domainPrefix: (headers.host ?? "127").split(".")[0],
      extendedRequestId: input.requestId,
      httpMethod: input.method,
      identity: identityOf(input.principal, input.sourceIp, headers["user-agent"]),
      path: `/${LOCAL_STAGE}${input.rawPath}`,
      protocol: "HTTP/1.1",
      requestId: input.requestId,
      requestTime: formatRequestTime(input.receivedAt),
      requestTimeEpoch: input.receivedAt.getTime(),
      resourceId: resourceIdOf(input.resource),
      resourcePath: input.resource,
      stage: LOCAL_STAGE,
    },
  };
}

function identityOf(
  principal: LocalPrincipal | undefined,
  sourceIp: string,
  userAgent: string | undefined,
): APIGatewayEventIdentity {
  return {
    accessKey: principal?.accessKeyId ?? null,
    accountId: principal ? LOCAL_ACCOUNT_ID : null,
    apiKey: null,
    apiKeyId: null,
    caller: principal?.userId ?? null,
    clientCert: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp,
    user: principal?.userId ?? null,
    userAgent: userAgent ?? null,
    userArn: principal?.arn ?? null,
  };
}

const TEXT_TYPES = [
  /^text\//,
  /^application\/(json|xml|javascript|x-www-form-urlencoded|yaml|x-yaml|x-ndjson|graphql)\b/,
  /\+(json|xml)\b/,
];

/**
 * Text bodies are passed as strings, anything else base64-encoded with `isBase64Encoded` (as
 * API Gateway does for binary media types). A body without a content type is text if it is valid UTF-8.
 */
function encodeBody(
  body: Buffer,
  contentType: string | undefined,
): { body: string | null; isBase64Encoded: boolean } {
  if (body.length === 0) return { body: null, isBase64Encoded: false };
  const type = contentType?.toLowerCase().trim();
  const isText = type ? TEXT_TYPES.some((pattern) => pattern.test(type)) : isUtf8(body);
  return isText
    ? { body: body.toString("utf8"), isBase64Encoded: false }
    : { body: body.toString("base64"), isBase64Encoded: true };
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** API Gateway's CLF-style `requestTime`, e.g. `09/Apr/2015:12:34:56 +0000`. */
function formatRequestTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** A stable, resource-specific id, like API Gateway's 6-character resource ids. */
function resourceIdOf(resource: string): string {
  let hash = 0;
  for (const char of resource) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash.toString(36).padStart(6, "0").slice(-6);
}
