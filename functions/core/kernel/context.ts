/** Who is asking, and under which request: passed to every use case that writes. */
export interface RequestContext {
  /** The caller's IAM principal ARN: recorded as the actor on every write. */
  actor: string;
  requestId: string;
  /** Present when the caller sent `Idempotency-Key`. */
  idempotency?: { key: string; fingerprint: string };
  /** Present when the caller sent `If-Match`. */
  ifMatch?: string;
}

export interface Outcome<T> {
  value: T;
  /** True when this is the stored response of an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}
