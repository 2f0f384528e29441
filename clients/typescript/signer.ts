import type { SignatureV4 } from "@smithy/signature-v4";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type CredentialsProvider = () => Promise<Credentials>;

export interface RequestToSign {
  method: string;
  url: URL;
  /** Lowercased names; every header here is signed and sent. */
  headers: Record<string, string>;
  /** Decoded query, as sent in `url.search`. */
  query: Record<string, string | string[]>;
  body?: string;
}

export const SIGNING_SERVICE = "execute-api";

/**
 * The SDK's signer, loaded by the first request signed: with `@smithy/core` it is most of the
 * CLI bundle's JavaScript (~400 KiB), which `registry --help` and usage errors never need.
 */
let signingSdk:
  | Promise<{
      SignatureV4: typeof SignatureV4;
      HttpRequest: typeof import("@smithy/protocol-http").HttpRequest;
      Sha256: typeof import("@aws-crypto/sha256-js").Sha256;
    }>
  | undefined;
const loadSigningSdk = () =>
  (signingSdk ??= Promise.all([
    import("@smithy/signature-v4"),
    import("@smithy/protocol-http"),
    import("@aws-crypto/sha256-js"),
  ]).then(([signature, protocol, sha]) => ({
    SignatureV4: exported(signature, "SignatureV4"),
    HttpRequest: exported(protocol, "HttpRequest"),
    Sha256: exported(sha, "Sha256"),
  })));

/**
 * A named export of a dynamically imported CommonJS package: on the module itself (tsx, Node),
 * or on its `default` where a bundler's CommonJS interop puts it there (the CLI bundle).
 */
function exported<M extends object, K extends keyof M>(module: M, name: K): M[K] {
  const direct = module[name];
  if (direct !== undefined) return direct;
  const fallback = (module as { default?: M }).default?.[name];
  if (fallback === undefined) throw new Error(`the signing SDK has no export ${String(name)}`);
  return fallback;
}

/**
 * SigV4 for API Gateway (`execute-api`). The signed request carries exactly the headers and bytes
 * that are sent: `host` is the URL's host (what `fetch` puts on the wire), the path is the encoded
 * path from the URL (the signer encodes it once more, as AWS does for every service except S3),
 * and `x-amz-content-sha256` is the hash of the body string.
 */
export class RequestSigner {
  readonly #options: { region: string; credentials: Credentials | CredentialsProvider };
  #signer: SignatureV4 | undefined;

  constructor(options: { region: string; credentials: Credentials | CredentialsProvider }) {
    this.#options = options;
  }

  /** Returns the headers to send (the input headers plus `host`, `x-amz-*` and `authorization`). */
  async sign(request: RequestToSign, signingDate: Date = new Date()): Promise<Record<string, string>> {
    const { SignatureV4, HttpRequest, Sha256 } = await loadSigningSdk();
    this.#signer ??= new SignatureV4({
      service: SIGNING_SERVICE,
      region: this.#options.region,
      credentials: this.#options.credentials,
      sha256: Sha256,
      uriEscapePath: true,
      applyChecksum: true,
    });
    const httpRequest = new HttpRequest({
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      port: request.url.port ? Number(request.url.port) : undefined,
      path: request.url.pathname,
      query: request.query,
      headers: { ...request.headers, host: request.url.host },
      body: request.body,
    });
    const signed = await this.#signer.sign(httpRequest, { signingDate });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = value;
    return headers;
  }
}
