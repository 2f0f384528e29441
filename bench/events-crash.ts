/**
 * Issue 19's check at length: `npm run bench:events-crash` runs the kill-and-restart rounds of
 * `test/integration/events-crash.test.ts` (`test/support/crash-rounds.ts`) many more times
 * (`EVENTS_CRASH_ROUNDS`, default 100), prints one JSON document and writes
 * `bench/results/events-crash-latest.json`. Each round: a burst of version creations against
 * `npm start`'s entry in a process group of its own, SIGKILL of the group mid-burst, restart,
 * then every committed history entry compared with what an HTTP target received.
 *
 * `CRASH_ROUNDS_ROOT=<checkout>` runs another checkout's local mode with this harness (the
 * numbers before a fix, for one).
 */
import { writeFile } from "node:fs/promises";
import { runCrashRounds } from "../test/support/crash-rounds.ts";
import { loadAverage, resultHeader } from "./report.ts";
import { percentile, round } from "./stats.ts";

const ROUNDS = Number(process.env.EVENTS_CRASH_ROUNDS ?? 100);
const COMMAND = `EVENTS_CRASH_ROUNDS=${ROUNDS} npm run bench:events-crash`;
const log = (line: string) => process.stderr.write(`[bench:events-crash] ${line}\n`);

async function main() {
  const loadBefore = loadAverage();
  const startedAt = Date.now();
  const report = await runCrashRounds({ rounds: ROUNDS, log });
  const catchUp = report.rounds.map((r) => r.catchUpMs).sort((a, b) => a - b);
  const result = {
    ...resultHeader(COMMAND),
    ...(process.env.CRASH_ROUNDS_ROOT && { checkout: process.env.CRASH_ROUNDS_ROOT }),
    note:
      "local mode (npm start's entry) in its own process group, an HTTP target from REGISTRY_LOCAL_TARGETS " +
      "answering after 0-100 ms; per round a burst of version creations from 3 clients, SIGKILL of the group " +
      "after 1-40 answered creations plus 0-100 ms, restart, then every committed history entry (read through " +
      "the API) compared with what the target received and with DynamoDB Local's stream read from TRIM_HORIZON",
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadAverage(),
    wallSeconds: round((Date.now() - startedAt) / 1000),
    rounds: report.rounds.length,
    committedEntries: report.committed,
    deliveries: report.delivered,
    roundsWithMissingEntries: report.rounds.filter((r) => r.missing.length > 0).length,
    missingEntries: report.rounds.reduce((sum, r) => sum + r.missing.length, 0),
    missingPastPollerCheckpoint: report.rounds.reduce((sum, r) => sum + r.missingPastCheckpoint.length, 0),
    committedButNotInStream: report.rounds.reduce((sum, r) => sum + r.notInStream.length, 0),
    deliveriesPendingInJournalAtKills: report.rounds.reduce((sum, r) => sum + r.pendingInJournalAtKill, 0),
    roundsWithDeliveriesPendingAtKill: report.rounds.filter((r) => r.pendingInJournalAtKill > 0).length,
    duplicates: report.duplicates,
    duplicatesSameEnvelope: report.sameEnvelope,
    duplicatesRepublished: report.duplicates - report.sameEnvelope,
    catchUpAfterRestartMs: {
      p50: percentile(catchUp, 50),
      p95: percentile(catchUp, 95),
      max: catchUp.at(-1) ?? null,
    },
    failures: report.failures,
    perRound: report.rounds.map((r) => ({
      round: r.round,
      killAfter: `${r.killAfterAcknowledged} answers + ${r.killAfterMs} ms`,
      acknowledged: r.acknowledged,
      pendingInJournalAtKill: r.pendingInJournalAtKill,
      committed: r.committed,
      missing: r.missing.length,
      duplicates: r.duplicates,
      sameEnvelope: r.sameEnvelope,
      catchUpMs: r.catchUpMs,
    })),
  };
  const json = `${JSON.stringify(result, null, 2)}\n`;
  process.stdout.write(json);
  if (!process.env.CRASH_ROUNDS_ROOT) {
    await writeFile(new URL("results/events-crash-latest.json", import.meta.url), json);
  }
}

await main();
