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

const ALIAS_FORMAT_ERROR = "must be 1-64 characters of letters, digits, '_' or '-', starting with a letter";
const STAGE_NAME_ERROR = `is a stage name: ${STAGES.join(", ")} are reserved, in any case, so that an alias never stands for a stage (a stage's version is \`stages\` of GET /models/{model}, moved only by transitions); pick another name`;

/**
 * Stage names are not alias names, whatever their case: `…/aliases/production/artifacts/…` would
 * otherwise serve whatever version a publisher pointed it at, outside the stage's policy. One
 * pattern (not a refinement) so the OpenAPI document states it; letters are spelled as `[Pp]`
 * pairs because JSON Schema patterns carry no `i` flag.
 */
export const ALIAS_NAME_PATTERN = new RegExp(
  `^(?!(?:${STAGES.map((stage) => [...stage].map((c) => `[${c.toUpperCase()}${c.toLowerCase()}]`).join("")).join("|")})$)${ALIAS_PATTERN.source.slice(1)}`,
);

const isStageName = (value: unknown) =>
  typeof value === "string" && (STAGES as readonly string[]).includes(value.toLowerCase());

export const AliasName = z
  .string()
  .check(
    z.regex(ALIAS_NAME_PATTERN, {
      error: (issue) => (isStageName(issue.input) ? STAGE_NAME_ERROR : ALIAS_FORMAT_ERROR),
    }),
  )
  .register(z.globalRegistry, { example: "champion" });

/**
 * An alias as it may already be stored: before stage names were reserved, one could be set. Only
 * its deletion accepts such a name, so the owner can remove it; nothing resolves it any more.
 */
export const StoredAliasName = z
  .string()
  .check(z.regex(ALIAS_PATTERN, { error: ALIAS_FORMAT_ERROR }))
  .register(z.globalRegistry, { example: "champion" });
