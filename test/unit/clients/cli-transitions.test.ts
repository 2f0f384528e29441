import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../clients/cli/run.ts";
import { capturedIo } from "../../support/captured-io.ts";
import { type FakeReply, fakeFetch, TEST_CREDENTIALS } from "./fake-fetch.ts";
import { TRANSITION_ID as ID, transition } from "./fake-transition.ts";
import type { SentRequest } from "./sigv4-reference.ts";

interface Options {
  tty?: boolean;
}

/** The CLI against a fake registry, with a sleep that does not wait and a clock it moves. */
async function cli(
  argv: string[],
  reply: (request: SentRequest, index: number) => FakeReply = () => ({ body: transition("REQUESTED") }),
  options: Options = {},
) {
  const recorder = fakeFetch(reply);
  const output = capturedIo("", { stderrIsTTY: options.tty ?? false, columns: 200 });
  let clock = 0;
  const pauses: number[] = [];
  const code = await runCli(["--endpoint", "http://registry.test/v1", ...argv], {
    io: output.io,
    client: { credentials: TEST_CREDENTIALS, fetch: recorder.fetch },
    transfer: {
      sleep: async (ms) => {
        pauses.push(ms);
        clock += ms;
      },
      now: () => clock,
    },
  });
  const requests = recorder.requests;
  const sent = requests.map((r) => `${r.method} ${r.url.pathname}${r.url.search}`);
  const bodyOf = (index = 0) => JSON.parse(requests[index]?.body ?? "null") as unknown;
  return { code, stdout: output.stdout, stderr: output.stderr, requests, sent, bodyOf, pauses };
}

/** POST answers `first`; each GET of the transition answers the next status of `statuses`. */
function workflow(first: string, ...statuses: string[]) {
  let polls = 0;
  return (request: SentRequest): FakeReply => {
    if (request.method === "POST") return { status: 202, body: transition(first) };
    const status = statuses[Math.min(polls++, statuses.length - 1)] ?? first;
    const reason =
      status === "REJECTED" ? "rejected by arn:aws:iam::000000000000:user/approver: AUC too low" : undefined;
    return { body: transition(status, reason ? { reason } : {}) };
  };
}

describe("registry CLI lifecycle commands", () => {
  it("transitions request POSTs the target stage and comment, with the idempotency key", async () => {
    const run = await cli([
      "transitions",
      "request",
      "fraud",
      "7",
      "--to",
      "production",
      "--comment",
      "AUC 0.947",
      "--idempotency-key",
      "k1",
    ]);
    expect(run.code).toBe(0);
    expect(run.sent).toEqual(["POST /v1/models/fraud/versions/7/transitions"]);
    expect(run.bodyOf()).toEqual({ to: "production", comment: "AUC 0.947" });
    expect(run.requests[0]?.headers["idempotency-key"]).toBe("k1");
    expect(JSON.parse(run.stdout)).toMatchObject({ id: ID, status: "REQUESTED" });
    expect(run.stderr).toBe("");
  });

  it("transitions request --wait polls the transition until it is APPLIED and prints it", async () => {
    const run = await cli(
      ["transitions", "request", "fraud", "7", "--to", "staging", "--wait"],
      workflow("REQUESTED", "REQUESTED", "VALIDATING", "VALIDATING", "APPLIED"),
    );
    expect(run.code).toBe(0);
    expect(run.bodyOf()).toEqual({ to: "staging" });
    expect(run.sent).toEqual([
      "POST /v1/models/fraud/versions/7/transitions",
      ...Array(4).fill(`GET /v1/models/fraud/transitions/${ID}`),
    ]);
    expect(run.pauses).toEqual([250, 500, 1000]);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "APPLIED" });
    expect(run.stderr).toBe("");
  });

  it("--wait stops at AWAITING_APPROVAL (exit 0) and says who acts next", async () => {
    const run = await cli(
      ["transitions", "request", "fraud", "7", "--to", "production", "--wait"],
      workflow("REQUESTED", "VALIDATING", "AWAITING_APPROVAL"),
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "AWAITING_APPROVAL" });
    expect(run.stderr).toBe(
      `registry: transition ${ID} of 'fraud' v7 staging → production: AWAITING_APPROVAL (0/1 approvals); ` +
        `an approver runs 'registry transitions approve fraud ${ID}'\n`,
    );
  });

  it("transitions wait exits 1 when the transition ended without applying, naming status and reason", async () => {
    const run = await cli(
      ["transitions", "wait", "fraud", ID],
      workflow("REQUESTED", "AWAITING_APPROVAL", "REJECTED"),
    );
    // AWAITING_APPROVAL with the approval missing is a stop: the wait never sees REJECTED.
    expect(run.code).toBe(0);

    const ended = await cli(
      ["transitions", "wait", "fraud", ID],
      workflow("REQUESTED", "VALIDATING", "REJECTED"),
    );
    expect(ended.code).toBe(1);
    expect(JSON.parse(ended.stdout)).toMatchObject({ status: "REJECTED" });
    expect(ended.stderr).toBe(
      `registry: transition ${ID} of 'fraud' v7 staging → production: REJECTED: rejected by arn:aws:iam::000000000000:user/approver: AUC too low\n`,
    );
  });

  it("transitions wait --timeout gives up with a TransitionWaitTimeout error (exit 1)", async () => {
    const run = await cli(["transitions", "wait", "fraud", ID, "--timeout", "2"], workflow("VALIDATING"));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const error = JSON.parse(run.stderr) as { error: { code: string; message: string } };
    expect(error.error.code).toBe("TransitionWaitTimeout");
    expect(error.error.message).toContain("is still VALIDATING after 2 s");
    expect(run.pauses.reduce((a, b) => a + b, 0)).toBe(2000);
  });

  it("draws the status while waiting on a terminal only", async () => {
    const steps = ["REQUESTED", "VALIDATING", "APPLIED"] as const;
    const onTerminal = await cli(["transitions", "wait", "fraud", ID], workflow("REQUESTED", ...steps), {
      tty: true,
    });
    const line = (status: string) =>
      `\rwaiting: transition ${ID} of 'fraud' v7 staging → production: ${status}\x1b[K`;
    expect(onTerminal.stderr).toBe(`${steps.map(line).join("")}\n`);
    const piped = await cli(["transitions", "wait", "fraud", ID], workflow("REQUESTED", ...steps));
    expect(piped.stderr).toBe("");
  });

  it("transitions get and list call the model's routes, list --version the version's", async () => {
    expect((await cli(["transitions", "get", "fraud", ID])).sent).toEqual([
      `GET /v1/models/fraud/transitions/${ID}`,
    ]);
    const list = await cli(
      ["transitions", "list", "fraud", "--status", "AWAITING_APPROVAL", "--limit", "5"],
      () => ({
        body: { items: [] },
      }),
    );
    expect(list.sent).toEqual(["GET /v1/models/fraud/transitions?status=AWAITING_APPROVAL&limit=5"]);
    expect(JSON.parse(list.stdout)).toEqual({ items: [] });
    const version = await cli(["transitions", "list", "fraud", "--version", "7"], () => ({
      body: { items: [] },
    }));
    expect(version.sent).toEqual(["GET /v1/models/fraud/versions/7/transitions"]);
  });

  it("--all follows nextToken on transitions list, approvals list and stages history", async () => {
    const pages = [{ items: [{ n: 1 }], nextToken: "t1" }, { items: [{ n: 2 }] }];
    const paged = (_: SentRequest, index: number) => ({ body: pages[index] });
    const cases: [string[], string][] = [
      [["transitions", "list", "fraud", "--all", "--limit", "1"], "/v1/models/fraud/transitions"],
      [
        ["transitions", "list", "fraud", "--version", "3", "--all", "--limit", "1"],
        "/v1/models/fraud/versions/3/transitions",
      ],
      [["approvals", "list", "--all", "--limit", "1"], "/v1/approvals"],
      [
        ["stages", "history", "fraud", "production", "--all", "--limit", "1"],
        "/v1/models/fraud/stages/production/history",
      ],
    ];
    for (const [argv, path] of cases) {
      const run = await cli(argv, paged);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ items: [{ n: 1 }, { n: 2 }] });
      expect(run.sent).toEqual([`GET ${path}?limit=1`, `GET ${path}?limit=1&nextToken=t1`]);
    }
  });

  it("approve, reject and cancel POST their comment; cancel --force DELETEs", async () => {
    const approve = await cli(["transitions", "approve", "fraud", ID, "--comment", "shadow run looks good"]);
    expect(approve.sent).toEqual([`POST /v1/models/fraud/transitions/${ID}/approve`]);
    expect(approve.bodyOf()).toEqual({ comment: "shadow run looks good" });
    const bare = await cli(["transitions", "approve", "fraud", ID]);
    expect(bare.bodyOf()).toEqual({});

    const reject = await cli(["transitions", "reject", "fraud", ID, "--comment", "AUC too low"]);
    expect(reject.sent).toEqual([`POST /v1/models/fraud/transitions/${ID}/reject`]);
    expect(reject.bodyOf()).toEqual({ comment: "AUC too low" });

    const cancel = await cli(["transitions", "cancel", "fraud", ID, "--comment", "wrong version"]);
    expect(cancel.sent).toEqual([`POST /v1/models/fraud/transitions/${ID}/cancel`]);
    expect(cancel.bodyOf()).toEqual({ comment: "wrong version" });

    const force = await cli(["transitions", "cancel", "fraud", ID, "--force"]);
    expect(force.sent).toEqual([`DELETE /v1/models/fraud/transitions/${ID}`]);
    expect(force.requests[0]?.body).toBeUndefined();
    expect(force.code).toBe(0);
  });

  it("rollback POSTs the stage, and with --wait polls the rollback it started", async () => {
    const run = await cli(
      ["rollback", "fraud", "--stage", "production", "--comment", "v7 regressed", "--wait"],
      workflow("REQUESTED", "VALIDATING", "APPLIED"),
    );
    expect(run.code).toBe(0);
    expect(run.sent).toEqual([
      "POST /v1/models/fraud/rollback",
      `GET /v1/models/fraud/transitions/${ID}`,
      `GET /v1/models/fraud/transitions/${ID}`,
    ]);
    expect(run.bodyOf()).toEqual({ stage: "production", comment: "v7 regressed" });
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "APPLIED" });
  });

  it("an HTTP error of a lifecycle route prints the error body and exits 1", async () => {
    const error = { error: { code: "TransitionAlreadyOpen", message: "already open", transitionId: ID } };
    const run = await cli(["transitions", "request", "fraud", "7", "--to", "staging", "--wait"], () => ({
      status: 409,
      body: error,
    }));
    expect(run).toMatchObject({ code: 1, stdout: "" });
    expect(JSON.parse(run.stderr)).toEqual(error);
    expect(run.requests).toHaveLength(1);
  });

  it.each([
    [["transitions", "request", "fraud", "7"], /say which stage with --to STAGE/],
    [
      ["transitions", "request", "fraud", "7", "--to", "prod"],
      /--to "prod": expected one of development, staging, production, archived/,
    ],
    [["transitions", "request", "fraud", "latest", "--to", "staging"], /VERSION "latest"/],
    [
      ["transitions", "request", "fraud", "7", "--to", "staging", "--timeout", "5"],
      /--timeout applies with --wait/,
    ],
    [
      ["transitions", "request", "fraud", "7", "--to", "staging", "--wait", "--timeout", "0"],
      /--timeout "0"/,
    ],
    [
      ["transitions", "request", "fraud", "7", "--to", "staging", "--comment", ""],
      /--comment must not be empty/,
    ],
    [["transitions", "reject", "fraud", ID], /transitions reject: say why with --comment TEXT/],
    [
      ["transitions", "cancel", "fraud", ID, "--force", "--comment", "x"],
      /--force cancels without a comment/,
    ],
    [
      ["transitions", "cancel", "fraud", ID, "--force", "--idempotency-key", "k"],
      /takes no --idempotency-key/,
    ],
    [
      ["transitions", "list", "fraud", "--status", "applied"],
      /--status "applied": expected one of REQUESTED, /,
    ],
    [
      ["transitions", "list", "fraud", "--version", "3", "--status", "APPLIED"],
      /--status filters a model's transitions/,
    ],
    [["transitions", "list", "fraud", "--version", "x"], /--version "x"/],
    [["transitions", "get", "fraud", ID, "--wait"], /--wait: not an option of "registry transitions get"/],
    [["transitions", "wait", "fraud", ID, "--idempotency-key", "k"], /--idempotency-key applies to/],
    [
      ["transitions", "frobnicate"],
      /unknown command "transitions frobnicate" \(actions: request, get, list, approve/,
    ],
    [["rollback", "fraud"], /rollback: say which stage with --stage \(production\)/],
    [["rollback", "fraud", "--stage", "staging"], /--stage "staging": expected one of production/],
    [
      ["stages", "history", "fraud", "prod"],
      /STAGE "prod": expected one of development, staging, production, archived/,
    ],
    [["approvals", "list", "--limit", "500"], /--limit "500"/],
  ])("usage error %j exits 2 without a request", async (argv, message) => {
    const run = await cli(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain("Usage:");
    expect(run.requests).toHaveLength(0);
  });

  it("--help lists the lifecycle commands as the docs show them", async () => {
    const run = await cli(["transitions", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "registry transitions request MODEL VERSION --to STAGE [--comment TEXT] [--wait] [--timeout SECONDS]",
    );
    expect(run.stdout).toContain("registry transitions cancel MODEL ID [--comment TEXT] [--force]");
    expect(run.stdout).not.toContain("registry models list");
    const all = await cli(["--help"]);
    expect(all.stdout).toContain(
      "registry rollback MODEL --stage production [--comment TEXT] [--wait] [--timeout SECONDS]",
    );
    expect(all.stdout).toContain("registry stages history MODEL STAGE [--limit N] [--next-token T] [--all]");
    expect(all.stdout).toContain("registry approvals list [--limit N] [--next-token T] [--all]");
  });

  it("runs every lifecycle example of the docs without a usage error", async () => {
    const readme = ["cli.md", "stages-and-approvals.md"]
      .map((page) => readFileSync(new URL(`../../../docs/${page}`, import.meta.url), "utf8"))
      .join("\n");
    const examples = readme
      .split("\n")
      .map((line) =>
        line
          .replace(/^npx /, "")
          .replace(/\s+#.*$/, "")
          .trim(),
      )
      .filter((line) => /^registry (transitions|approvals|rollback|stages) [a-z0-9]/.test(line))
      .filter((line) => !/\b(MODEL|VERSION|ID)\b|\[/.test(line)); // not the synopsis lines
    expect(examples.length).toBeGreaterThanOrEqual(12);
    for (const example of examples) {
      // Words, with "double-quoted" ones kept whole (the README's examples need no more of a shell).
      const words = [...example.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? "").slice(1);
      const polls = workflow("REQUESTED", "VALIDATING", "APPLIED");
      // Lists answer an empty page; a transition's routes answer it, APPLIED on the second poll.
      const reply = (request: SentRequest) =>
        request.method === "GET" && !/\/transitions\/[0-9A-Z]{26}/.test(request.url.pathname)
          ? { body: { items: [] } }
          : polls(request);
      const run = await cli(words, reply);
      expect({ example, code: run.code, stderr: run.stderr }).toEqual({ example, code: 0, stderr: "" });
    }
  });
});
