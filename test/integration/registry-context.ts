/**
 * What the integration global setup shares with test files (`inject("registry")`): the local
 * registry it started in memory. Import this file (for its type) from any test that injects it.
 */
import type { LocalPrincipal } from "../../local/principals.ts";
import type { SigningIdentity } from "../../local/sigv4-verify.ts";

export interface RegistryContext {
  /** The local API gateway, e.g. `http://127.0.0.1:41234`; clients sign for `execute-api`. */
  endpoint: string;
  region: string;
  tableName: string;
  bucket: string;
  dynamoEndpoint: string;
  s3Endpoint: string;
  /** The local Step Functions API (SendTaskSuccess / SendTaskFailure / StartExecution). */
  stepFunctionsEndpoint: string;
  principals: LocalPrincipal[];
  /** The registry's own identity: the only signer the local S3 accepts (tests act as the registry). */
  registryCredentials: SigningIdentity;
  /** The registry's own browser origin (its console), the one CORS allows. */
  consoleOrigin: string;
  /** The local bus's PutEvents endpoint, and the local Lambda endpoint. */
  eventBusEndpoint: string;
  lambdaEndpoint: string;
  /** The registry's multipart threshold in this test run. */
  multipartThresholdBytes: number;
}

declare module "vitest" {
  export interface ProvidedContext {
    registry: RegistryContext;
  }
}
