/**
 * Running the fuzz properties: settings from the environment, the document and fixture, sending
 * a request (with its placeholders resolved) and judging the response, and the failure collector
 * behind the summary and `FUZZ_REPORT=1`.
 */
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import type { RegistryClient } from "../../clients/typescript/registry-client.ts";
import { client, createReadyVersion, type PrincipalName } from "../integration/support.ts";
import { type FuzzRequest, type Operation, type SentResponse, send, urlPathOf } from "./operations.ts";
import { type Finding, judge } from "./oracles.ts";
import { CURRENT_ETAG, FIXTURE_MODEL, type Fixture, UNIQUE_NAME } from "./requests.ts";

function numberFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

/**
 * FUZZ_RUNS: runs per property (default 30 for valid requests, 25 for invalid, 8 for forbidden
 * principals): the same requests on every machine, however fast.
 * FUZZ_SECONDS: opt-in total time budget for the generated properties, shared out 50/40/10; a
 * property stops at its share or its runs, whichever comes first (the floors in counts.ts still apply).
 * FUZZ_SEED: base seed (default fixed, so `npm test` sends the same requests every time).
 * FUZZ_REPORT=1: collect every failure class instead of stopping (and shrinking) at the first.
 * FUZZ_REPORT_FILE: also write the collected failures there, as JSON.
 * FUZZ_COUNTS_FILE: write what each property sent, reached and dropped there, as JSON.
 */
export const settings = (() => {
  const runs = numberFromEnv("FUZZ_RUNS");
  return {
    seconds: numberFromEnv("FUZZ_SECONDS"),
    runs: {
      valid: runs ?? 30,
      invalid: runs ?? 25,
      forbidden: runs ?? 8,
    },
    seed: numberFromEnv("FUZZ_SEED") ?? 20_250_601,
    report: process.env.FUZZ_REPORT === "1",
    reportFile: process.env.FUZZ_REPORT_FILE?.trim() || undefined,
    countsFile: process.env.FUZZ_COUNTS_FILE?.trim() || undefined,
  };
})();

/** A distinct, stable seed per property, derived from the base seed and the property's name. */
export function seedFor(name: string): number {
  let hash = settings.seed | 0;
  for (const char of name) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return hash;
}

const clients = new Map<PrincipalName, RegistryClient>();
export function api(principal: PrincipalName): RegistryClient {
  let found = clients.get(principal);
  if (!found) {
    found = client(principal);
    clients.set(principal, found);
  }
  return found;
}

export async function fetchDocument(): Promise<unknown> {
  const response = await api("reader").request({ method: "GET", path: "/openapi.json" });
  if (response.status !== 200 || response.body === null) {
    throw new Error(`GET /openapi.json: ${response.status} ${response.rawBody.slice(0, 300)}`);
  }
  return response.body;
}

/** The fixture model: three versions (the first READY) and an alias, so versioned routes reach their real code. */
export async function createFixture(): Promise<Fixture> {
  const publisher = api("publisher");
  const tag = randomUUID().slice(0, 8);
  const model = `fuzz-${tag}`;
  const must = async (what: string, call: Promise<{ status: number; rawBody: string }>) => {
    const response = await call;
    if (response.status >= 300) throw new Error(`fixture: ${what}: ${response.status} ${response.rawBody}`);
  };
  await must("create model", publisher.request({ method: "POST", path: "/models", body: { name: model } }));
  const versions = [1, 2, 3];
  // Version 1 is uploaded and sealed (READY), so the alias, download and frozen-field paths are reachable.
  await createReadyVersion(publisher, model, { metrics: { auc: 0.6 } });
  for (const v of versions.slice(1)) {
    await must(
      `create version ${v}`,
      publisher.request({
        method: "POST",
        path: `/models/${model}/versions`,
        body: {
          artifacts: [{ path: "model.onnx", size: v, sha256: String(v).repeat(64) }],
          metrics: { auc: 0.5 + v / 10 },
        },
      }),
    );
  }
  await must(
    "set alias",
    publisher.request({ method: "PUT", path: `/models/${model}/aliases/champion`, body: { version: 1 } }),
  );
  const throwaway = [1, 2, 3, 4].map((i) => `fuzz-${tag}-gone-${i}`);
  for (const name of throwaway)
    await must(`create ${name}`, publisher.request({ method: "POST", path: "/models", body: { name } }));
  return { model, versions, throwaway };
}

/** Replaces the placeholders a request may carry; `<current-etag>` needs a read of the resource. */
export async function resolvePlaceholders(
  op: Operation,
  request: FuzzRequest,
  fixture: Fixture,
): Promise<FuzzRequest> {
  const unique = `fuzz-${randomUUID().slice(0, 12)}`;
  const fill = (text: string) =>
    text.split(FIXTURE_MODEL).join(fixture.model).split(UNIQUE_NAME).join(unique);
  const mapValues = (record: Record<string, string>) =>
    Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fill(v)]));
  const resolved: FuzzRequest = {
    ...request,
    path: mapValues(request.path),
    query: mapValues(request.query),
    headers: mapValues(request.headers),
    ...(request.body !== undefined && { body: fill(request.body) }),
  };
  const ifMatch = Object.keys(resolved.headers).find((k) => k.toLowerCase() === "if-match");
  if (ifMatch && resolved.headers[ifMatch]?.includes(CURRENT_ETAG)) {
    const current = await api("reader").request({ method: "GET", path: urlPathOf(op, resolved) });
    const etag = current.headers.etag ?? '"0"';
    resolved.headers = {
      ...resolved.headers,
      [ifMatch]: (resolved.headers[ifMatch] as string).replace(CURRENT_ETAG, etag),
    };
  }
  return resolved;
}

/** The request with the fixture's name put back as a placeholder: what regressions.json holds. */
export function asRegressionCase(request: FuzzRequest, fixture: Fixture): FuzzRequest {
  const back = (text: string) => text.split(fixture.model).join(FIXTURE_MODEL);
  const mapValues = (record: Record<string, string>) =>
    Object.fromEntries(Object.entries(record).map(([k, v]) => [k, back(v)]));
  return {
    ...request,
    path: mapValues(request.path),
    query: mapValues(request.query),
    headers: mapValues(request.headers),
    ...(request.body !== undefined && { body: back(request.body) }),
  };
}

export interface Exchange {
  request: FuzzRequest;
  response: SentResponse;
  findings: Finding[];
}

export async function exchange(
  op: Operation,
  planned: FuzzRequest,
  root: unknown,
  fixture: Fixture,
): Promise<Exchange> {
  const request = await resolvePlaceholders(op, planned, fixture);
  const response = await send(api(request.principal), op, request);
  return { request, response, findings: judge(op, request, response, root).findings };
}

interface Collected {
  finding: Finding;
  request: FuzzRequest;
  status: number;
  responseBody: string;
  count: number;
}

/** Every failure class seen, with the smallest request that showed it. */
export class FailureCollector {
  readonly #byKey = new Map<string, Collected>();

  record(done: Exchange, fixture: Fixture): void {
    for (const finding of done.findings) {
      const request = asRegressionCase(done.request, fixture);
      const existing = this.#byKey.get(finding.key);
      const size = JSON.stringify(request).length;
      if (!existing || size < JSON.stringify(existing.request).length) {
        this.#byKey.set(finding.key, {
          finding,
          request,
          status: done.response.status,
          responseBody: done.response.rawBody.slice(0, 400),
          count: (existing?.count ?? 0) + 1,
        });
      } else existing.count++;
    }
  }

  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  get size(): number {
    return this.#byKey.size;
  }

  describe(filter: (c: { finding: Finding }) => boolean = () => true): string {
    const rows = [...this.#byKey.values()]
      .filter(filter)
      .sort((a, b) => a.finding.key.localeCompare(b.finding.key));
    return rows
      .map(
        (c) =>
          `• ${c.finding.key}  (×${c.count})\n    ${c.finding.message}\n    request: ${JSON.stringify(c.request)}\n    response: ${c.status} ${c.responseBody}`,
      )
      .join("\n");
  }

  write(file: string): void {
    const rows = [...this.#byKey.values()].sort((a, b) => a.finding.key.localeCompare(b.finding.key));
    writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
  }
}

/** One line per failing call, for fast-check's counterexample report. */
export function failureMessage(done: Exchange, fixture: Fixture): string {
  return [
    ...done.findings.map((f) => `${f.key}: ${f.message}`),
    `replay (add to test/fuzz/regressions.ts): ${JSON.stringify(asRegressionCase(done.request, fixture))}`,
    `response: ${done.response.status} ${done.response.rawBody.slice(0, 400)}`,
  ].join("\n");
}
