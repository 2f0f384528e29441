/**
 * The DynamoDB client the adapter is built for: the low-level client (the adapter marshals items
 * itself, see `codec.ts`), counting its round trips for the usage headers (`usage.ts`).
 */
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { traceClient } from "#adapters/tracing.ts";
import { instrumentDynamoClient } from "./usage.ts";

export function createDynamoClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  const client = traceClient(new DynamoDBClient(config));
  instrumentDynamoClient(client);
  return client;
}
