/**
 * The unit of work every mutation goes through: decide from a fresh read, commit one
 * all-or-nothing list of writes (which always includes the history entry, and the stored
 * response when the caller sent an Idempotency-Key), and when a concurrent writer wins the
 * race, read and decide again. No change is ever based on a stale read, version numbers stay
 * consecutive and history sequence numbers gapless.
 */
import { createHash } from "node:crypto";
import { ConcurrentModificationError, IdempotencyKeyReusedError } from "../errors.ts";
import { type IdempotencyRecord, WriteConflict, type WriteOp } from "../ports.ts";
import type { Outcome, RequestContext } from "./context.ts";
import type { CoreDeps } from "./deps.ts";

/** What one attempt decided: the writes to commit, and what the caller gets when they commit. */
export interface Decision<T> {
  writes: WriteOp[];
  result: T;
}

/** An attempt's decision; `attempt` is 1 on the first try and grows with every lost race. */
export type Decide<T> = (attempt: number) => Promise<Decision<T>>;

/** How long a stored response answers retries with the same Idempotency-Key. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/**
 * Runs a mutation that is not idempotent by key (PATCH, PUT, DELETE: repeating them is safe by
 * their nature or guarded by If-Match). `what` names the contended thing in the 409 message.
 */
export async function mutate<T>(deps: CoreDeps, what: string, decide: Decide<T>): Promise<T> {
  return (await run(deps, what, decide, undefined)).value;
}

/**
 * Runs a mutation that a client may retry with the same `Idempotency-Key` (every POST): the
 * first response is stored in the same transaction as the change, and every later request with
 * that key (from the same caller, with the same method, path and body) gets it back.
 */
export async function mutateIdempotently<T>(
  deps: CoreDeps,
  ctx: RequestContext,
  what: string,
  decide: Decide<T>,
): Promise<Outcome<T>> {
  const key = ctx.idempotency;
  if (!key) return run(deps, what, decide, undefined);
  const claim: IdempotencyClaim = {
    scope: createHash("sha256").update(`${ctx.actor}\n${key.key}`).digest("hex"),
    key: key.key,
    fingerprint: key.fingerprint,
  };
  const earlier = await deps.store.getIdempotencyRecord(claim.scope, epochSeconds(deps.clock.now()));
  if (earlier) return replay<T>(earlier, claim);
  return run(deps, what, decide, claim);
}

interface IdempotencyClaim {
  scope: string;
  key: string;
  fingerprint: string;
}

async function run<T>(
  deps: CoreDeps,
  what: string,
  decide: Decide<T>,
  claim: IdempotencyClaim | undefined,
): Promise<Outcome<T>> {
  for (let attempt = 1; ; attempt++) {
    const { writes, result } = await decide(attempt);
    if (writes.length === 0) return { value: result, replayed: false };
    try {
      await deps.store.commit(claim ? [...writes, claimWrite(deps, claim, result)] : writes);
      return { value: result, replayed: false };
    } catch (error) {
      if (!(error instanceof WriteConflict)) throw error;
      // Before deciding again, see whether the race was lost to a request with the same key:
      // then its response is the answer, not whatever a fresh decision would say (a retried
      // POST /models would otherwise meet its own model and answer 409 ModelAlreadyExists).
      if (claim) {
        const winner = await deps.store.getIdempotencyRecord(claim.scope, epochSeconds(deps.clock.now()));
        if (winner) return replay<T>(winner, claim);
        if (error.failed.includes("claimIdempotency")) {
          // The key's record was there at commit time and is gone now (expired in between).
          throw new ConcurrentModificationError("this Idempotency-Key");
        }
      }
      if (attempt >= deps.retry.attempts) throw new ConcurrentModificationError(what);
      await sleep(Math.random() * deps.retry.backoffMs(attempt));
    }
  }
}

function claimWrite(deps: CoreDeps, claim: IdempotencyClaim, body: unknown): WriteOp {
  const now = deps.clock.now();
  return {
    kind: "claimIdempotency",
    now: epochSeconds(now),
    record: {
      scope: claim.scope,
      fingerprint: claim.fingerprint,
      body,
      createdAt: now.toISOString(),
      expiresAt: epochSeconds(now) + IDEMPOTENCY_TTL_SECONDS,
    },
  };
}

function replay<T>(record: IdempotencyRecord, claim: IdempotencyClaim): Outcome<T> {
  if (record.fingerprint !== claim.fingerprint) throw new IdempotencyKeyReusedError(claim.key);
  return { value: record.body as T, replayed: true };
}

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
