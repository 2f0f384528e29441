/**
 * The local stand-in for the registry's EventBridge bus. It answers `PutEvents` over HTTP in
 * EventBridge's own JSON protocol, so the publisher handler runs unchanged: local mode only
 * points `AWS_ENDPOINT_URL_EVENTBRIDGE` here, and the real SDK serialises the real request.
 *
 * Each accepted entry becomes the envelope EventBridge delivers (`version`, `id`, `detail-type`,
 * `source`, `account`, `time`, `region`, `resources`, `detail`) and goes to:
 * - listeners (the `[event]` console line, the gateway's `GET /_local/events` stream);
 * - rules, given as data (`{name, pattern}`), such as the catalog's deploy-pipeline rule; a rule
 *   with `invoke` stands in for an AWS target inside local mode (the transition workflow's
 *   state machine): called with each matching event, in order, failures dead-lettered;
 * - HTTP targets (`{name, pattern, url}`): POSTed the envelope, in order per target, with
 *   bounded retries and then one line in the dead-letter file. Deliveries run behind the
 *   `PutEvents` answer, so a target that is down never slows the bus or the stream poller.
 *
 * Durability (with `journalFile`, as local mode runs it): an entry is accepted only once its
 * envelope and the targets it matched are flushed to the journal (`local/event-journal.ts`), so a
 * crash after the answer loses nothing: the next start delivers every unfinished (envelope,
 * target) pair again, the same envelope with the same `id`, before anything newly put. An
 * envelope leaves the journal only once delivered or dead-lettered. Listeners and `invoke` rules
 * are not journaled: the console and the SSE stream keep no backlog, and the transition workflow
 * recovers from the table (`recoverOpenTransitions`), not from events.
 */

import { randomUUID } from "node:crypto";
import { appendFileSync, mkdirSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { dirname } from "node:path";
import { readText, sendAwsJson, verifyAwsCall } from "./aws-json.ts";
import type { EventEnvelope } from "./event-envelope.ts";
import { openEventJournal, type PendingDelivery } from "./event-journal.ts";
import { compileEventPattern, type EventPattern } from "./event-pattern.ts";
import type { SigningIdentity } from "./sigv4-verify.ts";
import { listenOn } from "./tcp-ports.ts";

export type { EventEnvelope };

interface EventRule {
  name: string;
  pattern: EventPattern;
}

export interface LocalRule extends EventRule {
  /** Called with every matching event, one at a time (like a rule's target in AWS). */
  invoke?: (event: EventEnvelope) => Promise<void> | void;
}

export interface LocalTarget extends EventRule {
  url: string;
}

export interface DeadLetter {
  at: string;
  target: string;
  url: string;
  attempts: number;
  error: string;
  event: EventEnvelope;
}

export interface LocalEventBusOptions {
  busName: string;
  region: string;
  account: string;
  /** 0 picks a free port. */
  port: number;
  rules?: readonly LocalRule[];
  targets?: readonly LocalTarget[];
  /** Appended one JSON line per undeliverable event; kept in memory only when absent. */
  deadLetterFile?: string;
  /** Attempts per target delivery (first included); default 4. */
  deliveryAttempts?: number;
  /** Back-off before retry `n`, in ms; default 250 · 2^(n-1). */
  deliveryBackoffMs?: (retry: number) => number;
  /** Per-attempt timeout of a target's POST; default 5 s. */
  deliveryTimeoutMs?: number;
  /**
   * Who may put events, as the bus's resource policy decides in AWS: every `PutEvents` must be
   * SigV4-signed (service `events`) by one of `signers`, and an entry whose source is
   * `reservedSource` (the registry's) only by `owner` (the registry's own identity); any other
   * signer gets `NotAuthorizedForSourceException` for it.
   */
  trust: { signers: readonly SigningIdentity[]; reservedSource: string; owner: SigningIdentity };
  /** The clock signatures are checked against (default the wall clock; tests pass theirs). */
  now?: () => Date;
  /**
   * Where accepted envelopes wait for their target deliveries, flushed before `PutEvents`
   * answers and replayed on the next start; in memory only (lost with the process) when absent.
   */
  journalFile?: string;
  /**
   * Told of every failed delivery attempt (`deadLetter: false`) and every dead letter (`true`),
   * so that `npm start` prints a line for each: a failing target is not visible only in the
   * dead-letter file.
   */
  onDeliveryProblem?: (problem: DeliveryProblem) => void;
}

export interface DeliveryProblem {
  deadLetter: boolean;
  target: string;
  url: string;
  attempt: number;
  attempts: number;
  error: string;
  event: EventEnvelope;
}

/** What a listener learns of an event: the envelope and the names of the rules it matched. */
export type EventListener = (event: EventEnvelope, matchedRules: string[]) => void;

export interface LocalEventBus {
  /** The endpoint to give the SDK (`AWS_ENDPOINT_URL_EVENTBRIDGE`). */
  endpoint: string;
  busName: string;
  subscribe(listener: EventListener): () => void;
  /** Dead letters written since start (also in `deadLetterFile` when set). */
  readonly deadLetters: readonly DeadLetter[];
  /** Resolves once every delivery accepted so far has been made or dead-lettered. */
  settled(): Promise<void>;
  /** Stops answering and waits for pending deliveries. */
  close(): Promise<void>;
}

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Time?: number | string;
  EventBusName?: string;
  Resources?: string[];
}

class BusRequestError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export async function startLocalEventBus(options: LocalEventBusOptions): Promise<LocalEventBus> {
  const rules = (options.rules ?? []).map((rule) => ({
    name: rule.name,
    matches: compileEventPattern(rule.pattern),
    invoke: rule.invoke,
    queue: Promise.resolve(),
  }));
  const targets = (options.targets ?? []).map((target) => ({
    ...target,
    matches: compileEventPattern(target.pattern),
    // Deliveries to one target are chained, so it receives events in the order they were put.
    queue: Promise.resolve(),
  }));
  const listeners = new Set<EventListener>();
  const deadLetters: DeadLetter[] = [];
  const attempts = options.deliveryAttempts ?? 4;
  const backoff = options.deliveryBackoffMs ?? ((retry: number) => 250 * 2 ** (retry - 1));
  const timeoutMs = options.deliveryTimeoutMs ?? 5_000;
  const busArn = `arn:aws:events:${options.region}:${options.account}:event-bus/${options.busName}`;
  const journal = options.journalFile ? openEventJournal(options.journalFile) : undefined;
  /** The envelopes of the `PutEvents` call being answered: journaled, then dispatched, together. */
  const acceptedInCall: EventEnvelope[] = [];

  const signers = new Map(options.trust.signers.map((s) => [s.accessKeyId, s]));
  signers.set(options.trust.owner.accessKeyId, options.trust.owner);

  function accept(
    entry: PutEventsEntry,
    caller: SigningIdentity,
  ): { EventId: string } | { ErrorCode: string; ErrorMessage: string } {
    if (
      entry.Source === options.trust.reservedSource &&
      caller.accessKeyId !== options.trust.owner.accessKeyId
    ) {
      return {
        ErrorCode: "NotAuthorizedForSourceException",
        ErrorMessage: `Not authorized for the source '${entry.Source}': only the registry puts it on this bus`,
      };
    }
    const bus = entry.EventBusName ?? "default";
    if (bus !== options.busName && bus !== busArn) {
      return {
        ErrorCode: "InvalidArgument",
        ErrorMessage: `the local bus is '${options.busName}', not '${bus}'`,
      };
    }
    if (!entry.Source || !entry.DetailType || entry.Detail === undefined) {
      return { ErrorCode: "InvalidArgument", ErrorMessage: "Source, DetailType and Detail are required" };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is not valid JSON" };
    }
    if (typeof detail !== "object" || detail === null || Array.isArray(detail)) {
      return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail must be a JSON object" };
    }
    const envelope: EventEnvelope = {
      version: "0",
      id: randomUUID(),
      "detail-type": entry.DetailType,
      source: entry.Source,
      account: options.account,
      time: envelopeTime(entry.Time),
      region: options.region,
      resources: entry.Resources ?? [],
      detail: detail as Record<string, unknown>,
    };
    acceptedInCall.push(envelope);
    return { EventId: envelope.id };
  }

  /**
   * Journals the call's accepted envelopes with the targets each matched (on disk before the
   * answer), then dispatches them. Throws, so the call fails and nothing is delivered, when the
   * journal cannot be written: the publisher keeps the records and puts them again.
   */
  function settleCall(): void {
    const envelopes = acceptedInCall.splice(0);
    journal?.accepted(
      envelopes.map((envelope) => ({
        envelope,
        targets: targets.filter((t) => t.matches(envelope)).map((t) => t.name),
      })),
    );
    for (const envelope of envelopes) dispatch(envelope);
  }

  /** What a previous run accepted and did not finish delivering: delivered again, first. */
  function replay(pending: readonly PendingDelivery[]): void {
    for (const { envelope, targets: names } of pending) {
      for (const name of names) {
        const target = targets.find((t) => t.name === name);
        if (target) {
          target.queue = target.queue.then(() => deliver(target, envelope));
          continue;
        }
        deadLetter({
          at: new Date().toISOString(),
          target: name,
          url: "",
          attempts: 0,
          error: "the target is no longer configured (REGISTRY_LOCAL_TARGETS changed across the restart)",
          event: envelope,
        });
        journal?.done(envelope.id, name);
      }
    }
  }

  function dispatch(envelope: EventEnvelope): void {
    const matched = rules.filter((rule) => rule.matches(envelope)).map((rule) => rule.name);
    for (const listener of listeners) {
      try {
        listener(envelope, matched);
      } catch {
        // A broken listener (a closed SSE client) must not stop the others or the bus.
      }
    }
    for (const target of targets) {
      if (!target.matches(envelope)) continue;
      target.queue = target.queue.then(() => deliver(target, envelope));
    }
    for (const rule of rules) {
      const { invoke } = rule;
      if (!invoke || !matched.includes(rule.name)) continue;
      rule.queue = rule.queue.then(async () => {
        try {
          await invoke(envelope);
        } catch (error) {
          deadLetter({
            at: new Date().toISOString(),
            target: rule.name,
            url: `local:${rule.name}`,
            attempts: 1,
            error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
            event: envelope,
          });
        }
      });
    }
  }

  async function deliver(target: LocalTarget, envelope: EventEnvelope): Promise<void> {
    await attemptDelivery(target, envelope);
    journal?.done(envelope.id, target.name);
  }

  async function attemptDelivery(target: LocalTarget, envelope: EventEnvelope): Promise<void> {
    let lastError = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(backoff(attempt - 1));
      try {
        const response = await fetch(target.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(envelope),
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return;
        lastError = `HTTP ${response.status}`;
      } catch (error) {
        lastError = error instanceof Error ? `${error.message}${causeOf(error)}` : String(error);
      }
      if (attempt < attempts)
        report({
          deadLetter: false,
          target: target.name,
          url: target.url,
          attempt,
          attempts,
          error: lastError,
          event: envelope,
        });
    }
    deadLetter({
      at: new Date().toISOString(),
      target: target.name,
      url: target.url,
      attempts,
      error: lastError,
      event: envelope,
    });
  }

  function report(problem: DeliveryProblem): void {
    try {
      options.onDeliveryProblem?.(problem);
    } catch {
      // A broken reporter must not stop deliveries.
    }
  }

  function deadLetter(letter: DeadLetter): void {
    deadLetters.push(letter);
    report({
      deadLetter: true,
      target: letter.target,
      url: letter.url,
      attempt: letter.attempts,
      attempts: letter.attempts,
      error: letter.error,
      event: letter.event,
    });
    if (options.deadLetterFile) {
      try {
        mkdirSync(dirname(options.deadLetterFile), { recursive: true });
        appendFileSync(options.deadLetterFile, `${JSON.stringify(letter)}\n`);
      } catch (error) {
        process.stderr.write(
          `[bus] could not write a dead letter to ${options.deadLetterFile}: ${String(error)}\n`,
        );
      }
    }
  }

  async function handle(req: IncomingMessage): Promise<unknown> {
    const target = String(req.headers["x-amz-target"] ?? "");
    if (req.method !== "POST" || target !== "AWSEvents.PutEvents") {
      throw new BusRequestError(
        "UnknownOperationException",
        `the local bus answers only PutEvents, not '${target}'`,
      );
    }
    const text = await readText(req);
    const verified = await verifyAwsCall(req, Buffer.from(text, "utf8"), {
      region: options.region,
      service: "events",
      signers,
      now: options.now?.() ?? new Date(),
    });
    if (!verified.ok) {
      throw new BusRequestError(
        verified.code === "UnknownAccessKey" ? "UnrecognizedClientException" : "AccessDeniedException",
        verified.message,
        403,
      );
    }
    let body: { Entries?: PutEventsEntry[] };
    try {
      body = JSON.parse(text);
    } catch {
      throw new BusRequestError("SerializationException", "the request body is not JSON");
    }
    const entries = body.Entries ?? [];
    if (entries.length < 1 || entries.length > 10) {
      throw new BusRequestError("ValidationException", "PutEvents takes 1 to 10 entries");
    }
    acceptedInCall.length = 0;
    const results = entries.map((entry) => accept(entry, verified.principal));
    settleCall();
    return { FailedEntryCount: results.filter((r) => "ErrorCode" in r).length, Entries: results };
  }

  const server: Server = createServer((req, res) => {
    handle(req)
      .then((answer) => sendAwsJson(res, 200, answer, "1.1", options.now?.()))
      .catch((error: unknown) => {
        const type = error instanceof BusRequestError ? error.type : "InternalException";
        sendAwsJson(
          res,
          error instanceof BusRequestError ? error.status : 500,
          {
            __type: type,
            message: String((error as Error).message),
          },
          "1.1",
          options.now?.(),
        );
      });
  });
  if (journal) replay(journal.recovered);
  const port = await listenOn(
    server,
    options.port,
    "127.0.0.1",
    "the local event bus",
    "REGISTRY_EVENTS_PORT",
  ).catch((error: unknown) => {
    journal?.close();
    throw error;
  });

  const settled = async () => {
    // Deliveries queued while waiting are waited for too.
    for (;;) {
      const queued = [...targets, ...rules];
      const pending = queued.map((t) => t.queue);
      await Promise.all(pending);
      if (queued.every((t, i) => t.queue === pending[i])) return;
    }
  };

  return {
    endpoint: `http://127.0.0.1:${port}`,
    busName: options.busName,
    deadLetters,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    settled,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await settled();
      journal?.close();
    },
  };
}

/** EventBridge's `time`: the entry's `Time` (epoch seconds in the JSON protocol) or now, to the second. */
function envelopeTime(time: number | string | undefined): string {
  const date = time === undefined ? new Date() : new Date(typeof time === "number" ? time * 1000 : time);
  return (Number.isNaN(date.getTime()) ? new Date() : date).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function causeOf(error: Error): string {
  return error.cause instanceof Error ? ` (${error.cause.message})` : "";
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Reads a targets file: a JSON list of `{name, pattern, url}` (REGISTRY_LOCAL_TARGETS). */
export function parseTargets(text: string, origin: string): LocalTarget[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${origin} is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${origin} must hold a JSON list of {name, pattern, url}`);
  return parsed.map((item, index) => {
    const { name, pattern, url } = (item ?? {}) as Record<string, unknown>;
    if (
      typeof name !== "string" ||
      typeof url !== "string" ||
      typeof pattern !== "object" ||
      pattern === null
    ) {
      throw new Error(`${origin}[${index}] needs a string name, an event pattern object and a string url`);
    }
    try {
      new URL(url);
      compileEventPattern(pattern);
    } catch (error) {
      throw new Error(`${origin}[${index}] (${name}): ${(error as Error).message}`);
    }
    return { name, pattern: pattern as EventPattern, url };
  });
}
