/**
 * A core wired to the in-memory store: use-case rules run without network in milliseconds.
 */
import { MemoryRegistryStore } from "#adapters/memory/store.ts";
import type { RequestContext } from "#core/kernel/context.ts";
import { type CoreDeps, createCoreDeps } from "#core/kernel/deps.ts";
import type { ValidateResult } from "#core/lifecycle/workflow-contract.ts";
import { runWorkflowStep } from "#core/lifecycle/workflow-steps.ts";
import type {
  ArtifactStorage,
  ArtifactVerification,
  CompleteMultipartResult,
  RegistryStore,
  VerificationRequest,
} from "#core/ports.ts";
import type { Artifact } from "#core/schemas.ts";
import { sealVersion } from "#core/use-cases/artifacts.ts";

export const publisher: RequestContext = {
  actor: "arn:aws:iam::000000000000:user/publisher",
  requestId: "req-1",
};

/** A stored object of the fake bucket: its size and SHA-256, and whether S3 would vouch for it. */
export interface FakeObject {
  size: number;
  sha256: string;
  /** S3 holds this full-object SHA-256 (a single PUT bound to it); false for multipart or s3rver. */
  checksummed: boolean;
  /** S3's version id of these bytes (the bucket is versioned); absent: written unversioned. */
  versionId?: string;
}

/**
 * An in-memory artifact bucket behind the `ArtifactStorage` port: URLs are fake and readable,
 * objects are facts (size, digest), multipart uploads keep their parts. Tests put objects with
 * `objects.set(key(...), ...)`.
 */
export class FakeArtifactStorage implements ArtifactStorage {
  readonly objects = new Map<string, FakeObject>();
  /** Older versions of keys, by `<key>#<versionId>`: an overwrite keeps the old version here. */
  readonly versions = new Map<string, FakeObject>();
  readonly uploads = new Map<string, { key: string; parts: Map<number, { etag: string; size: number }> }>();
  /** Upload ids aborted, in order. */
  readonly aborted: string[] = [];
  readonly calls: string[] = [];
  private nextUpload = 1;

  static key = (model: string, version: number, path: string) =>
    `models/${model}/versions/${version}/${path}`;

  uri(model: string, version: number, path: string) {
    return `s3://bucket/${FakeArtifactStorage.key(model, version, path)}`;
  }
  async presignPut(
    model: string,
    version: number,
    artifact: Artifact,
    options: { expiresIn: number; overwrite: boolean },
  ) {
    this.calls.push(`presignPut ${artifact.path}${options.overwrite ? " overwrite" : ""}`);
    return {
      url: `https://uploads.example/${FakeArtifactStorage.key(model, version, artifact.path)}?expires=${options.expiresIn}`,
      headers: {
        "x-amz-checksum-sha256": artifact.sha256,
        ...(!options.overwrite && { "if-none-match": "*" }),
      },
    };
  }
  async startMultipartUpload(model: string, version: number, artifact: Artifact) {
    const uploadId = `upload-${this.nextUpload++}`;
    this.uploads.set(uploadId, {
      key: FakeArtifactStorage.key(model, version, artifact.path),
      parts: new Map(),
    });
    this.calls.push(`startMultipartUpload ${artifact.path}`);
    return uploadId;
  }
  async presignParts(
    model: string,
    version: number,
    path: string,
    uploadId: string,
    parts: number[],
    expiresIn: number,
  ) {
    return parts.map((partNumber) => ({
      partNumber,
      url: `https://uploads.example/${FakeArtifactStorage.key(model, version, path)}?uploadId=${uploadId}&partNumber=${partNumber}&expires=${expiresIn}`,
    }));
  }
  async listParts(_model: string, _version: number, _path: string, uploadId: string) {
    const upload = this.uploads.get(uploadId);
    return upload && [...upload.parts].map(([partNumber, p]) => ({ partNumber, ...p }));
  }
  async abortMultipartUpload(_model: string, _version: number, _path: string, uploadId: string) {
    this.aborted.push(uploadId);
    this.uploads.delete(uploadId);
  }
  async completeMultipartUpload(
    ...[, , , uploadId, parts, options]: Parameters<ArtifactStorage["completeMultipartUpload"]>
  ): Promise<CompleteMultipartResult> {
    const upload = this.uploads.get(uploadId);
    if (!upload) return { ok: false, reason: "noSuchUpload", message: "no such upload" };
    if (parts.some((p) => upload.parts.get(p.partNumber)?.etag !== p.etag)) {
      return { ok: false, reason: "invalidParts", message: "a part's ETag does not match" };
    }
    if (!options.overwrite && this.objects.has(upload.key)) {
      return { ok: false, reason: "objectExists", message: "exists" };
    }
    const size = parts.reduce((sum, p) => sum + (upload.parts.get(p.partNumber)?.size ?? 0), 0);
    // The fake cannot hash parts; a test sets the digest it wants with `objects`.
    this.objects.set(upload.key, {
      size,
      sha256: this.objects.get(upload.key)?.sha256 ?? "f".repeat(64),
      checksummed: false,
    });
    this.uploads.delete(uploadId);
    return { ok: true };
  }
  /** Replaces the object at a key as S3 would in a versioned bucket: the old one stays a version. */
  overwrite(model: string, version: number, path: string, object: FakeObject) {
    const key = FakeArtifactStorage.key(model, version, path);
    const old = this.objects.get(key);
    if (old?.versionId) this.versions.set(`${key}#${old.versionId}`, old);
    this.objects.set(key, object);
  }
  private find(model: string, version: number, path: string, versionId?: string) {
    const key = FakeArtifactStorage.key(model, version, path);
    const current = this.objects.get(key);
    if (versionId === undefined || current?.versionId === versionId) return current;
    return this.versions.get(`${key}#${versionId}`);
  }
  async head(model: string, version: number, path: string, versionId?: string) {
    const object = this.find(model, version, path, versionId);
    this.calls.push(`head ${path}${versionId ? ` @${versionId}` : ""}`);
    return (
      object && {
        size: object.size,
        ...(object.checksummed && { sha256: object.sha256 }),
        ...(object.versionId && { versionId: object.versionId }),
      }
    );
  }
  async digest(model: string, version: number, path: string, versionId?: string) {
    const object = this.find(model, version, path, versionId);
    this.calls.push(`digest ${path}${versionId ? ` @${versionId}` : ""}`);
    return (
      object && {
        size: object.size,
        sha256: object.sha256,
        ...(object.versionId && { versionId: object.versionId }),
      }
    );
  }
  async presignGet(model: string, version: number, path: string, expiresIn: number, versionId?: string) {
    return `https://downloads.example/${FakeArtifactStorage.key(model, version, path)}?expires=${expiresIn}${versionId ? `&versionId=${versionId}` : ""}`;
  }
}

/** Records the verifications a seal starts; the test runs `verifyVersion` itself when it wants. */
export class FakeVerification implements ArtifactVerification {
  readonly started: VerificationRequest[] = [];
  failWith: Error | undefined;
  async start(request: VerificationRequest) {
    if (this.failWith) throw this.failWith;
    this.started.push(request);
  }
}

export interface TestCore extends CoreDeps {
  errors: { message: string; extra?: Record<string, unknown> }[];
  artifacts: FakeArtifactStorage;
  verification: FakeVerification;
}

export function testCore(store: RegistryStore = new MemoryRegistryStore()): TestCore {
  let tick = Date.parse("2026-11-23T09:00:00.000Z");
  const errors: TestCore["errors"] = [];
  return {
    ...createCoreDeps({
      store,
      artifacts: new FakeArtifactStorage(),
      verification: new FakeVerification(),
      // Every reading of the clock is one second later, so times are distinct and predictable.
      clock: {
        now: () => {
          tick += 1000;
          return new Date(tick);
        },
      },
      retry: { attempts: 5, backoffMs: () => 0 },
      logger: { error: (message, ...extra) => errors.push({ message, extra: Object.assign({}, ...extra) }) },
    }),
    errors,
  } as TestCore;
}

export const artifact = (path = "model.onnx") => ({ path, size: 10, sha256: "a".repeat(64) });

export const withKey = (ctx: RequestContext, key: string, fingerprint = `fp-${key}`): RequestContext => ({
  ...ctx,
  idempotency: { key, fingerprint },
});

/**
 * The same core, whose store runs `race` (another request) just before this request's first
 * commit: the other request wins the race between this one's read and its write. `race` may
 * throw to stand for how the store reports the lost race (a TransactionConflict).
 */
export function racing(core: TestCore, race: () => Promise<void>): TestCore {
  const store = core.store;
  let raced = false;
  const racingStore: RegistryStore = Object.assign(Object.create(store), {
    commit: async (ops: Parameters<RegistryStore["commit"]>[0]) => {
      if (!raced) {
        raced = true;
        await race();
      }
      return store.commit(ops);
    },
  });
  return { ...core, store: racingStore };
}

/** The same core, whose store fails every call of `method` with `error`. */
export function failing(core: TestCore, method: keyof RegistryStore, error: Error): TestCore {
  const store: RegistryStore = Object.assign(Object.create(core.store), {
    [method]: async () => {
      throw error;
    },
  });
  return { ...core, store };
}

/**
 * Uploads every declared artifact of a version as S3 would keep a checksum-bound single PUT
 * (size and full-object SHA-256 as declared) and seals it: the version is READY at once.
 */
export async function makeReady(core: TestCore, model: string, version: number): Promise<void> {
  const record = await core.store.getVersion(model, version);
  if (!record) throw new Error(`no version ${version} of ${model}`);
  for (const a of record.artifacts) {
    core.artifacts.objects.set(FakeArtifactStorage.key(model, version, a.path), {
      size: a.size,
      sha256: a.sha256,
      checksummed: true,
      versionId: `v-${model}-${version}-${a.path}`,
    });
  }
  const { value } = await sealVersion(core, model, version, publisher);
  if (value.version.status !== "READY") throw new Error(`version ${version} is ${value.version.status}`);
}

let executions = 0;

/**
 * Runs the transition workflow's steps in the order the state machine runs them, up to the
 * approval wait (whose task token is `token`) or the end. `step` names the execution for the
 * steps a test runs itself afterwards (apply after an approval, expire).
 */
export async function runWorkflow(
  core: CoreDeps,
  model: string,
  transitionId: string,
  options: { resume?: boolean } = {},
) {
  const execution = `execution-${++executions}`;
  const validated = (await runWorkflowStep(core, {
    step: "validate",
    event: { detail: { model, transitionId }, ...(options.resume && { resume: true }) },
    execution,
  })) as ValidateResult;
  const step = { model, transitionId, execution };
  const token = `token-${execution}`;
  if (validated.next === "apply") await runWorkflowStep(core, { step: "apply", ...step });
  if (validated.next === "approval") await runWorkflowStep(core, { step: "awaitApproval", ...step, token });
  return { validated, execution, token, step };
}
