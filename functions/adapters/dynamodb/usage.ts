/**
 * Counts DynamoDB round trips and consumed capacity per API request, with an SDK middleware
 * (not an estimate). Attributed through AsyncLocalStorage, so concurrent requests in one
 * process (local mode, benchmarks) are counted separately.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

export interface DynamoUsage {
  roundTrips: number;
  capacityUnits: number;
  /** Command names in call order, e.g. ["GetItem", "TransactWriteItems"]. */
  operations: string[];
}

const current = new AsyncLocalStorage<DynamoUsage>();

/** Runs `fn` with a fresh usage counter and returns both its result and what it used. */
export async function measureDynamoUsage<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; usage: DynamoUsage }> {
  const usage: DynamoUsage = { roundTrips: 0, capacityUnits: 0, operations: [] };
  const result = await current.run(usage, fn);
  return { result, usage };
}

type CapacityEntry = { CapacityUnits?: number };

/** Adds the counting middleware, and asks DynamoDB to return consumed capacity on every call. */
export function instrumentDynamoClient(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const usage = current.getStore();
      if (!usage) return next(args);
      const input = args.input as { ReturnConsumedCapacity?: string };
      input.ReturnConsumedCapacity ??= "TOTAL";
      usage.roundTrips++;
      usage.operations.push(String(context.commandName ?? "unknown").replace(/Command$/, ""));
      const result = await next(args);
      const consumed = (result.output as { ConsumedCapacity?: CapacityEntry | CapacityEntry[] })
        .ConsumedCapacity;
      for (const entry of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
        usage.capacityUnits += entry.CapacityUnits ?? 0;
      }
      return result;
    },
    { step: "initialize", name: "registryDynamoUsage" },
  );
}
