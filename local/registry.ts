import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { CONSOLE_PATH } from "../console/server/console-server.ts";
import { createLocalConsole } from "../console/server/local-console.ts";
import {
  DEFAULT_EVENT_SOURCE,
  DEPLOY_PIPELINE_RULE,
  transitionWorkflowRule,
} from "../functions/core/events/catalog.ts";
import { parseGovernance } from "../functions/core/governance-config.ts";
import { DEFAULT_APPROVAL_TIMEOUT_SECONDS } from "../functions/core/kernel/deps.ts";
import { EXECUTION_STATUS_CHANGE, executionEndedRule } from "../functions/core/lifecycle/execution-ended.ts";
import type {
  StepResult,
  ValidateResult,
  WorkflowTask,
} from "../functions/core/lifecycle/workflow-contract.ts";
import { createRegistryTable, DEFAULT_TABLE_NAME } from "./create-table.ts";
import { type DynamoDbLocal, startDynamoDbLocal } from "./dynamodb.ts";
import {
  type LocalEventBus,
  type LocalEventBusOptions,
  type LocalTarget,
  parseTargets,
  startLocalEventBus,
} from "./event-bus.ts";
import { compileEventPattern } from "./event-pattern.ts";
import { EVENT_STREAM_PATH, eventStreamHandler } from "./event-stream.ts";
import { type HandlerLoader, startGateway } from "./gateway.ts";
import { bundleHandlers, type LocalFunction, type LocalHandlers, sourceHandlers } from "./handler-modules.ts";
import { createLocalInvoker, HandlerFailedError } from "./lambda-invoker.ts";
import { type LocalWorker, startLambdaService } from "./lambda-service.ts";
import { LocalModeError } from "./local-mode-error.ts";
import { LOCAL_ACCOUNT_ID, type LocalPrincipal, loadLocalPrincipals } from "./principals.ts";
import { loadRegistryCredentials } from "./registry-credentials.ts";
import { DEFAULT_BUCKET, type S3Local, startS3Local } from "./s3.ts";
import type { SigningIdentity } from "./sigv4-verify.ts";
import { type LocalStepFunctions, startLocalStepFunctions } from "./step-functions.ts";
import { type StreamPoller, startStreamPoller } from "./stream-poller.ts";
import { assertPortFree } from "./tcp-ports.ts";
import {
  createWorkflowRunner,
  type ExecutionRecord,
  type LocalWorkflowRunner,
  recoverOpenTransitions,
} from "./workflow-runner.ts";

export interface LocalRegistryOptions {
  /** Registry API port; default 8787, 0 picks a free port. */
  port?: number;
  /** Default 8000, 0 picks a free port. */
  dynamoDbPort?: number;
  /** Default 4569, 0 picks a free port. */
  s3Port?: number;
  /** How long DynamoDB Local (Java) may take to answer at start; default 30 s. */
  dynamoDbReadyTimeoutMs?: number;
  /** Where data survives restarts; default `.local-data`. Ignored when `inMemory`. */
  dataDir?: string;
  /** Nothing is kept after `stop()` (tests). */
  inMemory?: boolean;
  /** Default us-east-1; clients must sign for this region. */
  region?: string;
  /** Default `model-registry`. */
  tableName?: string;
  /**
   * Lambda functions of the deployment's own that local mode runs (a policy's custom validation
   * function): name → path of a module exporting `handler`. Default: the JSON file
   * `REGISTRY_LOCAL_FUNCTIONS` names, if set.
   */
  functions?: Readonly<Record<string, string>>;
  /** Default `model-registry-artifacts`. */
  bucket?: string;
  /** Default: the built-in principals plus `REGISTRY_LOCAL_PRINCIPALS`. */
  principals?: readonly LocalPrincipal[];
  /** Default: import `functions/entry-points/<group>.ts` (or its bundle, with `bundles`). */
  loadHandler?: HandlerLoader;
  /**
   * Run every function from the bundle the CDK app deploys instead of its TypeScript source:
   * each bundle `declaredBundles()` lists is built with `lib/bundling/` into a temporary folder
   * (a few seconds) removed on `stop()` (`local/handler-modules.ts`). Default:
   * `REGISTRY_LOCAL_BUNDLES=1` in `npm start`, the sources otherwise.
   */
  bundles?: boolean;
  /** One access-log line per request on stdout. */
  logRequests?: boolean;
  /** Log the canonical request behind each SignatureDoesNotMatch on stderr (default true). */
  explainSignatureMismatches?: boolean;
  /** Artifacts above this size are uploaded in parts (default 64 MiB; tests use less). */
  multipartThresholdBytes?: number;
  /**
   * Run the stream poller that publishes history entries to the local bus (default true; off
   * for benchmarks that measure the API alone). The bus itself always runs.
   */
  publishEvents?: boolean;
  /** Port of the local bus's PutEvents endpoint; default 0 (any free port). */
  eventBusPort?: number;
  /**
   * Ports of the local Lambda and Step Functions endpoints; default 0 (any free port). Handlers
   * keep their SDK clients for the process (as in Lambda): a test that starts registries one
   * after another in one process pins these, like the other ports.
   */
  lambdaPort?: number;
  stepFunctionsPort?: number;
  /** HTTP targets of the local bus; default: the file `REGISTRY_LOCAL_TARGETS` names, if set. */
  targets?: readonly LocalTarget[];
  /**
   * How long a transition waits for its approvals (default 7 days; tests shorten it). At most
   * 24 days here: Node's timers, which run the wait's timeout, stop at 2^31 - 1 ms.
   */
  approvalTimeoutSeconds?: number;
  /**
   * The deployment's governance settings, as `cdk.json`'s `policyFloor` and `personBoundRoles`
   * (JSON text or values; default: the `REGISTRY_POLICY_FLOOR` and `REGISTRY_PERSON_BOUND_ROLES`
   * variables, else none). Checked at start with the functions' own parser.
   */
  governance?: { policyFloor?: unknown; personBoundRoles?: unknown };
  /**
   * The registry's own secret (its functions' credentials, `registry-credentials.ts`; at least 32
   * characters). Default: the one kept in the data folder, else a new one. Tests that start
   * several registries in one process pass one, as one deployment's functions sign with one role:
   * the handlers keep their SDK clients across registries, as Lambda keeps them across invocations.
   */
  registrySecret?: string;
  /** Target delivery attempts and back-off (tests shorten them). */
  targetDelivery?: { attempts?: number; backoffMs?: (retry: number) => number };
  /** Told of each failed delivery attempt and each dead letter of the local bus (`npm start` prints them). */
  onDeliveryProblem?: LocalEventBusOptions["onDeliveryProblem"];
}

export interface LocalRegistry {
  /** The registry API, e.g. `http://127.0.0.1:8787`. */
  endpoint: string;
  /** The web console (`console/`), e.g. `http://127.0.0.1:8787/console/`. */
  consoleUrl: string;
  region: string;
  tableName: string;
  bucket: string;
  s3Endpoint: string;
  dynamoEndpoint: string;
  /** The local Lambda Invoke endpoint that runs the artifact verifier in this process. */
  lambdaEndpoint: string;
  /** Resolves when every verifier started so far has finished (tests wait on it). */
  workersIdle(): Promise<void>;
  /** The deployment's own functions it runs (`functions`, `REGISTRY_LOCAL_FUNCTIONS`): name → module file. */
  customFunctions: Readonly<Record<string, string>>;
  /** Where the functions' code comes from (sources or deployed bundles), and which modules ran. */
  handlers: Pick<LocalHandlers, "origin" | "modules" | "imported">;
  principals: readonly LocalPrincipal[];
  /**
   * The registry's own identity (its functions' credentials): the only signer the local S3
   * accepts, and the only one that may put the registry's event source on the bus. Tests use it
   * to act as the registry would (tampering with a stored object, say).
   */
  registryCredentials: SigningIdentity;
  /** Browser origins the local services answer CORS for: the registry's own (its console). */
  allowedOrigins(): readonly string[];
  /** Absolute data folder, or undefined in memory. */
  dataDir: string | undefined;
  /** The local bus and, unless disabled, the stream poller that feeds it. */
  events: { bus: LocalEventBus; poller: StreamPoller | undefined; targets: readonly LocalTarget[] };
  /**
   * The transition workflow: the state machine CDK synthesizes, run in this process, and its
   * Step Functions endpoint (`AWS_ENDPOINT_URL_SFN` of the handlers).
   */
  workflows: {
    runner: LocalWorkflowRunner;
    endpoint: string;
    /** Executions still running (waiting for approvals included). */
    running(): number;
    /** Resolves once every execution has ended or waits for a task token. */
    idle(): Promise<void>;
  };
  /** Stops the gateway and both emulators; safe to call more than once. */
  stop(): Promise<void>;
}

export const DEFAULT_PORTS = { gateway: 8787, dynamoDb: 8000, s3: 4569 } as const;
export const DEFAULT_DATA_DIR = ".local-data";
export const DEFAULT_REGION = "us-east-1";
/** Node's timers (the approval wait's timeout) stop at 2^31 - 1 ms, about 24.8 days. */
export const MAX_LOCAL_APPROVAL_TIMEOUT_SECONDS = 24 * 24 * 60 * 60;
/** The bus name local mode's publisher is given; the same default as the CDK app's. */
export const LOCAL_BUS_NAME = "model-registry";
export const STREAM_CHECKPOINT_FILE = "stream-checkpoint.json";
export const DEAD_LETTERS_FILE = "dead-letters.jsonl";
/** The local bus's journal of accepted envelopes not yet delivered (local/event-journal.ts). */
export const EVENT_JOURNAL_FILE = "event-bus-journal.jsonl";
/** The names local mode gives the workflow's AWS resources (as a deployment would name them). */
export const LOCAL_WORKFLOW = {
  tasksFunction: "model-registry-transition-tasks",
  stateMachine: "model-registry-transitions",
} as const;

/**
 * The environment the Lambda handlers read at import time, pointed at the emulators. The AWS
 * SDK picks up the endpoints and credentials itself; the credentials are the registry's own
 * (`registry-credentials.ts`), which DynamoDB Local, the S3 front and the bus check.
 */
export function handlerEnvironment(settings: {
  credentials: SigningIdentity;
  region: string;
  tableName: string;
  bucket: string;
  dynamoEndpoint: string;
  s3Endpoint: string;
  lambdaEndpoint?: string;
  multipartThresholdBytes?: number;
  /** The local bus's PutEvents endpoint; the publisher's SDK client is pointed at it. */
  eventBusEndpoint?: string;
  /** The local Step Functions endpoint (SendTaskSuccess / SendTaskFailure). */
  stepFunctionsEndpoint?: string;
  approvalTimeoutSeconds?: number;
  /** `POLICY_FLOOR` and `PERSON_BOUND_ROLES` of the functions, JSON. */
  governance?: { POLICY_FLOOR?: string; PERSON_BOUND_ROLES?: string };
}): Record<string, string> {
  return {
    // Always set, so one registry's setting never leaks into the next one of the process.
    APPROVAL_TIMEOUT_SECONDS: String(settings.approvalTimeoutSeconds ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS),
    POLICY_FLOOR: settings.governance?.POLICY_FLOOR ?? "",
    PERSON_BOUND_ROLES: settings.governance?.PERSON_BOUND_ROLES ?? "",
    ...(settings.stepFunctionsEndpoint && { AWS_ENDPOINT_URL_SFN: settings.stepFunctionsEndpoint }),
    ...(settings.lambdaEndpoint && {
      AWS_ENDPOINT_URL_LAMBDA: settings.lambdaEndpoint,
      VERIFIER_FUNCTION_NAME: "model-registry-verify-artifacts" satisfies LocalWorker,
    }),
    ...(settings.multipartThresholdBytes !== undefined && {
      MULTIPART_THRESHOLD_BYTES: String(settings.multipartThresholdBytes),
    }),
    ...(settings.eventBusEndpoint && {
      EVENT_BUS_NAME: LOCAL_BUS_NAME,
      EVENT_SOURCE: DEFAULT_EVENT_SOURCE,
      AWS_ENDPOINT_URL_EVENTBRIDGE: settings.eventBusEndpoint,
    }),
    TABLE_NAME: settings.tableName,
    ARTIFACT_BUCKET: settings.bucket,
    S3_FORCE_PATH_STYLE: "true",
    AWS_REGION: settings.region,
    AWS_ENDPOINT_URL_DYNAMODB: settings.dynamoEndpoint,
    AWS_ENDPOINT_URL_S3: settings.s3Endpoint,
    AWS_ACCESS_KEY_ID: settings.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: settings.credentials.secretAccessKey,
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
  const approvalTimeoutSeconds = options.approvalTimeoutSeconds ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS;
  if (
    !Number.isInteger(approvalTimeoutSeconds) ||
    approvalTimeoutSeconds < 1 ||
    approvalTimeoutSeconds > MAX_LOCAL_APPROVAL_TIMEOUT_SECONDS
  ) {
    throw new LocalModeError(
      `The approval timeout must be 1 to ${MAX_LOCAL_APPROVAL_TIMEOUT_SECONDS} seconds in local mode, not ${approvalTimeoutSeconds}.`,
    );
  }
  const governance = localGovernance(options.governance);
  if (options.bundles && options.loadHandler) {
    throw new LocalModeError(
      "loadHandler replaces the API's handlers, so it cannot be combined with bundles: pass one or the other.",
    );
  }
  // Checked first, so a taken API port is reported before Java spends seconds starting.
  if (gatewayPort !== 0) await assertPortFree(gatewayPort, "the registry API", "REGISTRY_PORT", "127.0.0.1");

  if (dataDir) createDataDir(dataDir);
  const registryCredentials = loadRegistryCredentials(dataDir, options.registrySecret);
  // The console is served by the gateway: its origin is known once the gateway listens.
  let consoleOrigins: readonly string[] = [];
  const allowedOrigins = () => consoleOrigins;
  const s3Directory = dataDir ? join(dataDir, "s3") : mkdtempSync(join(tmpdir(), "model-registry-s3-"));
  const cleanups: (() => Promise<void>)[] = [];
  if (!dataDir) {
    cleanups.push(async () => {
      rmSync(s3Directory, { recursive: true, force: true });
      rmSync(`${s3Directory}-versions`, { recursive: true, force: true });
    });
  }
  const stopAll = async () => {
    const pending = cleanups.splice(0).reverse();
    for (const cleanup of pending) await cleanup().catch(() => undefined);
  };

  try {
    const emulators = startEmulators(
      () =>
        startDynamoDbLocal({
          port: options.dynamoDbPort ?? DEFAULT_PORTS.dynamoDb,
          inMemory: !dataDir,
          dbPath: dataDir ? join(dataDir, "dynamodb") : undefined,
          readyTimeoutMs: options.dynamoDbReadyTimeoutMs,
          credentials: registryCredentials,
          region,
        }),
      () =>
        startS3Local({
          port: options.s3Port ?? DEFAULT_PORTS.s3,
          directory: s3Directory,
          bucket,
          region,
          signer: registryCredentials,
          allowedOrigins,
        }),
    );
    // Awaited below; a failure meanwhile must not count as unhandled.
    emulators.catch(() => undefined);
    // The bundles (if asked for) build while Java starts; removed only once everything has stopped.
    const loading = options.bundles ? bundleHandlers() : Promise.resolve(sourceHandlers());
    loading.catch(() => undefined);
    cleanups.push(async () => (await loading).dispose());
    // The workflow's definition comes from the CDK construct while Java starts.
    const workflow = await startWorkflow(
      region,
      options.stepFunctionsPort ?? 0,
      loading,
      registryCredentials,
    );
    cleanups.push(workflow.stop);
    const [dynamo, s3] = await emulators;
    cleanups.push(dynamo.stop, s3.stop);
    const handlers = await loading;

    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region,
      credentials: registryCredentials,
    });
    try {
      await createRegistryTable(client, tableName);
    } finally {
      client.destroy();
    }

    const customFunctions = localFunctions(options.functions ?? loadFunctionsFromEnv());
    const lambda = await startLambdaService({
      region,
      port: options.lambdaPort ?? 0,
      functions: customFunctions,
      loadWorker: (name) => handlers.load(LOCAL_WORKER_FUNCTIONS[name]),
      signers: [registryCredentials],
    });
    cleanups.push(() => lambda.close());

    const targets = options.targets ?? loadTargetsFromEnv();
    const bus = await startLocalEventBus({
      busName: LOCAL_BUS_NAME,
      region,
      account: LOCAL_ACCOUNT_ID,
      port: options.eventBusPort ?? 0,
      // The catalog's rule, as data: the same definition a CDK rule is built from.
      rules: [
        { name: "deploy-pipeline", pattern: DEPLOY_PIPELINE_RULE },
        // The rule the CDK app targets at the state machine, as data from the same catalog.
        {
          name: "transition-workflow",
          pattern: transitionWorkflowRule(),
          invoke: (event) => void workflow.runner.startExecution(event),
        },
      ],
      targets,
      deadLetterFile: dataDir ? join(dataDir, DEAD_LETTERS_FILE) : undefined,
      // The registry's source only from the registry's own identity (the AWS bus policy's rule);
      // the local principals may put other sources, as a principal allowed PutEvents may.
      trust: { signers: principals, reservedSource: DEFAULT_EVENT_SOURCE, owner: registryCredentials },
      journalFile: dataDir ? join(dataDir, EVENT_JOURNAL_FILE) : undefined,
      onDeliveryProblem: options.onDeliveryProblem,
      deliveryAttempts: options.targetDelivery?.attempts,
      deliveryBackoffMs: options.targetDelivery?.backoffMs,
    });
    cleanups.push(bus.close);

    const env = handlerEnvironment({
      credentials: registryCredentials,
      lambdaEndpoint: lambda.endpoint,
      ...(options.multipartThresholdBytes !== undefined && {
        multipartThresholdBytes: options.multipartThresholdBytes,
      }),
      region,
      tableName,
      bucket,
      dynamoEndpoint: dynamo.endpoint,
      s3Endpoint: s3.endpoint,
      eventBusEndpoint: bus.endpoint,
      stepFunctionsEndpoint: workflow.endpoint,
      approvalTimeoutSeconds,
      governance,
    });
    Object.assign(process.env, env);
    // A developer's temporary AWS credentials must not leak into requests to the emulators.
    delete process.env.AWS_SESSION_TOKEN;

    let gatewayEndpoint = "";
    const webConsole = createLocalConsole({
      principals,
      region,
      endpoint: () => gatewayEndpoint,
      ownOrigins: allowedOrigins,
    });
    const gateway = await startGateway({
      port: gatewayPort,
      region,
      principals,
      loadHandler: options.loadHandler ?? ((group) => handlers.load(group)),
      logRequests: options.logRequests,
      explainSignatureMismatches: options.explainSignatureMismatches,
      localRoutes: { [`GET ${EVENT_STREAM_PATH}`]: eventStreamHandler(bus) },
      localPrefixes: { [CONSOLE_PATH]: webConsole.handler },
      // The console is served from the gateway's own origin, which the gateway allows itself.
    });
    cleanups.push(gateway.close);
    consoleOrigins = consoleOriginsOf(gateway.port);
    gatewayEndpoint = gateway.endpoint;

    let poller: StreamPoller | undefined;
    if (options.publishEvents !== false) {
      poller = await startStreamPoller({
        dynamoEndpoint: dynamo.endpoint,
        region,
        credentials: registryCredentials,
        tableName,
        invoke: publisherInvoker(region, handlers),
        checkpointFile: dataDir ? join(dataDir, STREAM_CHECKPOINT_FILE) : undefined,
        deadLetterFile: dataDir ? join(dataDir, DEAD_LETTERS_FILE) : undefined,
      });
      const running = poller;
      cleanups.push(() => running.stop());
    }

    // Requests in flight when local mode last stopped carry on (their executions died with it).
    await recoverWorkflows(workflow.runner);

    return {
      endpoint: gateway.endpoint,
      consoleUrl: `${gateway.endpoint}${CONSOLE_PATH}/`,
      region,
      tableName,
      bucket,
      s3Endpoint: s3.endpoint,
      dynamoEndpoint: dynamo.endpoint,
      lambdaEndpoint: lambda.endpoint,
      workersIdle: lambda.idle,
      customFunctions: Object.fromEntries(
        Object.entries(customFunctions).map(([name, url]) => [name, fileURLToPath(url)]),
      ),
      handlers: { origin: handlers.origin, modules: handlers.modules, imported: handlers.imported },
      principals,
      registryCredentials,
      allowedOrigins,
      dataDir,
      events: { bus, poller, targets },
      workflows: {
        runner: workflow.runner,
        endpoint: workflow.endpoint,
        running: () => workflow.runner.running(),
        idle: () => workflow.runner.idle(),
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The origins a browser may call the local services from: the registry's own (the console the
 * gateway serves), by address and by name. Never `*`: any page the developer visits could
 * otherwise use them.
 */
export function consoleOriginsOf(gatewayPort: number): string[] {
  return [`http://127.0.0.1:${gatewayPort}`, `http://localhost:${gatewayPort}`];
}

/** The functions behind the local Lambda endpoint's worker names. */
const LOCAL_WORKER_FUNCTIONS = {
  "model-registry-verify-artifacts": "verify-artifacts",
} as const satisfies Record<LocalWorker, LocalFunction>;

/**
 * The transition workflow: the definition CDK synthesizes (`lib/transition-workflow.ts`, loaded
 * here so nothing else in local mode pays for aws-cdk-lib), the runner whose Task states invoke
 * the tasks handler in this process, and the Step Functions endpoint in front of it. The handlers
 * may still be building (bundles): the first task waits for them.
 */
async function startWorkflow(
  region: string,
  port: number,
  handlers: Promise<LocalHandlers>,
  registryCredentials: SigningIdentity,
): Promise<{ runner: LocalWorkflowRunner; endpoint: string; stop(): Promise<void> }> {
  const { synthesizeTransitionWorkflowDefinition, TASKS_FUNCTION_TIMEOUT } = await import(
    "../lib/transition-workflow.ts"
  );
  const tasksFunctionArn = `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${LOCAL_WORKFLOW.tasksFunction}`;
  const definition = synthesizeTransitionWorkflowDefinition({ tasksFunctionArn });
  // The handler reads its configuration once, at import (cold start), like in Lambda: each
  // registry's handlers give it a fresh instance (local/handler-modules.ts).
  const invoker = createLocalInvoker<"transition-tasks", WorkflowTask, ValidateResult | StepResult>({
    load: async (name) => (await handlers).load(name),
    timeoutMs: TASKS_FUNCTION_TIMEOUT.toMilliseconds(),
    region,
  });
  const stateMachineArn = `arn:aws:states:${region}:${LOCAL_ACCOUNT_ID}:stateMachine:${LOCAL_WORKFLOW.stateMachine}`;
  // The rule CDK puts on the default bus for executions that end without a decision, as data.
  const endedWithoutDecision = compileEventPattern(executionEndedRule(stateMachineArn));
  const runner = createWorkflowRunner({
    definition,
    stateMachineArn,
    functions: {
      [tasksFunctionArn]: async (payload) => {
        try {
          return await invoker.invoke("transition-tasks", payload as WorkflowTask);
        } catch (error) {
          // As Lambda reports a function error: the handler's own error (its name is what a
          // Catch matches and what the execution's failure shows).
          throw error instanceof HandlerFailedError && error.cause instanceof Error ? error.cause : error;
        }
      },
    },
    log: (line) => process.stderr.write(`${line}\n`),
    onEnded: (record) => {
      const event = executionStatusChangeEvent(record, region);
      if (!endedWithoutDecision(event)) return;
      // The rule's target: the tasks function, invoked asynchronously as EventBridge invokes it.
      invoker
        .invoke("transition-tasks", event as unknown as WorkflowTask)
        .catch((error: unknown) =>
          process.stderr.write(`[workflow] ending the request of ${record.name} failed: ${String(error)}\n`),
        );
    },
  });
  let endpoint: LocalStepFunctions;
  try {
    endpoint = await startLocalStepFunctions({ runner, port, region, signers: [registryCredentials] });
  } catch (error) {
    await runner.stop();
    throw error;
  }
  return {
    runner,
    endpoint: endpoint.endpoint,
    stop: async () => {
      await endpoint.close();
      await runner.stop();
    },
  };
}

/**
 * Starts an execution per open transition request. A recovery that fails is reported and
 * local mode starts anyway: the requests stay open, and the next start tries again.
 */
async function recoverWorkflows(runner: LocalWorkflowRunner): Promise<void> {
  try {
    const { buildCore } = await import("../functions/composition/build-core.ts");
    const { store } = await buildCore();
    const started = await recoverOpenTransitions(store, runner);
    if (started > 0) process.stderr.write(`[workflow] resumed ${started} open transition request(s)\n`);
  } catch (error) {
    process.stderr.write(
      `[workflow] could not resume open transition requests: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
}

/** The publisher handler, run as Lambda would run it for the stream's event source mapping. */
function publisherInvoker(
  region: string,
  handlers: LocalHandlers,
): (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse> {
  const invoker = createLocalInvoker<"publish-history", DynamoDBStreamEvent, DynamoDBBatchResponse>({
    load: (name) => handlers.load(name),
    timeoutMs: 60_000,
    region,
  });
  return (event) => invoker.invoke("publish-history", event);
}

/** Module paths (relative to the working folder) as file URLs, each checked to exist. */
function localFunctions(functions: Readonly<Record<string, string>>): Record<string, URL> {
  const urls: Record<string, URL> = {};
  for (const [name, path] of Object.entries(functions)) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
      throw new LocalModeError(
        `local function '${name}': a Lambda function name is 1-64 letters, digits, '-' or '_'.`,
      );
    }
    const file = resolve(path);
    if (!existsSync(file)) {
      throw new LocalModeError(
        `local function '${name}': ${file} does not exist (a module exporting handler).`,
      );
    }
    urls[name] = pathToFileURL(file);
  }
  return urls;
}

/** `REGISTRY_LOCAL_FUNCTIONS`: a JSON file of `{"<function name>": "<module path, relative to the file>"}`. */
export function loadFunctionsFromEnv(): Record<string, string> {
  const file = process.env.REGISTRY_LOCAL_FUNCTIONS?.trim();
  if (!file) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new LocalModeError(
      `REGISTRY_LOCAL_FUNCTIONS names ${file}, which is not a readable JSON file (${(error as Error).message}).`,
    );
  }
  if (
    typeof parsed !== "object" ||
    parsed === null ||
    Array.isArray(parsed) ||
    !Object.values(parsed).every((v) => typeof v === "string")
  ) {
    throw new LocalModeError(
      `REGISTRY_LOCAL_FUNCTIONS: ${file} must hold {"<function name>": "<module path>"}.`,
    );
  }
  // Module paths are relative to the file that names them, wherever `npm start` runs from.
  const folder = dirname(resolve(file));
  return Object.fromEntries(
    Object.entries(parsed as Record<string, string>).map(([name, path]) => [name, resolve(folder, path)]),
  );
}

/** `REGISTRY_LOCAL_TARGETS`: a JSON file of `[{"name", "pattern", "url"}]`. */
function loadTargetsFromEnv(): LocalTarget[] {
  const file = process.env.REGISTRY_LOCAL_TARGETS?.trim();
  if (!file) return [];
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new LocalModeError(
      `REGISTRY_LOCAL_TARGETS names ${file}, which cannot be read (${(error as NodeJS.ErrnoException).code}).`,
    );
  }
  try {
    return parseTargets(text, file);
  } catch (error) {
    throw new LocalModeError(`REGISTRY_LOCAL_TARGETS: ${(error as Error).message}`);
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

/**
 * The functions' `POLICY_FLOOR` and `PERSON_BOUND_ROLES`, checked here with the parser the
 * functions and the CDK app use, so a bad setting stops `npm start` with the reason.
 */
function localGovernance(settings: LocalRegistryOptions["governance"]): {
  POLICY_FLOOR?: string;
  PERSON_BOUND_ROLES?: string;
} {
  const value = (given: unknown, variable: string): unknown => {
    const raw = given ?? (process.env[variable]?.trim() || undefined);
    if (typeof raw !== "string") return raw;
    try {
      return JSON.parse(raw);
    } catch {
      throw new LocalModeError(`${variable} must be JSON, got ${raw.slice(0, 80)}`);
    }
  };
  const policyFloor = value(settings?.policyFloor, "REGISTRY_POLICY_FLOOR");
  const personBoundRoles = value(settings?.personBoundRoles, "REGISTRY_PERSON_BOUND_ROLES");
  try {
    parseGovernance({ policyFloor, personBoundRoles });
  } catch (error) {
    throw new LocalModeError((error as Error).message);
  }
  return {
    ...(policyFloor !== undefined && { POLICY_FLOOR: JSON.stringify(policyFloor) }),
    ...(personBoundRoles !== undefined && { PERSON_BOUND_ROLES: JSON.stringify(personBoundRoles) }),
  };
}

/** The `Step Functions Execution Status Change` event Step Functions puts on the default bus. */
function executionStatusChangeEvent(record: ExecutionRecord, region: string) {
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": EXECUTION_STATUS_CHANGE,
    source: "aws.states",
    account: LOCAL_ACCOUNT_ID,
    time: (record.stopDate ?? new Date()).toISOString(),
    region,
    resources: [record.executionArn],
    detail: {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: record.startDate.getTime(),
      stopDate: record.stopDate?.getTime() ?? null,
      input: record.input,
      output: record.output ?? null,
      error: record.error ?? null,
      cause: record.cause ?? null,
    },
  };
}
