/**
 * The registry's enumerations as plain values, in a module that does not import zod: the schemas
 * (`names.ts`) build their enums from these, and code that needs only the values (the DynamoDB
 * adapter, the workers) imports them from here. A function whose modules never import zod does
 * not load it at cold start (~24 KiB; the verifier, which parses no request). esbuild puts a
 * module in the chunk of every entry that reaches it over import edges, used or not, so the
 * edge itself is what matters.
 */
export const STAGES = ["development", "staging", "production", "archived"] as const;
/**
 * PENDING_UPLOAD → (seal) → VERIFYING → READY | FAILED; a FAILED version can be uploaded again and
 * sealed again. An unsealed version (PENDING_UPLOAD or FAILED) can be abandoned: ABANDONED is final,
 * and its number is never handed out again.
 */
export const VERSION_STATUSES = ["PENDING_UPLOAD", "VERIFYING", "READY", "FAILED", "ABANDONED"] as const;
/**
 * A stage transition request: REQUESTED (waiting for the workflow) → VALIDATING (the workflow's
 * checks run, or passed and the change is being applied) → AWAITING_APPROVAL (where the policy
 * asks for approvals) → one of the terminal statuses.
 */
export const TRANSITION_STATUSES = [
  "REQUESTED",
  "VALIDATING",
  "AWAITING_APPROVAL",
  "APPLIED",
  "REJECTED",
  "FAILED",
  "CANCELLED",
  "TIMED_OUT",
] as const;
export const OPEN_TRANSITION_STATUSES = ["REQUESTED", "VALIDATING", "AWAITING_APPROVAL"] as const;
/** Stages a rollback can restore: those with one holder at a time. */
export const ROLLBACK_STAGES = ["production"] as const;
export const ARTIFACT_CHECK_STATUSES = [
  "verified",
  "needsHashing",
  "missing",
  "sizeMismatch",
  "checksumMismatch",
] as const;
export const MODEL_FORMATS = [
  "onnx",
  "torchscript",
  "savedmodel",
  "pickle",
  "joblib",
  "mlflow",
  "safetensors",
  "gguf",
  "other",
] as const;
