/**
 * Property-based tests generated from the OpenAPI 3.1 document the registry serves: for every
 * operation, signed requests the document calls valid, requests with one part broken, and
 * requests from principals the route does not allow. See `oracles.ts` for what a response must be.
 *
 * A fixed number of runs per property (FUZZ_RUNS, see harness.ts) and a fixed seed (FUZZ_SEED),
 * so every machine sends the same requests; FUZZ_SECONDS adds an opt-in time budget. Each
 * property's counts (sent, reached its code, statuses, candidates dropped) are printed after the
 * run (and written to FUZZ_COUNTS_FILE), and a property below its floor (counts.ts) fails. With
 * FUZZ_REPORT=1 every failure class is collected and printed instead of stopping at the first.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CountsReport, floorFor, mark, PropertyCounter, type PropertyKind } from "./counts.ts";
import {
  api,
  createFixture,
  type Exchange,
  exchange,
  FailureCollector,
  failureMessage,
  fetchDocument,
  seedFor,
  settings,
} from "./harness.ts";
import { isObject, type JsonSchema, validate } from "./json-schema.ts";
import { minimize } from "./minimize.ts";
import { invalidValue, validValue } from "./openapi-arbitraries.ts";
import { type FuzzRequest, type Operation, operationsOf } from "./operations.ts";
import { type Fixture, requestArbitraries } from "./requests.ts";

const document = await fetchDocument();
const operations = operationsOf(document);
const collector = new FailureCollector();
const counts = new CountsReport();
let fixture: Fixture;

// The time budget, shared out: valid requests 50%, invalid 40%, forbidden principals 10%.
const withInvalid = operations.filter(
  (op) => op.parameters.some((p) => p.in !== "header") || op.body !== undefined,
);
const writes = operations.filter((op) => op.method !== "GET");
const budgetMs = (share: number, count: number) =>
  settings.seconds === undefined
    ? undefined
    : Math.max(500, Math.floor((settings.seconds * 1000 * share) / Math.max(count, 1)));
const validBudget = budgetMs(0.5, operations.length);
const invalidBudget = budgetMs(0.4, withInvalid.length);
const forbiddenBudget = budgetMs(0.1, writes.length);
/** Vitest's own timeout: the property's runs (or budget) plus time to shrink a failure and set up. */
const timeout = (budget: number | undefined) => (budget === undefined ? 300_000 : budget * 3 + 30_000);

beforeAll(async () => {
  fixture = await createFixture();
});

afterAll(() => {
  console.info(
    `\nFuzz counts per property (reached: the code the property is about answered):\n${counts.table()}\n`,
  );
  if (settings.countsFile) counts.write(settings.countsFile);
  if (collector.size > 0) {
    console.log(
      `\nFuzz failure classes (${collector.size}), smallest request of each:\n${collector.describe()}\n`,
    );
  }
  if (settings.reportFile) collector.write(settings.reportFile);
});

async function runProperty(
  name: string,
  kind: PropertyKind,
  op: Operation,
  requests: fc.Arbitrary<FuzzRequest>,
  budget: number | undefined,
  counter: PropertyCounter,
) {
  const seen = new Set<string>();
  const property = fc.asyncProperty(requests, async (planned) => {
    let done: Exchange = await exchange(op, planned, document, fixture);
    counter.record(done.response.status, done.response.body);
    if (settings.report) done = await shrunkIfNew(op, planned, done);
    collector.record(done, fixture);
    for (const finding of done.findings) seen.add(finding.key);
    // In report mode, keep going: the collector has it, and the test fails at the end.
    if (done.findings.length > 0 && !settings.report) throw new Error(failureMessage(done, fixture));
  });
  await fc.assert(property, {
    seed: seedFor(name),
    numRuns: settings.runs[kind],
    ...(budget !== undefined && { interruptAfterTimeLimit: budget }),
    markInterruptAsFailure: false,
  });
  const exercised = counter.finish();
  const floor = floorFor(kind, settings.runs[kind]);
  const summary = `${name}: ${JSON.stringify(exercised)}`;
  expect(exercised.sent, `requests sent, at least ${floor.runs}: ${summary}`).toBeGreaterThanOrEqual(
    floor.runs,
  );
  expect(
    exercised.reached,
    `requests that reached the code, at least ${floor.reached}: ${summary}`,
  ).toBeGreaterThanOrEqual(floor.reached);
  if (settings.report && seen.size > 0) {
    expect(
      [...seen].sort(),
      collector.describe((c) => seen.has(c.finding.key)),
    ).toEqual([]);
  }
}

/**
 * Report mode does not stop at a failure, so fast-check does not shrink it: shrink here instead,
 * once per new failure class (a 5xx always, as its class comes from what the request contains).
 */
async function shrunkIfNew(op: Operation, planned: FuzzRequest, done: Exchange): Promise<Exchange> {
  const target = done.findings.find((f) => f.kind === "server-error" || !collector.has(f.key));
  if (!target) return done;
  // Same class and same status: a forbidden write that still got 201 shows the bug better than a 400.
  const same = (attempt: Exchange) =>
    attempt.response.status === done.response.status &&
    attempt.findings.some((f) =>
      target.kind === "server-error" ? f.kind === "server-error" : f.key === target.key,
    );
  let last = done;
  const smallest = await minimize(planned, async (candidate) => {
    const attempt = await exchange(op, candidate, document, fixture);
    if (!same(attempt)) return false;
    last = attempt;
    return true;
  });
  return smallest === planned ? done : last;
}

describe("the served OpenAPI document", () => {
  it("is OpenAPI 3.1 with an operation per route, each declaring its responses", () => {
    expect(isObject(document) && document.openapi).toMatch(/^3\.1\./);
    expect(operations.length).toBeGreaterThan(0);
    for (const op of operations) expect([...op.responses.keys()], op.operationId).not.toEqual([]);
  });

  it("has request schemas the generators understand: valid samples pass the validator, invalid ones fail it", () => {
    const schemas: [string, JsonSchema][] = [];
    for (const op of operations) {
      if (op.body !== undefined) schemas.push([`${op.operationId} body`, op.body]);
      for (const p of op.parameters) schemas.push([`${op.operationId} ${p.in}.${p.name}`, p.schema]);
    }
    for (const [name, schema] of schemas) {
      for (const value of fc.sample(validValue(schema, { root: document }), {
        numRuns: 25,
        seed: seedFor(name),
      })) {
        expect(validate(schema, value, document), `${name}: ${JSON.stringify(value)?.slice(0, 300)}`).toEqual(
          [],
        );
      }
      if (isObject(schema) && Object.keys(schema).some((k) => k !== "description")) {
        for (const value of fc.sample(invalidValue(schema, { root: document }), {
          numRuns: 10,
          seed: seedFor(name),
        })) {
          expect(
            validate(schema, value, document).length,
            `${name}: ${JSON.stringify(value)?.slice(0, 300)}`,
          ).toBeGreaterThan(0);
        }
      }
    }
    // Pure CPU (sampling and validating every schema), no timing claim: room for a busy machine.
  }, 120_000);
});

/** The property that `op`'s requests of one kind all answer as they should, within `budget`. */
function requestProperty(
  title: string,
  op: Operation,
  kind: "valid" | "invalid" | "forbidden",
  budget: number | undefined,
  whenMissing: string,
) {
  it(
    title,
    async () => {
      const start = mark();
      const requests = requestArbitraries(op, document, fixture)[kind];
      if (!requests) throw new Error(whenMissing);
      const name = `${op.operationId} ${kind}`;
      const counter = new PropertyCounter(name, kind, start);
      counts.add(counter.counts);
      await runProperty(name, kind, op, requests, budget, counter);
    },
    timeout(budget),
  );
}

describe.each(operations)("$operationId ($method $path)", (op) => {
  requestProperty(
    "accepts every request the document calls valid (2xx, or 404/409/412/422 from state), never 5xx, and answers as the document declares",
    op,
    "valid",
    validBudget,
    `${op.operationId} has no valid generator`,
  );
  if (withInvalid.includes(op)) {
    requestProperty(
      "answers a request with one part broken by a 400 that names the broken field, never a 5xx",
      op,
      "invalid",
      invalidBudget,
      `${op.operationId} has inputs but no invalid generator`,
    );
  }
  if (writes.includes(op)) {
    requestProperty(
      "refuses principals whose role lacks the route with 403",
      op,
      "forbidden",
      forbiddenBudget,
      `${op.operationId}: every principal may call it, nothing to refuse`,
    );
  }
});

describe("fuzz setup", () => {
  it("signs every request: an unsigned one is refused with 403", async () => {
    const response = await fetch(`${api("reader").endpoint}/models`);
    expect(response.status).toBe(403);
  });
});
