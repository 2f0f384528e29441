import { resolveCredentials, resolveEndpoint, resolveRegion } from "./config.ts";
import {
  buildQueryString,
  groupQuery,
  normalizePath,
  pathOf,
  type Query,
  queryEntries,
} from "./http-encoding.ts";
import { RegistryError, type RegistryResponse } from "./registry-error.ts";
import { type Credentials, type CredentialsProvider, RequestSigner } from "./signer.ts";
import type {
  AliasResult,
  ApproveInput,
  ArtifactDownload,
  Caller,
  CancelInput,
  CompletedUpload,
  CompleteUploadInput,
  CreateModelInput,
  CreateVersionInput,
  HistoryEntry,
  ListModelsQuery,
  ListTransitionsQuery,
  ListVersionsQuery,
  Model,
  ModelPolicy,
  ModelVersion,
  Page,
  PageQuery,
  Policy,
  RejectInput,
  RequestTransitionInput,
  RequestUploadsInput,
  RollbackInput,
  SealResult,
  StageTenure,
  Transition,
  UpdateModelInput,
  UpdateVersionInput,
  UploadUrls,
  VersionComparison,
  VersionId,
} from "./types.ts";

export interface RegistryClientOptions {
  /** Base URL, possibly with a base path (API Gateway stage). Default: `REGISTRY_ENDPOINT` or `http://127.0.0.1:8787`. */
  endpoint?: string | URL;
  /** Default: `AWS_REGION`, `AWS_DEFAULT_REGION`, then `us-east-1`. */
  region?: string;
  /** Default: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, else the SDK's Node provider chain. */
  credentials?: Credentials | CredentialsProvider;
  /** The `fetch` to send with (tests pass a recorder). Default: global `fetch`. */
  fetch?: typeof fetch;
  /** The signing time (tests pin it). Default: now. */
  clock?: () => Date;
}

export interface RequestOptions {
  method: string;
  /**
   * Path below the endpoint's base path, already encoded, starting with `/` (see `pathOf`). It is
   * sent in canonical RFC 3986 form, so `(` goes out as `%28`.
   */
  path: string;
  /** Decoded values; the client encodes them. `undefined`/`null` values are left out. */
  query?: Query;
  /** Objects are sent as JSON; a string is sent verbatim (as JSON content). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface WriteOptions {
  /** Sent as `Idempotency-Key`: a retry with the same key and body returns the first response. */
  idempotencyKey?: string;
}

export interface ConditionalOptions {
  /** Sent as `If-Match`: the write fails with 412 when the resource's ETag has changed. */
  ifMatch?: string;
}

export class RegistryClient {
  readonly endpoint: string;
  readonly region: string;
  readonly #origin: URL;
  readonly #basePath: string;
  readonly #signer: RequestSigner;
  readonly #fetch: typeof fetch;
  readonly #clock: () => Date;

  constructor(options: RegistryClientOptions = {}) {
    const endpoint = resolveEndpoint(options.endpoint?.toString());
    this.#origin = new URL(endpoint.origin);
    this.#basePath = endpoint.pathname.replace(/\/+$/, "");
    this.endpoint = `${endpoint.origin}${this.#basePath}`;
    this.region = resolveRegion(options.region);
    this.#signer = new RequestSigner({
      region: this.region,
      credentials: resolveCredentials(options.credentials),
    });
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#clock = options.clock ?? (() => new Date());
  }

  /** Signs and sends one request. Resolves for every HTTP status; rejects only when nothing came back. */
  async request<T = unknown>(options: RequestOptions): Promise<RegistryResponse<T>> {
    if (!options.path.startsWith("/") || /[?#]/.test(options.path)) {
      throw new TypeError(`path must start with "/" and carry no query or fragment: ${options.path}`);
    }
    const url = new URL(this.#origin);
    url.pathname = normalizePath(`${this.#basePath}${options.path}`);
    const entries = queryEntries(options.query);
    url.search = buildQueryString(entries);

    const body =
      options.body === undefined || typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;

    const method = options.method.toUpperCase();
    const signed = await this.#signer.sign(
      { method, url, headers, query: groupQuery(entries), body },
      this.#clock(),
    );
    // `fetch` writes Host from the URL: the same value that was signed.
    delete signed.host;

    let response: Response;
    try {
      response = await this.#fetch(url, { method, headers: signed, body });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new Error(`cannot reach the registry at ${this.endpoint}: ${reason}`, { cause: error });
    }
    const rawBody = await response.text();
    const responseHeaders: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      responseHeaders[name.toLowerCase()] = value;
    });
    return { status: response.status, headers: responseHeaders, body: parseJson<T>(rawBody), rawBody };
  }

  /**
   * Every item of a paginated list, following `nextToken` until the last page; from the first
   * page, or from the page `startToken` (a `nextToken` an earlier listing returned) names.
   */
  async *paginate<T>(
    fetchPage: (nextToken: string | undefined) => Promise<Page<T>>,
    startToken?: string,
  ): AsyncGenerator<T, void> {
    const seen = new Set<string>(startToken === undefined ? [] : [startToken]);
    let nextToken = startToken;
    do {
      const page = await fetchPage(nextToken);
      yield* page.items;
      nextToken = page.nextToken || undefined;
      if (nextToken !== undefined) {
        if (seen.has(nextToken))
          throw new Error("pagination did not advance: the server repeated a nextToken");
        seen.add(nextToken);
      }
    } while (nextToken !== undefined);
  }

  createModel(input: CreateModelInput, options: WriteOptions = {}): Promise<Model> {
    return this.#call({ method: "POST", path: pathOf("models"), body: input, headers: idempotency(options) });
  }

  listModels(query: ListModelsQuery = {}): Promise<Page<Model>> {
    return this.#call({ method: "GET", path: pathOf("models"), query: { ...query } });
  }

  getModel(name: string): Promise<Model> {
    return this.#call({ method: "GET", path: pathOf("models", name) });
  }

  /** The model's policy, the organisation's floor, and the policy in force with its digest. */
  getModelPolicy(name: string): Promise<ModelPolicy> {
    return this.#call({ method: "GET", path: `${pathOf("models", name)}/policy` });
  }

  /** Replaces the model's promotion policy (the governor's and the admin's route). */
  setModelPolicy(name: string, policy: Policy, options: ConditionalOptions = {}): Promise<ModelPolicy> {
    return this.#call({
      method: "PUT",
      path: `${pathOf("models", name)}/policy`,
      body: policy,
      headers: ifMatch(options),
    });
  }

  updateModel(name: string, patch: UpdateModelInput, options: ConditionalOptions = {}): Promise<Model> {
    return this.#call({
      method: "PATCH",
      path: pathOf("models", name),
      body: patch,
      headers: ifMatch(options),
    });
  }

  async deleteModel(name: string, options: ConditionalOptions = {}): Promise<void> {
    await this.#call({ method: "DELETE", path: pathOf("models", name), headers: ifMatch(options) });
  }

  createVersion(model: string, input: CreateVersionInput, options: WriteOptions = {}): Promise<ModelVersion> {
    const path = pathOf("models", model, "versions");
    return this.#call({ method: "POST", path, body: input, headers: idempotency(options) });
  }

  listVersions(model: string, query: ListVersionsQuery = {}): Promise<Page<ModelVersion>> {
    return this.#call({ method: "GET", path: pathOf("models", model, "versions"), query: { ...query } });
  }

  /** Who the registry sees: the principal ARN it records on writes, its account, its roles (null in AWS). */
  whoami(): Promise<Caller> {
    return this.#call({ method: "GET", path: pathOf("whoami") });
  }

  getVersion(model: string, version: VersionId): Promise<ModelVersion> {
    return this.#call({ method: "GET", path: pathOf("models", model, "versions", version) });
  }

  updateVersion(
    model: string,
    version: VersionId,
    patch: UpdateVersionInput,
    options: ConditionalOptions = {},
  ): Promise<ModelVersion> {
    const path = pathOf("models", model, "versions", version);
    return this.#call({ method: "PATCH", path, body: patch, headers: ifMatch(options) });
  }

  compareVersions(model: string, version: VersionId, other: VersionId): Promise<VersionComparison> {
    return this.#call({
      method: "GET",
      path: pathOf("models", model, "versions", version, "compare", other),
    });
  }

  setAlias(model: string, alias: string, version: number): Promise<AliasResult> {
    return this.#call({ method: "PUT", path: pathOf("models", model, "aliases", alias), body: { version } });
  }

  getAlias(model: string, alias: string): Promise<AliasResult> {
    return this.#call({ method: "GET", path: pathOf("models", model, "aliases", alias) });
  }

  async deleteAlias(model: string, alias: string): Promise<void> {
    await this.#call({ method: "DELETE", path: pathOf("models", model, "aliases", alias) });
  }

  /** Fresh upload URLs for one artifact: a single PUT, or part URLs (default: the parts S3 lacks). */
  requestUploadUrls(model: string, version: VersionId, input: RequestUploadsInput): Promise<UploadUrls> {
    const path = pathOf("models", model, "versions", version, "uploads");
    return this.#call({ method: "POST", path, body: input });
  }

  completeUpload(model: string, version: VersionId, input: CompleteUploadInput): Promise<CompletedUpload> {
    const path = pathOf("models", model, "versions", version, "uploads", "complete");
    return this.#call({ method: "POST", path, body: input });
  }

  /** 200: READY at once (`accepted: false`); 202: VERIFYING while the registry hashes (`accepted: true`). */
  async sealVersion(model: string, version: VersionId): Promise<SealResult> {
    const response = await this.request<ModelVersion>({
      method: "POST",
      path: pathOf("models", model, "versions", version, "seal"),
    });
    if (response.status < 200 || response.status >= 300) throw new RegistryError(response);
    return { accepted: response.status === 202, version: response.body as ModelVersion };
  }

  /**
   * Abandons an unsealed version (PENDING_UPLOAD or FAILED): ABANDONED for good, its multipart
   * uploads aborted, its number never reused. An ABANDONED version is answered as it is.
   */
  abandonVersion(model: string, version: VersionId, options: WriteOptions = {}): Promise<ModelVersion> {
    return this.#call({
      method: "POST",
      path: pathOf("models", model, "versions", version, "abandon"),
      headers: idempotency(options),
    });
  }

  /** A presigned GET of a READY version's artifact, with its size and SHA-256. */
  getArtifact(model: string, version: VersionId, artifactPath: string): Promise<ArtifactDownload> {
    const path = pathOf("models", model, "versions", version, "artifacts", ...artifactSegments(artifactPath));
    return this.#call({ method: "GET", path });
  }

  getAliasArtifact(model: string, alias: string, artifactPath: string): Promise<ArtifactDownload> {
    const path = pathOf("models", model, "aliases", alias, "artifacts", ...artifactSegments(artifactPath));
    return this.#call({ method: "GET", path });
  }

  listHistory(model: string, query: PageQuery = {}): Promise<Page<HistoryEntry>> {
    return this.#call({ method: "GET", path: pathOf("models", model, "history"), query: { ...query } });
  }

  /** 202: the request, REQUESTED; the workflow moves it on (poll `getTransition`, or `waitForTransition`). */
  requestTransition(
    model: string,
    version: VersionId,
    input: RequestTransitionInput,
    options: WriteOptions = {},
  ): Promise<Transition> {
    const path = pathOf("models", model, "versions", version, "transitions");
    return this.#call({ method: "POST", path, body: input, headers: idempotency(options) });
  }

  /** A version's transition requests, newest first. */
  listVersionTransitions(
    model: string,
    version: VersionId,
    query: PageQuery = {},
  ): Promise<Page<Transition>> {
    const path = pathOf("models", model, "versions", version, "transitions");
    return this.#call({ method: "GET", path, query: { ...query } });
  }

  /** A model's transition requests, newest first, optionally of one status. */
  listTransitions(model: string, query: ListTransitionsQuery = {}): Promise<Page<Transition>> {
    return this.#call({ method: "GET", path: pathOf("models", model, "transitions"), query: { ...query } });
  }

  getTransition(model: string, id: string): Promise<Transition> {
    return this.#call({ method: "GET", path: pathOf("models", model, "transitions", id) });
  }

  approveTransition(
    model: string,
    id: string,
    input: ApproveInput = {},
    options: WriteOptions = {},
  ): Promise<Transition> {
    const path = pathOf("models", model, "transitions", id, "approve");
    return this.#call({ method: "POST", path, body: input, headers: idempotency(options) });
  }

  /** The comment is required: the requester reads why. */
  rejectTransition(
    model: string,
    id: string,
    input: RejectInput,
    options: WriteOptions = {},
  ): Promise<Transition> {
    const path = pathOf("models", model, "transitions", id, "reject");
    return this.#call({ method: "POST", path, body: input, headers: idempotency(options) });
  }

  /** The requester cancels their own open request. */
  cancelTransition(
    model: string,
    id: string,
    input: CancelInput = {},
    options: WriteOptions = {},
  ): Promise<Transition> {
    const path = pathOf("models", model, "transitions", id, "cancel");
    return this.#call({ method: "POST", path, body: input, headers: idempotency(options) });
  }

  /** An admin cancels anyone's open request (`DELETE`, no comment). */
  forceCancelTransition(model: string, id: string): Promise<Transition> {
    return this.#call({ method: "DELETE", path: pathOf("models", model, "transitions", id) });
  }

  /** Transitions awaiting approval across every model, oldest first. */
  listApprovals(query: PageQuery = {}): Promise<Page<Transition>> {
    return this.#call({ method: "GET", path: pathOf("approvals"), query: { ...query } });
  }

  /** 202: a transition of kind `rollback` bringing the stage's previous holder back, REQUESTED. */
  rollback(model: string, input: RollbackInput, options: WriteOptions = {}): Promise<Transition> {
    const path = pathOf("models", model, "rollback");
    return this.#call({ method: "POST", path, body: input, headers: idempotency(options) });
  }

  /** Which version held a stage, from when to when, newest first. */
  getStageHistory(model: string, stage: string, query: PageQuery = {}): Promise<Page<StageTenure>> {
    const path = pathOf("models", model, "stages", stage, "history");
    return this.#call({ method: "GET", path, query: { ...query } });
  }

  async #call<T>(options: RequestOptions): Promise<T> {
    const response = await this.request<T>(options);
    if (response.status < 200 || response.status >= 300) throw new RegistryError(response);
    return response.body as T;
  }
}

function parseJson<T>(raw: string): T | null {
  if (raw.trim() === "") return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null;
  }
}

/** An artifact path travels as path segments (`a/b.txt` → `/a/b.txt`), not as one encoded `a%2Fb.txt`. */
function artifactSegments(path: string): string[] {
  return path.split("/");
}

function idempotency(options: WriteOptions): Record<string, string> {
  return options.idempotencyKey ? { "idempotency-key": options.idempotencyKey } : {};
}

function ifMatch(options: ConditionalOptions): Record<string, string> {
  return options.ifMatch ? { "if-match": options.ifMatch } : {};
}
