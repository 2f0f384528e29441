/**
 * The port through which the history publisher puts events on a bus. EventBridge's
 * `PutEvents` is the model (one call carries at most 10 entries, failures are reported per
 * entry), so the adapter is a thin translation and tests can fake it without an SDK.
 */

/** EventBridge's limit on entries per `PutEvents` call. */
export const MAX_ENTRIES_PER_PUT = 10;

export interface BusEntry {
  source: string;
  detailType: string;
  /** The detail, already serialised as JSON (what EventBridge receives). */
  detail: string;
  time: Date;
  busName: string;
  resources: string[];
}

/** The outcome of one entry, in the order the entries were given. */
export type BusEntryResult =
  | { ok: true; eventId: string }
  | { ok: false; errorCode: string; errorMessage: string };

export interface EventBusPort {
  /** Puts at most `MAX_ENTRIES_PER_PUT` entries; rejects only when the whole call failed. */
  putEvents(entries: readonly BusEntry[]): Promise<BusEntryResult[]>;
}
