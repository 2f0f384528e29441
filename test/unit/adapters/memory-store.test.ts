/** The store contract against the in-memory store that the core's rule tests use. */
import { PageTokens } from "#adapters/dynamodb/page-token.ts";
import { MemoryRegistryStore } from "#adapters/memory/store.ts";
import { describeRegistryStoreContract } from "../../contract/registry-store-contract.ts";

describeRegistryStoreContract(
  "in-memory",
  () => new MemoryRegistryStore({ pageTokens: new PageTokens("contract-test-page-token-secret") }),
);
