/**
 * The writes every step of a transition shares: the transition's own record (conditioned on its
 * `rev`), the model's change (its `seq`, the history entries, the open-request map), and the
 * ending of a request. Use cases and workflow steps say what happens; these say how it is written.
 */
import { TransitionNotFoundError } from "../errors.ts";
import type { RequestContext } from "../kernel/context.ts";
import type { CoreDeps } from "../kernel/deps.ts";
import { changeModel, type HistoryFacts } from "../kernel/model-change.ts";
import type { WriteOp } from "../ports.ts";
import type { ModelRecord, TransitionRecord } from "../records.ts";
import { OPEN_TRANSITION_STATUSES, type TRANSITION_STATUSES } from "../schemas.ts";
import { openKey, type StageName } from "./stages.ts";

export type TransitionStatusName = (typeof TRANSITION_STATUSES)[number];

export function isOpen(transition: Pick<TransitionRecord, "status">): boolean {
  return (OPEN_TRANSITION_STATUSES as readonly string[]).includes(transition.status);
}

export async function requireTransition(
  deps: CoreDeps,
  model: string,
  id: string,
): Promise<TransitionRecord> {
  const transition = await deps.store.getTransition(model, id);
  if (!transition) throw new TransitionNotFoundError(model, id);
  return transition;
}

/** The new record and its write, conditioned on the `rev` read. */
export function changeTransition(
  transition: TransitionRecord,
  now: string,
  set: Partial<TransitionRecord>,
): { transition: TransitionRecord; write: WriteOp } {
  const after: TransitionRecord = { ...transition, ...set, updatedAt: now, rev: transition.rev + 1 };
  return { transition: after, write: { kind: "putTransition", record: after, expectRev: transition.rev } };
}

/** The context workflow steps write under: the requester's request, named by the transition id. */
export function workflowContext(transition: TransitionRecord): RequestContext {
  return { actor: transition.requestedBy, requestId: transition.id };
}

/** The model's open-request map without this transition. */
export function withoutOpen(model: ModelRecord, transition: TransitionRecord): Record<string, string> {
  const key = openKey(transition.version, transition.to as StageName);
  const { [key]: _closed, ...rest } = model.openTransitions ?? {};
  return rest;
}

/** History facts of a transition step: the version, and `to` (the target) for every step. */
export function transitionFacts(
  transition: TransitionRecord,
  action: HistoryFacts["action"],
  details: Record<string, unknown> = {},
): HistoryFacts {
  return {
    action,
    version: transition.version,
    from: transition.from,
    to: transition.to,
    details: { transitionId: transition.id, ...details },
  };
}

export interface Ending {
  status: Extract<TransitionStatusName, "REJECTED" | "FAILED" | "CANCELLED" | "TIMED_OUT">;
  action: Extract<
    HistoryFacts["action"],
    "TRANSITION_REJECTED" | "TRANSITION_FAILED" | "TRANSITION_CANCELLED" | "TRANSITION_TIMED_OUT"
  >;
  /** Who ended it (a rejecting approver, a cancelling requester or admin); absent for the workflow. */
  by?: string;
  comment?: string;
  /** Why, in words (stored as the transition's `reason`). */
  reason: string;
  /** Extra facts of the history entry (`validationFailed`). */
  details?: Record<string, unknown>;
  /** History entries that precede the ending in the same change (the failed validation's report). */
  before?: HistoryFacts[];
  /** Other fields of the transition that change with the ending (its report, an approval). */
  set?: Partial<TransitionRecord>;
}

/** Ends an open transition: its terminal status, the model's open map, and the history entry. */
export function endTransition(
  model: ModelRecord,
  transition: TransitionRecord,
  ctx: RequestContext,
  now: string,
  ending: Ending,
): { transition: TransitionRecord; writes: WriteOp[] } {
  const { taskToken: _token, ...rest } = transition;
  const ended = changeTransition(rest as TransitionRecord, now, {
    ...ending.set,
    status: ending.status,
    reason: ending.reason,
    endedAt: now,
    ...(ending.by !== undefined && { endedBy: ending.by }),
  });
  const facts = transitionFacts(transition, ending.action, {
    by: ending.by ?? null,
    comment: ending.comment ?? null,
    message: ending.reason,
    ...ending.details,
  });
  const change = changeModel(model, ctx, now, [...(ending.before ?? []), facts], {
    set: { openTransitions: withoutOpen(model, transition) },
    stamp: false,
  });
  return { transition: ended.transition, writes: [...change.writes, ended.write] };
}
