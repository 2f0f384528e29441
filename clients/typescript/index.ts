export {
  type DownloadedFile,
  type DownloadRequest,
  type DownloadResult,
  downloadArtifact,
  downloadVersion,
} from "./artifact-download.ts";
export { ArtifactError, DownloadIntegrityError, VerificationFailedError } from "./artifact-errors.ts";
export {
  type LocalArtifact,
  resumeUpload,
  sealAndWait,
  type UploadOptions,
  type UploadResult,
  uploadCreatedVersion,
  waitUntilVerified,
} from "./artifact-upload.ts";
export { DEFAULT_ENDPOINT, DEFAULT_REGION } from "./config.ts";
export { digestFile, type FileDigest } from "./file-bytes.ts";
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
export {
  type ProgressListener,
  type RetryPolicy,
  TransferError,
  type TransferOptions,
  type TransferProgress,
} from "./transfer.ts";
export {
  approvalCount,
  awaitsApprovals,
  DEFAULT_WAIT_TIMEOUT_MS,
  describeTransition,
  ENDED_TRANSITION_STATUSES,
  isEnded,
  OPEN_TRANSITION_STATUSES,
  ROLLBACK_STAGES,
  STAGES,
  TRANSITION_STATUSES,
  TransitionError,
  type WaitForTransitionOptions,
  waitForTransition,
} from "./transitions.ts";
export type * from "./types.ts";
