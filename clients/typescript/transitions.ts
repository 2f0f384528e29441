/**
 * The stage lifecycle as a client sees it: the stages and statuses, and the wait for a transition
 * request that the registry's workflow moves on by itself. The names are the server's own values
 * (`functions/core/schemas/vocabulary.ts`, which imports nothing, zod included): the CLI's bundle
 * carries that one small module, so there is no copy to keep equal.
 */
import {
  OPEN_TRANSITION_STATUSES,
  ROLLBACK_STAGES,
  STAGES,
  TRANSITION_STATUSES,
} from "../../functions/core/schemas/vocabulary.ts";
import type { RegistryClient } from "./registry-client.ts";
import type { Transition, TransitionStatus } from "./types.ts";

export { OPEN_TRANSITION_STATUSES, ROLLBACK_STAGES, STAGES, TRANSITION_STATUSES };
/** Statuses nothing moves on from: APPLIED, or ended without applying. */
export const ENDED_TRANSITION_STATUSES: readonly TransitionStatus[] = TRANSITION_STATUSES.filter(
  (status) => !(OPEN_TRANSITION_STATUSES as readonly string[]).includes(status),
);

export function isEnded(status: string): boolean {
  return (ENDED_TRANSITION_STATUSES as readonly string[]).includes(status);
}

/** Approved by this many distinct principals so far. */
export function approvalCount(transition: Transition): number {
  return new Set(transition.approvals.filter((a) => a.decision === "APPROVED").map((a) => a.by)).size;
}

/**
 * AWAITING_APPROVAL with approvals still missing. Once the last approval needed is recorded the
 * transition stays AWAITING_APPROVAL until the workflow resumes: it is not waiting for anyone then.
 */
export function awaitsApprovals(transition: Transition): boolean {
  return (
    transition.status === "AWAITING_APPROVAL" && approvalCount(transition) < transition.approvalsRequired
  );
}

/** A wait that ran out of time, or any other client-side failure of the lifecycle helpers. */
export class TransitionError extends Error {
  override readonly name = "TransitionError";
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The registry's error shape, so that a CLI prints client and server errors alike. */
  get body() {
    return { error: { code: this.code, message: this.message, ...this.details } };
  }
}

export interface WaitForTransitionOptions {
  /** Give up after this long (a `TransitionWaitTimeout` error). Default 10 minutes. */
  timeoutMs?: number;
  /** The first pause between polls; each next one doubles, up to `maxIntervalMs`. Default 250. */
  intervalMs?: number;
  /** Default 2000. */
  maxIntervalMs?: number;
  /**
   * Open statuses to stop at as well as the ended ones (always a stop: nothing moves on from
   * them). `AWAITING_APPROVAL` stops only while approvals are missing (see `awaitsApprovals`).
   * Default: none, i.e. wait until the transition has ended.
   */
  until?: readonly TransitionStatus[];
  /** Each transition polled (e.g. to show its status). */
  onPoll?: (transition: Transition) => void;
  /** Default: `setTimeout`. Tests pass one that does not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Default: `Date.now`. */
  now?: () => number;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 10 * 60_000;

function reached(transition: Transition, until: readonly TransitionStatus[]): boolean {
  if (isEnded(transition.status)) return true;
  if (!until.includes(transition.status)) return false;
  return transition.status !== "AWAITING_APPROVAL" || awaitsApprovals(transition);
}

/**
 * Polls `GET /models/{model}/transitions/{id}` with growing pauses (250 ms doubling to 2 s) until
 * the transition has ended or reached one of `until`, and answers it whatever its status: the
 * caller decides what APPLIED, REJECTED or AWAITING_APPROVAL mean to it. Registry errors (a 404,
 * a 403) are thrown as they come.
 */
export async function waitForTransition(
  client: RegistryClient,
  model: string,
  id: string,
  options: WaitForTransitionOptions = {},
): Promise<Transition> {
  const {
    timeoutMs = DEFAULT_WAIT_TIMEOUT_MS,
    intervalMs = 250,
    maxIntervalMs = 2_000,
    until = [],
    onPoll,
    sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    now = Date.now,
  } = options;
  const deadline = now() + timeoutMs;
  let pause = intervalMs;
  for (;;) {
    const transition = await client.getTransition(model, id);
    onPoll?.(transition);
    if (reached(transition, until)) return transition;
    const left = deadline - now();
    if (left <= 0) {
      throw new TransitionError(
        "TransitionWaitTimeout",
        `transition ${id} of '${model}' is still ${transition.status} after ${Math.round(timeoutMs / 1000)} s; ` +
          `wait again with 'registry transitions wait ${model} ${id}'`,
        { transition },
      );
    }
    await sleep(Math.min(pause, left));
    pause = Math.min(maxIntervalMs, pause * 2);
  }
}

/** One line on how a transition stands: `01J… fraud v7 staging → production: REJECTED (reason)`. */
export function describeTransition(transition: Transition): string {
  const move = `${transition.from} → ${transition.to}`;
  const kind = transition.kind === "rollback" ? " (rollback)" : "";
  let state: string = transition.status;
  if (transition.status === "AWAITING_APPROVAL") {
    state += ` (${approvalCount(transition)}/${transition.approvalsRequired} approvals)`;
  } else if (transition.reason) {
    state += `: ${transition.reason}`;
  }
  return `transition ${transition.id} of '${transition.model}' v${transition.version} ${move}${kind}: ${state}`;
}
