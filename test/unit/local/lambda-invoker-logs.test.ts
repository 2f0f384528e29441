import { setTimeout as sleep } from "node:timers/promises";
import { Logger } from "@aws-lambda-powertools/logger";
import type { Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createLocalInvoker, type LambdaHandler } from "../../../local/lambda-invoker.ts";

/**
 * Local mode runs many functions' invocations at once in one process, and in source mode they
 * share one Powertools logger (one module instance). Each invocation's log context must still
 * be its own, as it is in Lambda.
 */
describe("log context of concurrent local invocations", () => {
  const saved = { ...process.env };
  const lines: Record<string, unknown>[] = [];

  beforeAll(() => {
    // What handlerEnvironment gives the handlers.
    process.env.AWS_LAMBDA_MAX_CONCURRENCY = "64";
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = "on-demand";
    process.env.POWERTOOLS_LOG_LEVEL = "INFO";
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      const text = String(chunk).trim();
      if (text.startsWith("{")) lines.push(JSON.parse(text) as Record<string, unknown>);
      return true;
    });
  });

  afterAll(() => {
    vi.restoreAllMocks();
    process.env = saved;
  });

  it("keeps each invocation's function name, request id and appended keys apart, with one logger", async () => {
    const logger = new Logger({ serviceName: "model-registry" });
    // Each handler sets its context and a key, waits while the other runs, then logs.
    const handler: LambdaHandler<{ actor: string; waitMs: number }, string> = async (
      event,
      context: Context,
    ) => {
      logger.addContext(context);
      logger.appendKeys({ actor: event.actor });
      await sleep(event.waitMs);
      logger.info("done");
      return context.functionName;
    };
    const invoker = createLocalInvoker<string, { actor: string; waitMs: number }, string>({
      load: async () => handler,
      timeoutMs: 5_000,
      region: "us-east-1",
    });

    await Promise.all([
      invoker.invoke("models", { actor: "alice", waitMs: 60 }, { requestId: "req-models" }),
      invoker.invoke("verify-artifacts", { actor: "bob", waitMs: 10 }, { requestId: "req-verifier" }),
    ]);

    const done = lines.filter((line) => line.message === "done");
    expect(done).toHaveLength(2);
    expect(done.map((line) => [line.function_name, line.function_request_id, line.actor]).sort()).toEqual([
      ["model-registry-models", "req-models", "alice"],
      ["model-registry-verify-artifacts", "req-verifier", "bob"],
    ]);
    // Lambda's on-demand initialisation: the logger's first invocation is its cold start.
    expect(done.filter((line) => line.cold_start === true)).toHaveLength(1);
  });
});
