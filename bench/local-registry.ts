/**
 * The registry every benchmark runs against: local mode in memory on free ports, and a client
 * signed as the local `publisher` principal.
 */
import { RegistryClient } from "../clients/typescript/registry-client.ts";
import { type LocalRegistry, type LocalRegistryOptions, startLocalRegistry } from "../local/registry.ts";

export async function startBenchRegistry(
  options: LocalRegistryOptions = {},
): Promise<{ registry: LocalRegistry; publisher: RegistryClient }> {
  // The handlers run in this process and log to stdout, where a benchmark prints its JSON.
  process.env.POWERTOOLS_LOG_LEVEL ??= "WARN";
  const registry = await startLocalRegistry({
    inMemory: true,
    port: 0,
    dynamoDbPort: 0,
    s3Port: 0,
    ...options,
  });
  const principal = registry.principals.find((p) => p.name === "publisher");
  if (!principal) {
    await registry.stop();
    throw new Error("the local registry has no 'publisher' principal");
  }
  const publisher = new RegistryClient({
    endpoint: registry.endpoint,
    region: registry.region,
    credentials: { accessKeyId: principal.accessKeyId, secretAccessKey: principal.secretAccessKey },
  });
  return { registry, publisher };
}
