/**
 * The cold-start baseline of bench/bundles.ts: one bare DynamoDB client, created at module scope
 * as the handlers create theirs, bundled with the same esbuild settings.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

const client = new DynamoDBClient({});

export const handler = async (): Promise<string> => client.config.region();
