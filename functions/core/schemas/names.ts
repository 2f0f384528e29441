/** Names, stages and statuses: the identifiers every aggregate shares. */
import { z } from "zod";

export const STAGES = ["development", "staging", "production", "archived"] as const;
/** PENDING_UPLOAD → (seal) → VERIFYING → READY | FAILED; a FAILED version can be uploaded again and sealed again. */
export const VERSION_STATUSES = ["PENDING_UPLOAD", "VERIFYING", "READY", "FAILED"] as const;
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

export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const ALIAS_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

export const Stage = z.enum(STAGES).meta({ id: "Stage" });
export const VersionStatus = z.enum(VERSION_STATUSES).meta({ id: "VersionStatus" });

export const ModelName = z
  .string()
  .regex(MODEL_NAME_PATTERN, {
    error: "must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit",
  })
  .meta({ example: "fraud-detector" });

export const AliasName = z
  .string()
  .regex(ALIAS_PATTERN, {
    error: "must be 1-64 characters of letters, digits, '_' or '-', starting with a letter",
  })
  .meta({ example: "champion" });
