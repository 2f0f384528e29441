export { DEFAULT_ENDPOINT, DEFAULT_REGION } from "./config.ts";
export { encodeRfc3986, pathOf, type Query, type QueryValue } from "./http-encoding.ts";
export {
  type ConditionalOptions,
  RegistryClient,
  type RegistryClientOptions,
  type RequestOptions,
  type WriteOptions,
} from "./registry-client.ts";
export { type ErrorBody, RegistryError, type RegistryResponse, toErrorBody } from "./registry-error.ts";
export type { Credentials, CredentialsProvider } from "./signer.ts";
export type * from "./types.ts";
