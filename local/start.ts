/**
 * `npm start`: the whole registry on this machine, data kept in `.local-data` (or
 * `REGISTRY_DATA_DIR`). Ports: `REGISTRY_PORT` (API, 8787), `REGISTRY_DYNAMODB_PORT` (8000),
 * `REGISTRY_S3_PORT` (4569), `REGISTRY_EVENTS_PORT` and `REGISTRY_SFN_PORT` (any free port);
 * `REGISTRY_REGION` (us-east-1) is the region clients sign for.
 * `REGISTRY_LOCAL_TARGETS` names a JSON file of HTTP targets for the local event bus.
 * `REGISTRY_APPROVAL_TIMEOUT_SECONDS` shortens (or lengthens) the approval wait (default 7 days).
 * `REGISTRY_LOCAL_BUNDLES=1` runs every function from the bundle the CDK app deploys, not its source.
 * `REGISTRY_DYNAMODB_READY_SECONDS` is how long Java may take to start DynamoDB Local (30 s).
 */
import { formatBanner, formatDeliveryProblem, formatEventLine } from "./banner.ts";
import { LocalModeError } from "./local-mode-error.ts";
import {
  DEFAULT_DATA_DIR,
  DEFAULT_PORTS,
  DEFAULT_REGION,
  type LocalRegistry,
  startLocalRegistry,
} from "./registry.ts";

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new LocalModeError(
      `${name} is '${raw}': set it to a port number from 1 to 65535 (or 0 for any free port).`,
    );
  }
  return port;
}

function secondsFromEnv(name: string): number {
  const raw = process.env[name]?.trim() ?? "";
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1) {
    throw new LocalModeError(`${name} is '${raw}': set it to a whole number of seconds, 1 or more.`);
  }
  return seconds;
}

function flagFromEnv(name: string): boolean {
  const raw = process.env[name]?.trim() ?? "";
  if (raw === "" || raw === "0") return false;
  if (raw === "1") return true;
  throw new LocalModeError(`${name} is '${raw}': set it to 1 (on) or 0 (off).`);
}

let registry: LocalRegistry | undefined;
let stopRequested = false;

async function stop(): Promise<never> {
  process.stdout.write("\nStopping the local registry…\n");
  await registry?.stop();
  process.exit(0);
}

function onSignal(): void {
  if (stopRequested) {
    // A second Ctrl-C while stopping: give up waiting.
    process.exit(1);
  }
  stopRequested = true;
  if (registry) void stop();
}
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

const startedAt = Date.now();
try {
  registry = await startLocalRegistry({
    port: portFromEnv("REGISTRY_PORT", DEFAULT_PORTS.gateway),
    dynamoDbPort: portFromEnv("REGISTRY_DYNAMODB_PORT", DEFAULT_PORTS.dynamoDb),
    s3Port: portFromEnv("REGISTRY_S3_PORT", DEFAULT_PORTS.s3),
    // Named in the error a taken port raises; any free port unless set.
    eventBusPort: portFromEnv("REGISTRY_EVENTS_PORT", 0),
    stepFunctionsPort: portFromEnv("REGISTRY_SFN_PORT", 0),
    dataDir: process.env.REGISTRY_DATA_DIR?.trim() || DEFAULT_DATA_DIR,
    region: process.env.REGISTRY_REGION?.trim() || DEFAULT_REGION,
    ...(process.env.REGISTRY_APPROVAL_TIMEOUT_SECONDS?.trim() && {
      approvalTimeoutSeconds: Number(process.env.REGISTRY_APPROVAL_TIMEOUT_SECONDS),
    }),
    ...(process.env.REGISTRY_DYNAMODB_READY_SECONDS?.trim() && {
      dynamoDbReadyTimeoutMs: 1000 * secondsFromEnv("REGISTRY_DYNAMODB_READY_SECONDS"),
    }),
    bundles: flagFromEnv("REGISTRY_LOCAL_BUNDLES"),
    logRequests: true,
    // A failing target is said on the terminal, not only in the dead-letter file.
    onDeliveryProblem: (problem) => process.stderr.write(`${formatDeliveryProblem(problem)}\n`),
  });
} catch (error) {
  if (error instanceof LocalModeError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
registry.events.bus.subscribe((event, rules) => process.stdout.write(`${formatEventLine(event, rules)}\n`));
process.stdout.write(formatBanner(registry, Date.now() - startedAt));
if (stopRequested) await stop();
