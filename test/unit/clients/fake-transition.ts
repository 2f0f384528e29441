import type { Transition } from "../../../clients/typescript/types.ts";

export const TRANSITION_ID = "01JDQ5Z8Y7T3V4W5X6Y7Z8A9BC";

/** A transition as the registry answers it (staging → production, one approval required). */
export function transition(status: string, extra: Partial<Transition> = {}): Transition {
  return {
    id: TRANSITION_ID,
    model: "fraud",
    version: 7,
    from: "staging",
    to: "production",
    kind: "promotion",
    status,
    requestedBy: "arn:aws:iam::000000000000:user/publisher",
    requestedAt: "2026-11-23T10:00:00.000Z",
    updatedAt: "2026-11-23T10:00:00.000Z",
    approvalsRequired: 1,
    allowSelfApproval: false,
    approvals: [],
    ...extra,
  } as Transition;
}
