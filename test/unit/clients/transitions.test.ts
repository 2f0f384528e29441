import { describe, expect, it } from "vitest";
import { RegistryClient } from "../../../clients/typescript/registry-client.ts";
import {
  awaitsApprovals,
  describeTransition,
  ENDED_TRANSITION_STATUSES,
  OPEN_TRANSITION_STATUSES,
  ROLLBACK_STAGES,
  STAGES,
  TRANSITION_STATUSES,
  TransitionError,
  waitForTransition,
} from "../../../clients/typescript/transitions.ts";
import type { Transition } from "../../../clients/typescript/types.ts";
import * as core from "../../../functions/core/schemas.ts";
import { fakeFetch, TEST_CREDENTIALS } from "./fake-fetch.ts";
import { TRANSITION_ID as ID, transition } from "./fake-transition.ts";

/** A client whose GETs answer the statuses in turn (the last one from then on), with a fake clock. */
function polling(statuses: (string | Transition)[]) {
  const recorder = fakeFetch((_, index) => {
    const answer = statuses[Math.min(index, statuses.length - 1)] ?? "REQUESTED";
    return { body: typeof answer === "string" ? transition(answer) : answer };
  });
  const client = new RegistryClient({
    endpoint: "http://registry.test",
    credentials: TEST_CREDENTIALS,
    fetch: recorder.fetch,
  });
  let clock = 0;
  const pauses: number[] = [];
  const sleep = async (ms: number) => {
    pauses.push(ms);
    clock += ms;
  };
  return { client, requests: recorder.requests, pauses, sleep, now: () => clock };
}

describe("the client's lifecycle constants", () => {
  it("are the server's own values, not copies", () => {
    expect(STAGES).toBe(core.STAGES);
    expect(ROLLBACK_STAGES).toBe(core.ROLLBACK_STAGES);
    expect(TRANSITION_STATUSES).toBe(core.TRANSITION_STATUSES);
    expect(OPEN_TRANSITION_STATUSES).toBe(core.OPEN_TRANSITION_STATUSES);
    expect(ENDED_TRANSITION_STATUSES).toEqual(
      core.TRANSITION_STATUSES.filter(
        (s) => !(core.OPEN_TRANSITION_STATUSES as readonly string[]).includes(s),
      ),
    );
  });
});

describe("waitForTransition", () => {
  it("polls with pauses from 250 ms doubling to 2 s until the transition has ended", async () => {
    const fake = polling(["REQUESTED", "VALIDATING", "VALIDATING", "VALIDATING", "VALIDATING", "APPLIED"]);
    const done = await waitForTransition(fake.client, "fraud", ID, { sleep: fake.sleep, now: fake.now });
    expect(done.status).toBe("APPLIED");
    expect(fake.pauses).toEqual([250, 500, 1000, 2000, 2000]);
    expect(fake.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual(
      Array(6).fill(`GET /models/fraud/transitions/${ID}`),
    );
  });

  it("answers an ended transition whatever its status (the caller decides what REJECTED means)", async () => {
    const fake = polling(["VALIDATING", "AWAITING_APPROVAL", "REJECTED"]);
    const done = await waitForTransition(fake.client, "fraud", ID, { sleep: fake.sleep, now: fake.now });
    expect(done.status).toBe("REJECTED");
    expect(fake.requests).toHaveLength(3);
  });

  it("stops at AWAITING_APPROVAL when asked, but not once the approvals needed are recorded", async () => {
    const approved = transition("AWAITING_APPROVAL", {
      approvals: [{ by: "arn:approver", decision: "APPROVED", at: "2026-11-23T10:01:00.000Z" }],
    });
    expect(awaitsApprovals(approved)).toBe(false);
    const fake = polling([approved, approved, "VALIDATING", "APPLIED"]);
    const options = { sleep: fake.sleep, now: fake.now, until: ["AWAITING_APPROVAL"] as const };
    expect((await waitForTransition(fake.client, "fraud", ID, options)).status).toBe("APPLIED");

    const waiting = polling(["VALIDATING", "AWAITING_APPROVAL", "APPLIED"]);
    const stopped = await waitForTransition(waiting.client, "fraud", ID, {
      ...options,
      sleep: waiting.sleep,
      now: waiting.now,
    });
    expect(stopped.status).toBe("AWAITING_APPROVAL");
    expect(waiting.requests).toHaveLength(2);
  });

  it("gives up at the timeout with the last transition, never sleeping past it", async () => {
    const fake = polling(["VALIDATING"]);
    const error = await waitForTransition(fake.client, "fraud", ID, {
      sleep: fake.sleep,
      now: fake.now,
      timeoutMs: 3_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransitionError);
    expect((error as TransitionError).body.error).toMatchObject({
      code: "TransitionWaitTimeout",
      message: expect.stringContaining(
        `is still VALIDATING after 3 s; wait again with 'registry transitions wait fraud ${ID}'`,
      ),
      transition: { status: "VALIDATING" },
    });
    expect(fake.pauses).toEqual([250, 500, 1000, 1250]);
  });

  it("describes a transition in one line, with its reason or its approvals", () => {
    expect(describeTransition(transition("FAILED", { reason: "validation failed: metrics.auc" }))).toBe(
      `transition ${ID} of 'fraud' v7 staging → production: FAILED: validation failed: metrics.auc`,
    );
    expect(describeTransition(transition("AWAITING_APPROVAL", { kind: "rollback" }))).toBe(
      `transition ${ID} of 'fraud' v7 staging → production (rollback): AWAITING_APPROVAL (0/1 approvals)`,
    );
  });
});
