/** Names, stages and statuses: the identifiers every aggregate shares. */
import * as z from "zod/mini";
import { STAGES, TRANSITION_STATUSES, VERSION_STATUSES } from "./vocabulary.ts";

export {
  ARTIFACT_CHECK_STATUSES,
  MODEL_FORMATS,
  OPEN_TRANSITION_STATUSES,
  STAGES,
  TRANSITION_STATUSES,
  VERSION_STATUSES,
} from "./vocabulary.ts";

export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const ALIAS_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

export const Stage = z.enum(STAGES).register(z.globalRegistry, { id: "Stage" });
export const VersionStatus = z.enum(VERSION_STATUSES).register(z.globalRegistry, { id: "VersionStatus" });
export const TransitionStatus = z
  .enum(TRANSITION_STATUSES)
  .register(z.globalRegistry, { id: "TransitionStatus" });

/** Transition ids are ULIDs: unique, and their string order is the order they were requested in. */
export const TRANSITION_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
export const TransitionId = z
  .string()
  .check(
    z.regex(TRANSITION_ID_PATTERN, {
      error: "must be a transition id: 26 characters of Crockford base32 (a ULID)",
    }),
  )
  .register(z.globalRegistry, { example: "01JDQ5Z8Y7T3V4W5X6Y7Z8A9BC" });

export const ModelName = z
  .string()
  .check(
    z.regex(MODEL_NAME_PATTERN, {
      error: "must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit",
    }),
  )
  .register(z.globalRegistry, { example: "fraud-detector" });

export const AliasName = z
  .string()
  .check(
    z.regex(ALIAS_PATTERN, {
      error: "must be 1-64 characters of letters, digits, '_' or '-', starting with a letter",
    }),
  )
  .register(z.globalRegistry, { example: "champion" });
