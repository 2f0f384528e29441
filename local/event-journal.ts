/**
 * The local bus's journal: what makes an accepted `PutEvents` entry as durable locally as it is in
 * EventBridge. Before the bus answers `PutEvents`, each accepted envelope is appended with the
 * names of the HTTP targets it matched, and the file is flushed to disk (fdatasync); when a
 * target's delivery ends (delivered, or dead-lettered after its retries) a `done` line is
 * appended. A restart reads the file back and hands the bus every (envelope, target) pair with no
 * `done` line, the same envelope (same `id`) as the first time, to deliver again.
 *
 * One JSON object per line:
 *   {"put": <envelope>, "to": ["<target>", ...]}   accepted, before the PutEvents answer
 *   {"done": "<envelope id>", "to": "<target>"}     that delivery has ended
 * A line cut short by a crash (the last one) is ignored: its `PutEvents` was never answered, so
 * the publisher still has the record and puts it again. The file is compacted when it is opened
 * and emptied whenever nothing is pending and it has grown past `compactBytes`.
 */
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import type { EventEnvelope } from "./event-envelope.ts";

export interface PendingDelivery {
  envelope: EventEnvelope;
  targets: string[];
}

export interface EventJournal {
  /** Deliveries a previous run accepted and did not finish, in the order they were accepted. */
  readonly recovered: readonly PendingDelivery[];
  /** Appends the accepted envelopes and flushes them to disk; throws if they could not be written. */
  accepted(deliveries: readonly PendingDelivery[]): void;
  /** Records that the delivery of `id` to `target` has ended (not flushed: at worst it is made again). */
  done(id: string, target: string): void;
  close(): void;
}

interface PutLine {
  put: EventEnvelope;
  to: string[];
}
interface DoneLine {
  done: string;
  to: string;
}

/** Opens (creating if needed) the journal at `file`, recovering what a previous run left pending. */
export function openEventJournal(file: string, compactBytes = 1024 * 1024): EventJournal {
  mkdirSync(dirname(file), { recursive: true });
  const recovered = existsSync(file) ? pendingIn(readFileSync(file, "utf8")) : [];

  // Compacted: only what is still pending, written beside the journal and renamed over it, so a
  // crash here leaves the old journal or the new one.
  const temporary = `${file}.${process.pid}.tmp`;
  const fresh = openSync(temporary, "w");
  try {
    const text = recovered.map((p) => `${JSON.stringify({ put: p.envelope, to: p.targets })}\n`).join("");
    if (text) writeSync(fresh, text);
    fdatasyncSync(fresh);
  } finally {
    closeSync(fresh);
  }
  renameSync(temporary, file);
  const fd = openSync(file, "a");

  let outstanding = recovered.reduce((sum, p) => sum + p.targets.length, 0);
  let closed = false;

  return {
    recovered,
    accepted(deliveries) {
      const lines = deliveries
        .filter((d) => d.targets.length > 0)
        .map((d) => `${JSON.stringify({ put: d.envelope, to: d.targets } satisfies PutLine)}\n`);
      if (lines.length === 0) return;
      writeSync(fd, lines.join(""));
      fdatasyncSync(fd);
      outstanding += deliveries.reduce((sum, d) => sum + d.targets.length, 0);
    },
    done(id, target) {
      if (closed) return;
      outstanding--;
      if (outstanding === 0 && fstatSync(fd).size > compactBytes) {
        // Nothing is pending: every line is history. (O_APPEND writes go to the new end.)
        ftruncateSync(fd, 0);
        return;
      }
      writeSync(fd, `${JSON.stringify({ done: id, to: target } satisfies DoneLine)}\n`);
    },
    close() {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}

/** The (envelope, targets) pairs of `text` with no `done` line yet, in acceptance order. */
export function pendingIn(text: string): PendingDelivery[] {
  const pending = new Map<string, PendingDelivery>();
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let parsed: Partial<PutLine & DoneLine>;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue; // a line cut short by a crash: its PutEvents was never answered
    }
    if (parsed.put && Array.isArray(parsed.to)) {
      const existing = pending.get(parsed.put.id);
      if (existing) existing.targets.push(...parsed.to.filter((t) => !existing.targets.includes(t)));
      else pending.set(parsed.put.id, { envelope: parsed.put, targets: [...parsed.to] });
    } else if (typeof parsed.done === "string" && typeof parsed.to === "string") {
      const entry = pending.get(parsed.done);
      if (!entry) continue;
      entry.targets = entry.targets.filter((t) => t !== parsed.to);
      if (entry.targets.length === 0) pending.delete(parsed.done);
    }
  }
  return [...pending.values()];
}
