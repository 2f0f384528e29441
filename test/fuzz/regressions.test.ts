/**
 * Replays every request in `regressions.ts` against the registry and judges the answer with the
 * fuzz oracles: each must produce no finding, and get exactly the answer the case pins. Deterministic and quick (one request per case), so
 * a fixed bug stays fixed whatever the fuzzer happens to generate.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createFixture, exchange, failureMessage, fetchDocument } from "./harness.ts";
import { operationsOf } from "./operations.ts";
import { regressions } from "./regressions.ts";
import type { Fixture } from "./requests.ts";

const document = await fetchDocument();
const operations = new Map(operationsOf(document).map((op) => [op.operationId, op]));
let fixture: Fixture;

beforeAll(async () => {
  fixture = await createFixture();
});

describe("requests the fuzz suite once failed on", () => {
  it.each(regressions)("$name", async ({ finding, expected, request }) => {
    const op = operations.get(request.operationId);
    if (!op) throw new Error(`the served document has no operation ${request.operationId}`);
    const done = await exchange(op, request, document, fixture);
    const context = `found on branch fuzz as: ${finding}\n${failureMessage(done, fixture)}`;
    expect(
      done.findings.map((f) => f.key),
      context,
    ).toEqual([]);
    // The pinned answer, not merely one the oracles allow (a 200 where a 413 is due passes those).
    const error = (done.response.body as { error?: { code?: string; issues?: { field: string }[] } } | null)
      ?.error;
    expect(
      {
        status: done.response.status,
        ...(expected.code !== undefined && { code: error?.code }),
        ...(expected.field !== undefined && { field: error?.issues?.[0]?.field }),
      },
      context,
    ).toEqual(expected);
  });
});
