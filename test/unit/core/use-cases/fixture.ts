/**
 * A core wired to the in-memory store: use-case rules run without network in milliseconds.
 */
import { MemoryRegistryStore } from "#adapters/memory/store.ts";
import type { RequestContext } from "#core/kernel/context.ts";
import { type CoreDeps, createCoreDeps } from "#core/kernel/deps.ts";
import type { ArtifactUploads, RegistryStore } from "#core/ports.ts";

export const publisher: RequestContext = {
  actor: "arn:aws:iam::000000000000:user/publisher",
  requestId: "req-1",
};

export const uploads: ArtifactUploads = {
  planUploads: async (model, version, artifacts) =>
    artifacts.map((a) => ({
      path: a.path,
      method: "PUT" as const,
      url: `https://uploads.example/${model}/${version}/${a.path}`,
      expiresAt: "2026-11-23T10:00:00.000Z",
    })),
};

export interface TestCore extends CoreDeps {
  errors: { message: string; extra?: Record<string, unknown> }[];
}

export function testCore(store: RegistryStore = new MemoryRegistryStore()): TestCore {
  let tick = Date.parse("2026-11-23T09:00:00.000Z");
  const errors: TestCore["errors"] = [];
  return {
    ...createCoreDeps({
      store,
      uploads,
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
  };
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
