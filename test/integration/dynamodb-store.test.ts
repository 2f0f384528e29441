/**
 * The store contract against the DynamoDB adapter, on the DynamoDB Local table that the global
 * setup created for the local registry.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PageTokens } from "#adapters/dynamodb/page-token.ts";
import { DynamoRegistryStore } from "#adapters/dynamodb/store.ts";
import { describeRegistryStoreContract } from "../contract/registry-store-contract.ts";
import { registry } from "./support.ts";

const { dynamoEndpoint, region, tableName, registryCredentials } = registry();
const store = new DynamoRegistryStore({
  client: new DynamoDBClient({
    endpoint: dynamoEndpoint,
    region,
    credentials: registryCredentials,
  }),
  tableName,
  pageTokens: new PageTokens("contract-test-page-token-secret"),
});

describeRegistryStoreContract("DynamoDB", () => store);
