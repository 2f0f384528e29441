import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";

/**
 * `url` (an execute-api GET, its query included) presigned for `credentials` with the SDK's own
 * signer, the way a browser link would carry it: the X-Amz-* parameters added to the query.
 */
export async function presignedGet(
  url: URL,
  options: {
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    expiresIn: number;
  },
): Promise<URL> {
  const { region, credentials, expiresIn } = options;
  const signer = new SignatureV4({ service: "execute-api", region, credentials, sha256: Sha256 });
  const presigned = await signer.presign(
    new HttpRequest({
      method: "GET",
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { host: url.host },
    }),
    { expiresIn },
  );
  const signed = new URL(url);
  for (const [key, value] of Object.entries(presigned.query ?? {}))
    signed.searchParams.set(key, String(value));
  return signed;
}

/**
 * The headers of an execute-api request to `url` (its query included) signed for `credentials`
 * with the SDK's own signer: `headers` plus `host`, `x-amz-date`, and `authorization`.
 */
export async function signedHeaders(
  url: URL,
  options: {
    method: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    headers?: Record<string, string>;
    body?: string | Uint8Array;
  },
): Promise<Record<string, string>> {
  const { method, region, credentials, body } = options;
  const signer = new SignatureV4({ service: "execute-api", region, credentials, sha256: Sha256 });
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? (values[0] as string) : values;
  }
  const signed = await signer.sign(
    new HttpRequest({
      method,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query,
      headers: { ...options.headers, host: url.host },
      body,
    }),
  );
  return signed.headers;
}
