/**
 * The baseline plus Powertools Tracer instrumenting the client (`captureAWSv3Client`): what SDK
 * subsegments in X-Ray would add to every bundle (bench/bundles.ts).
 */
import { Tracer } from "@aws-lambda-powertools/tracer";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

const tracer = new Tracer({ serviceName: "model-registry" });
const client = tracer.captureAWSv3Client(new DynamoDBClient({}));

export const handler = async (): Promise<string> => client.config.region();
