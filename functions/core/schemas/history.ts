/** History entries: the audit trail and outbox of every mutation. */
import * as z from "zod/mini";

export const HISTORY_ACTIONS = [
  "MODEL_REGISTERED",
  "MODEL_UPDATED",
  "MODEL_DELETED",
  "VERSION_CREATED",
  "VERSION_UPDATED",
  "VERSION_VERIFICATION_STARTED",
  "VERSION_READY",
  "VERSION_VERIFICATION_FAILED",
  "VERSION_ABANDONED",
  "ALIAS_SET",
  "ALIAS_DELETED",
  "TRANSITION_REQUESTED",
  "TRANSITION_VALIDATION_STARTED",
  "TRANSITION_VALIDATED",
  "APPROVAL_REQUESTED",
  "TRANSITION_APPROVED",
  "TRANSITION_REJECTED",
  "TRANSITION_CANCELLED",
  "TRANSITION_FAILED",
  "TRANSITION_TIMED_OUT",
  "STAGE_CHANGED",
] as const;

export const HistoryEntry = z
  .object({
    seq: z.int(),
    at: z.iso.datetime(),
    actor: z.string(),
    action: z.enum(HISTORY_ACTIONS),
    requestId: z.string(),
    version: z.optional(z.int()),
    from: z.optional(z.unknown()),
    to: z.optional(z.unknown()),
    details: z.record(z.string(), z.unknown()),
  })
  .register(z.globalRegistry, { id: "HistoryEntry" });
export type HistoryEntry = z.infer<typeof HistoryEntry>;
