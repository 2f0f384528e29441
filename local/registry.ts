import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createRegistryTable, DEFAULT_TABLE_NAME } from "./create-table.ts";
import { type DynamoDbLocal, startDynamoDbLocal } from "./dynamodb.ts";
import { type HandlerLoader, startGateway } from "./gateway.ts";
import { type LocalWorker, startLambdaService } from "./lambda-service.ts";
import { LocalModeError } from "./local-mode-error.ts";
import { loadPageTokenSecret } from "./page-token-secret.ts";
import { assertPortFree } from "./ports.ts";
import { type LocalPrincipal, loadLocalPrincipals } from "./principals.ts";
import { DEFAULT_BUCKET, type S3Local, S3RVER_CREDENTIALS, startS3Local } from "./s3.ts";

export interface LocalRegistryOptions {
  /** Registry API port; default 8787, 0 picks a free port. */
  port?: number;
  /** Default 8000, 0 picks a free port. */
  dynamoDbPort?: number;
  /** Default 4569, 0 picks a free port. */
  s3Port?: number;
  /** Where data survives restarts; default `.local-data`. Ignored when `inMemory`. */
  dataDir?: string;
  /** Nothing is kept after `stop()` (tests). */
  inMemory?: boolean;
  /** Default us-east-1; clients must sign for this region. */
  region?: string;
  /** Default `model-registry`. */
  tableName?: string;
  /** Default `model-registry-artifacts`. */
  bucket?: string;
  /** Default: the built-in principals plus `REGISTRY_LOCAL_PRINCIPALS`. */
  principals?: readonly LocalPrincipal[];
  /** Default: import `functions/http/handlers/<group>.ts`. */
  loadHandler?: HandlerLoader;
  /** One access-log line per request on stdout. */
  logRequests?: boolean;
  /** Log the canonical request behind each SignatureDoesNotMatch on stderr (default true). */
  explainSignatureMismatches?: boolean;
  /** Artifacts above this size are uploaded in parts (default 64 MiB; tests use less). */
  multipartThresholdBytes?: number;
}

export interface LocalRegistry {
  /** The registry API, e.g. `http://127.0.0.1:8787`. */
  endpoint: string;
  region: string;
  tableName: string;
  bucket: string;
  s3Endpoint: string;
  dynamoEndpoint: string;
  /** The local Lambda Invoke endpoint that runs the artifact verifier in this process. */
  lambdaEndpoint: string;
  /** Resolves when every verifier started so far has finished (tests wait on it). */
  workersIdle(): Promise<void>;
  principals: readonly LocalPrincipal[];
  /** Absolute data folder, or undefined in memory. */
  dataDir: string | undefined;
  /** Stops the gateway and both emulators; safe to call more than once. */
  stop(): Promise<void>;
}

export const DEFAULT_PORTS = { gateway: 8787, dynamoDb: 8000, s3: 4569 } as const;
export const DEFAULT_DATA_DIR = ".local-data";
export const DEFAULT_REGION = "us-east-1";

/**
 * The environment the Lambda handlers read at import time, pointed at the emulators. The AWS
 * SDK picks up the endpoints and credentials itself; the credentials are s3rver's (DynamoDB
 * Local accepts any).
 */
export function handlerEnvironment(settings: {
  region: string;
  tableName: string;
  bucket: string;
  pageTokenSecret: string;
  dynamoEndpoint: string;
  s3Endpoint: string;
  lambdaEndpoint?: string;
  multipartThresholdBytes?: number;
}): Record<string, string> {
  return {
    ...(settings.lambdaEndpoint && {
      AWS_ENDPOINT_URL_LAMBDA: settings.lambdaEndpoint,
      VERIFIER_FUNCTION_NAME: "model-registry-verify-artifacts" satisfies LocalWorker,
    }),
    ...(settings.multipartThresholdBytes !== undefined && {
      MULTIPART_THRESHOLD_BYTES: String(settings.multipartThresholdBytes),
    }),
    TABLE_NAME: settings.tableName,
    ARTIFACT_BUCKET: settings.bucket,
    PAGE_TOKEN_SECRET: settings.pageTokenSecret,
    S3_FORCE_PATH_STYLE: "true",
    AWS_REGION: settings.region,
    AWS_ENDPOINT_URL_DYNAMODB: settings.dynamoEndpoint,
    AWS_ENDPOINT_URL_S3: settings.s3Endpoint,
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  };
}

/**
 * Runs the whole registry on this machine: DynamoDB Local with the registry table, s3rver with
 * the artifact bucket, and the local API gateway invoking the real handlers in this process.
 * Handler configuration lives in `process.env`, so run one registry per process at a time.
 */
export async function startLocalRegistry(options: LocalRegistryOptions = {}): Promise<LocalRegistry> {
  const region = options.region ?? DEFAULT_REGION;
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  const bucket = options.bucket ?? DEFAULT_BUCKET;
  const principals = options.principals ?? loadLocalPrincipals();
  const gatewayPort = options.port ?? DEFAULT_PORTS.gateway;
  const dataDir = options.inMemory ? undefined : resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  // Checked first, so a taken API port is reported before Java spends seconds starting.
  if (gatewayPort !== 0) await assertPortFree(gatewayPort, "the registry API", "REGISTRY_PORT", "127.0.0.1");

  if (dataDir) createDataDir(dataDir);
  const s3Directory = dataDir ? join(dataDir, "s3") : mkdtempSync(join(tmpdir(), "model-registry-s3-"));
  const cleanups: (() => Promise<void>)[] = [];
  if (!dataDir) cleanups.push(async () => rmSync(s3Directory, { recursive: true, force: true }));
  const stopAll = async () => {
    const pending = cleanups.splice(0).reverse();
    for (const cleanup of pending) await cleanup().catch(() => undefined);
  };

  try {
    const [dynamo, s3] = await startEmulators(
      () =>
        startDynamoDbLocal({
          port: options.dynamoDbPort ?? DEFAULT_PORTS.dynamoDb,
          inMemory: !dataDir,
          dbPath: dataDir ? join(dataDir, "dynamodb") : undefined,
        }),
      () => startS3Local({ port: options.s3Port ?? DEFAULT_PORTS.s3, directory: s3Directory, bucket }),
    );
    cleanups.push(dynamo.stop, s3.stop);

    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    try {
      await createRegistryTable(client, tableName);
    } finally {
      client.destroy();
    }

    const lambda = await startLambdaService({ region });
    cleanups.push(() => lambda.close());

    const env = handlerEnvironment({
      lambdaEndpoint: lambda.endpoint,
      ...(options.multipartThresholdBytes !== undefined && {
        multipartThresholdBytes: options.multipartThresholdBytes,
      }),
      region,
      tableName,
      bucket,
      pageTokenSecret: loadPageTokenSecret(dataDir),
      dynamoEndpoint: dynamo.endpoint,
      s3Endpoint: s3.endpoint,
    });
    Object.assign(process.env, env);
    // A developer's temporary AWS credentials must not leak into requests to the emulators.
    delete process.env.AWS_SESSION_TOKEN;

    const gateway = await startGateway({
      port: gatewayPort,
      region,
      principals,
      loadHandler: options.loadHandler,
      logRequests: options.logRequests,
      explainSignatureMismatches: options.explainSignatureMismatches,
    });
    cleanups.push(gateway.close);

    return {
      endpoint: gateway.endpoint,
      region,
      tableName,
      bucket,
      s3Endpoint: s3.endpoint,
      dynamoEndpoint: dynamo.endpoint,
      lambdaEndpoint: lambda.endpoint,
      workersIdle: lambda.idle,
      principals,
      dataDir,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function createDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new LocalModeError(
      `The data folder ${dataDir} cannot be created (${code}): choose a writable folder with REGISTRY_DATA_DIR.`,
    );
  }
}

/** Starts both emulators in parallel; if one fails, stops the other before reporting the failure. */
async function startEmulators(
  dynamo: () => Promise<DynamoDbLocal>,
  s3: () => Promise<S3Local>,
): Promise<[DynamoDbLocal, S3Local]> {
  const [d, s] = await Promise.allSettled([dynamo(), s3()]);
  if (d.status === "fulfilled" && s.status === "fulfilled") return [d.value, s.value];
  if (d.status === "fulfilled") await d.value.stop();
  if (s.status === "fulfilled") await s.value.stop();
  throw d.status === "rejected" ? d.reason : (s as PromiseRejectedResult).reason;
}
