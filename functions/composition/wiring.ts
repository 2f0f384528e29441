/**
 * The parts the composition roots share: the DynamoDB store every function uses, the S3 options,
 * the helpers that defer an adapter to its first use (`onFirstUse`, `deferred`), and the
 * verifier's core (`buildReaderCore`).
 *
 * This module reaches no adapter on first use, and that is its point. esbuild makes a chunk of every `await import()` a bundle can reach, whether the
 * code holding it runs or not, and keeps each module in one piece; S3's schemas are one module,
 * and the custom validator's chunk shares zod. So a function that imported `buildCore()`'s
 * module, even without calling it, would load the upload commands' schemas and zod at cold start.
 */
import { createDynamoClient } from "#adapters/dynamodb/client.ts";
import { readOrCreatePageTokenKey } from "#adapters/dynamodb/items/page-token-key.ts";
import { PageTokens } from "#adapters/dynamodb/page-token.ts";
import { DynamoRegistryStore } from "#adapters/dynamodb/store.ts";
import type { createS3ArtifactReader } from "#adapters/s3/artifact-reader.ts";
import { type CoreDeps, createCoreDeps } from "#core/kernel/deps.ts";
import type { Config } from "./config.ts";

/**
 * The registry's DynamoDB store. The page-token key is kept in the table: the first list of a
 * function instance reads it (or creates it, the first time ever) and the instance keeps it.
 */
export function createStore(config: Config): DynamoRegistryStore {
  const { pageTokenSecret, tableName } = config;
  const client = createDynamoClient();
  return new DynamoRegistryStore({
    client,
    tableName,
    pageTokens:
      pageTokenSecret !== undefined
        ? new PageTokens(pageTokenSecret)
        : onFirstUse(async () => new PageTokens(await readOrCreatePageTokenKey(client, tableName))),
  });
}

/** The S3 adapters' options, from the configuration. */
export function s3Options(config: Config) {
  return { bucket: config.artifactBucket, forcePathStyle: config.s3ForcePathStyle };
}

/**
 * The verifier's core: the store and S3's reads (`head`, `digest`), both built at cold start, and
 * nothing else. A bundle holds every adapter its composition can reach, on first use or not, and
 * esbuild keeps a module in one piece: S3's schemas are one module, so a verifier that could
 * reach the upload adapter would load those commands' schemas at cold start (~13 KiB), and one
 * that could reach the custom validator would load zod (~24 KiB). The ports it never uses throw.
 */
export function buildReaderCore(
  config: Config,
  atColdStart: { artifactReader: typeof createS3ArtifactReader; logger: CoreDeps["logger"] },
): CoreDeps {
  const reader = atColdStart.artifactReader(s3Options(config));
  const readsOnly = async (): Promise<never> => {
    throw new Error(
      "this function only reads artifacts: upload and sign URLs through the artifacts route group",
    );
  };
  return createCoreDeps({
    store: createStore(config),
    artifacts: {
      uri: (model, version, path) => reader.uri(model, version, path),
      head: (model, version, path, versionId) => reader.head(model, version, path, versionId),
      digest: (model, version, path, versionId) => reader.digest(model, version, path, versionId),
      presignPut: readsOnly,
      startMultipartUpload: readsOnly,
      presignParts: readsOnly,
      listParts: readsOnly,
      completeMultipartUpload: readsOnly,
      abortMultipartUpload: readsOnly,
      presignGet: readsOnly,
    },
    logger: atColdStart.logger,
  });
}

/** Makes a value on the first call and keeps it; a failed attempt is retried by the next call. */
export function onFirstUse<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make().catch((error: unknown) => {
      made = undefined;
      throw error;
    });
    return made;
  };
}

/** The asynchronous methods of a port. */
type AsyncMethod<T> = {
  [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof T];

/**
 * A port's asynchronous methods, each of which first gets the adapter (`onFirstUse`) and then
 * calls it. Typed against the port: a method left out of `methods` fails the type-check where
 * the port is assembled.
 */
export function deferred<T, K extends AsyncMethod<T>>(
  adapter: () => Promise<T>,
  methods: readonly K[],
): Pick<NoInfer<T>, K> {
  return Object.fromEntries(
    methods.map((method) => [
      method,
      async (...args: unknown[]) => {
        const target = await adapter();
        return (target[method] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      },
    ]),
  ) as Pick<NoInfer<T>, K>;
}
