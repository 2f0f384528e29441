import type { TestProject } from "vitest/node";
import { loadLocalPrincipals } from "../../local/principals.ts";
import { startLocalRegistry } from "../../local/registry.ts";
import { governancePersonBoundRoles, governancePrincipals } from "./governance-principals.ts";
import "./registry-context.ts";

/**
 * Starts the whole registry in memory on free ports for the test run (a few seconds, mostly
 * Java), and stops it afterwards. `REGISTRY_SKIP_LOCAL=1` skips it for runs that only need
 * unit tests; integration tests then fail on the missing context.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (process.env.REGISTRY_SKIP_LOCAL === "1") return undefined;
  const registry = await startLocalRegistry({
    inMemory: true,
    port: 0,
    dynamoDbPort: 0,
    s3Port: 0,
    // Tests forge signatures on purpose; handler crashes are still logged.
    explainSignatureMismatches: false,
    // 24 MiB artifacts become three 8 MiB parts: multipart is tested without gigabytes.
    multipartThresholdBytes: 16 * 1024 ** 2,
    // Assumed-role sessions for the governance tests, one of their roles person-bound.
    principals: [...loadLocalPrincipals(), ...governancePrincipals],
    governance: { personBoundRoles: governancePersonBoundRoles },
  });
  project.provide("registry", {
    endpoint: registry.endpoint,
    region: registry.region,
    tableName: registry.tableName,
    bucket: registry.bucket,
    dynamoEndpoint: registry.dynamoEndpoint,
    s3Endpoint: registry.s3Endpoint,
    stepFunctionsEndpoint: registry.workflows.endpoint,
    principals: [...registry.principals],
    registryCredentials: registry.registryCredentials,
    consoleOrigin: registry.allowedOrigins()[0] as string,
    eventBusEndpoint: registry.events.bus.endpoint,
    lambdaEndpoint: registry.lambdaEndpoint,
    multipartThresholdBytes: 16 * 1024 ** 2,
  });
  return () => registry.stop();
}
