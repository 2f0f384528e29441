/**
 * What each fuzz property did, counted: requests sent, how many reached the code the property
 * is about (not refused earlier by the gateway or the validator), the statuses, and the
 * candidates the generators built and then dropped (a filter refused them) or could not build
 * at all (a schema with no invalid value). Printed as a table after the run, written as JSON
 * to FUZZ_COUNTS_FILE when set, and checked against floors so a property that exercised too
 * little fails instead of passing quietly.
 */
import { writeFileSync } from "node:fs";

export type PropertyKind = "valid" | "invalid" | "forbidden";

// --- dropped candidates --------------------------------------------------------------------------

const dropped = new Map<string, number>();
const unbuilt: string[] = [];

/** Wraps a filter's predicate so that each value it refuses is counted under `reason`. */
export function counted<T>(reason: string, predicate: (value: T) => boolean): (value: T) => boolean {
  return (value) => {
    const kept = predicate(value);
    if (!kept) dropped.set(reason, (dropped.get(reason) ?? 0) + 1);
    return kept;
  };
}

/** Records a generator that could not be built (e.g. no invalid value for a parameter). */
export function couldNotBuild(what: string): void {
  unbuilt.push(what);
}

export interface GeneratorMark {
  dropped: Map<string, number>;
  unbuilt: number;
}

export function mark(): GeneratorMark {
  return { dropped: new Map(dropped), unbuilt: unbuilt.length };
}

export function since(before: GeneratorMark): { dropped: Record<string, number>; unbuilt: string[] } {
  const delta: Record<string, number> = {};
  for (const [reason, count] of dropped) {
    const added = count - (before.dropped.get(reason) ?? 0);
    if (added > 0) delta[reason] = added;
  }
  return { dropped: delta, unbuilt: unbuilt.slice(before.unbuilt) };
}

// --- what reached the code ------------------------------------------------------------------------

/**
 * Whether a response shows the request reached the code its property is about:
 * - valid: the handler's domain logic answered (a 2xx, or a domain error such as ModelNotFound,
 *   a 409 or a 412), not the gateway and not the validator;
 * - invalid: the registry's own validator refused it (400 ValidationError or InvalidJson);
 * - forbidden: the role check refused it (403 AccessDenied), not a signature failure.
 */
export function reached(kind: PropertyKind, status: number, body: unknown): boolean {
  const code = errorCode(body);
  switch (kind) {
    case "valid":
      return (status >= 200 && status < 300) || (code !== undefined && DOMAIN_ANSWERS.has(code));
    case "invalid":
      return status === 400 && (code === "ValidationError" || code === "InvalidJson");
    case "forbidden":
      return status === 403 && code === "AccessDenied";
  }
}

/** Error codes only a handler's domain code answers with (README "Errors", source "registry"). */
const DOMAIN_ANSWERS = new Set([
  "ModelNotFound",
  "VersionNotFound",
  "AliasNotFound",
  "ArtifactNotFound",
  "TransitionNotFound",
  "ModelAlreadyExists",
  "ConcurrentModification",
  "ModelProtected",
  "VersionFrozen",
  "VersionSealed",
  "VersionNotReady",
  "TransitionNotAllowed",
  "TransitionAlreadyOpen",
  "TransitionState",
  "NothingToRollBack",
  "NotTheRequester",
  "PreconditionFailed",
  "PayloadTooLarge",
  "ApprovalRefused",
  "IdempotencyKeyReused",
  "UploadIncomplete",
  "ArtifactsNotVerified",
]);

function errorCode(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const error = (body as { error?: { code?: unknown } }).error;
  return typeof error?.code === "string" ? error.code : undefined;
}

// --- per property ---------------------------------------------------------------------------------

export interface PropertyCounts {
  property: string;
  kind: PropertyKind;
  sent: number;
  reached: number;
  statuses: Record<string, number>;
  dropped: Record<string, number>;
  unbuilt: string[];
}

export class PropertyCounter {
  readonly counts: PropertyCounts;
  readonly #start: GeneratorMark;

  constructor(property: string, kind: PropertyKind, start: GeneratorMark) {
    this.counts = { property, kind, sent: 0, reached: 0, statuses: {}, dropped: {}, unbuilt: [] };
    this.#start = start;
  }

  record(status: number, body: unknown): void {
    this.counts.sent++;
    if (reached(this.counts.kind, status, body)) this.counts.reached++;
    this.counts.statuses[status] = (this.counts.statuses[status] ?? 0) + 1;
  }

  finish(): PropertyCounts {
    Object.assign(this.counts, since(this.#start));
    return this.counts;
  }
}

/**
 * The least a property must exercise: `runs` requests sent, and `reached` of them reaching its
 * code. With the default fixed run counts every property sends exactly its runs; the floors bite
 * when a time budget (FUZZ_SECONDS) or a generator that drops most of its candidates starves one.
 */
export function floorFor(kind: PropertyKind, configuredRuns: number): { runs: number; reached: number } {
  const runs = Math.min(configuredRuns, FLOOR_RUNS[kind]);
  return { runs, reached: Math.ceil(runs * FLOOR_REACHED_SHARE[kind]) };
}
const FLOOR_RUNS: Record<PropertyKind, number> = { valid: 20, invalid: 20, forbidden: 5 };
const FLOOR_REACHED_SHARE: Record<PropertyKind, number> = { valid: 0.5, invalid: 0.9, forbidden: 1 };

export class CountsReport {
  readonly rows: PropertyCounts[] = [];

  add(counts: PropertyCounts): void {
    this.rows.push(counts);
  }

  table(): string {
    const header = ["property", "sent", "reached", "dropped", "statuses"];
    const lines = this.rows.map((r) => [
      r.property,
      String(r.sent),
      String(r.reached),
      String(Object.values(r.dropped).reduce((a, b) => a + b, 0) + r.unbuilt.length),
      Object.entries(r.statuses)
        .map(([status, n]) => `${status}×${n}`)
        .join(" "),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
    const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join("  ");
    const total = (pick: (r: PropertyCounts) => number) => this.rows.reduce((sum, r) => sum + pick(r), 0);
    return [
      format(header),
      ...lines.map(format),
      `${this.rows.length} properties, ${total((r) => r.sent)} requests sent, ${total((r) => r.reached)} reached their code`,
    ].join("\n");
  }

  write(file: string): void {
    writeFileSync(file, `${JSON.stringify(this.rows, null, 2)}\n`);
  }
}
