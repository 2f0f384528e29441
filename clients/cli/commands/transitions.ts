import {
  awaitsApprovals,
  describeTransition,
  ROLLBACK_STAGES,
  STAGES,
  TRANSITION_STATUSES,
  waitForTransition,
} from "../../typescript/transitions.ts";
import type { Transition } from "../../typescript/types.ts";
import { parseInteger, parseVersion } from "../flag-values.ts";
import { UsageError } from "../usage-error.ts";
import {
  type Command,
  type CommandContext,
  commandWithoutOptions,
  Failed,
  listing,
  operand,
  PAGE_OPTIONS,
  PAGE_SYNOPSIS,
} from "./command.ts";

/** `value` if it is one of `allowed`, else a usage error naming where it came from. */
function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${name} ${JSON.stringify(value)}: expected one of ${allowed.join(", ")}`);
  }
  return value as T;
}

function comment(context: CommandContext): string | undefined {
  const text = context.flags.comment;
  if (text === "") throw new UsageError("--comment must not be empty");
  return text;
}

/** `--timeout SECONDS` in milliseconds; it only means something with a wait. */
function timeoutMs(context: CommandContext, waits: boolean): number | undefined {
  const raw = context.flags.timeout;
  if (raw === undefined) return undefined;
  if (!waits) throw new UsageError("--timeout applies with --wait");
  return parseInteger("--timeout", raw, 1) * 1000;
}

/**
 * Polls the transition until it has ended or awaits approvals, then prints it: exit 0 when it
 * is APPLIED or waits for approvers, 1 when it ended otherwise (its status and reason on stderr).
 */
async function waitAndReport(
  context: CommandContext,
  model: string,
  id: string,
  timeout: number | undefined,
): Promise<Transition | Failed> {
  const line = context.status();
  let transition: Transition;
  try {
    transition = await waitForTransition(context.client(), model, id, {
      timeoutMs: timeout,
      until: ["AWAITING_APPROVAL"],
      onPoll: (polled) => line.update(`waiting: ${describeTransition(polled)}`),
      sleep: context.transfer.sleep,
      now: context.transfer.now,
    });
  } finally {
    line.done();
  }
  if (transition.status === "APPLIED") return transition;
  if (awaitsApprovals(transition)) {
    context.note(
      `registry: ${describeTransition(transition)}; an approver runs 'registry transitions approve ${model} ${id}'\n`,
    );
    return transition;
  }
  context.note(`registry: ${describeTransition(transition)}\n`);
  return new Failed(transition);
}

const WAIT_SYNOPSIS = "[--wait] [--timeout SECONDS]";

export const transitionCommands: Command[] = [
  {
    words: ["transitions", "request"],
    operands: ["MODEL", "VERSION"],
    options: ["to", "comment", "wait", "timeout"],
    synopsis: `--to STAGE [--comment TEXT] ${WAIT_SYNOPSIS}`,
    idempotent: true,
    run: async (context) => {
      const model = operand(context, 0);
      const version = parseVersion("VERSION", operand(context, 1));
      const raw = context.flags.to;
      if (raw === undefined) {
        throw new UsageError(`transitions request: say which stage with --to STAGE (${STAGES.join(", ")})`);
      }
      const to = oneOf("--to", raw, STAGES);
      const text = comment(context);
      const waits = context.flags.wait === true;
      const timeout = timeoutMs(context, waits);
      const requested = await context
        .client()
        .requestTransition(model, version, { to, comment: text }, context.write);
      return waits ? waitAndReport(context, model, requested.id, timeout) : requested;
    },
  },
  commandWithoutOptions(["transitions", "get"], ["MODEL", "ID"], (context) =>
    context.client().getTransition(operand(context, 0), operand(context, 1)),
  ),
  {
    words: ["transitions", "list"],
    operands: ["MODEL"],
    options: ["version", "status", ...PAGE_OPTIONS],
    synopsis: `[--version N] [--status S] ${PAGE_SYNOPSIS}`,
    run: (context) => {
      const model = operand(context, 0);
      const { version: rawVersion, status: rawStatus } = context.flags;
      const status = rawStatus === undefined ? undefined : oneOf("--status", rawStatus, TRANSITION_STATUSES);
      if (rawVersion === undefined) {
        return listing(context, (limit, nextToken) =>
          context.client().listTransitions(model, { status, limit, nextToken }),
        );
      }
      const version = parseVersion("--version", rawVersion);
      if (status !== undefined) {
        throw new UsageError(
          "--status filters a model's transitions; a version's (--version) are not filtered",
        );
      }
      return listing(context, (limit, nextToken) =>
        context.client().listVersionTransitions(model, version, { limit, nextToken }),
      );
    },
  },
  {
    words: ["transitions", "approve"],
    operands: ["MODEL", "ID"],
    options: ["comment"],
    synopsis: "[--comment TEXT]",
    idempotent: true,
    run: (context) => {
      const text = comment(context);
      return context
        .client()
        .approveTransition(operand(context, 0), operand(context, 1), { comment: text }, context.write);
    },
  },
  {
    words: ["transitions", "reject"],
    operands: ["MODEL", "ID"],
    options: ["comment"],
    synopsis: "--comment TEXT",
    idempotent: true,
    run: (context) => {
      const text = comment(context);
      if (text === undefined) throw new UsageError("transitions reject: say why with --comment TEXT");
      return context
        .client()
        .rejectTransition(operand(context, 0), operand(context, 1), { comment: text }, context.write);
    },
  },
  {
    words: ["transitions", "cancel"],
    operands: ["MODEL", "ID"],
    options: ["comment", "force"],
    synopsis: "[--comment TEXT] [--force]",
    idempotent: true,
    run: (context) => {
      const [model, id] = [operand(context, 0), operand(context, 1)];
      const text = comment(context);
      if (!context.flags.force) {
        return context.client().cancelTransition(model, id, { comment: text }, context.write);
      }
      // An admin's cancel of anyone's request is a DELETE: no body, no idempotency key.
      if (text !== undefined) throw new UsageError("--force cancels without a comment: leave out --comment");
      if (context.write.idempotencyKey !== undefined) {
        throw new UsageError("--force cancels with a DELETE, which takes no --idempotency-key");
      }
      return context.client().forceCancelTransition(model, id);
    },
  },
  {
    words: ["transitions", "wait"],
    operands: ["MODEL", "ID"],
    options: ["timeout"],
    synopsis: "[--timeout SECONDS]",
    run: (context) =>
      waitAndReport(context, operand(context, 0), operand(context, 1), timeoutMs(context, true)),
  },
  {
    words: ["approvals", "list"],
    operands: [],
    options: [...PAGE_OPTIONS],
    synopsis: PAGE_SYNOPSIS,
    run: (context) =>
      listing(context, (limit, nextToken) => context.client().listApprovals({ limit, nextToken })),
  },
  {
    words: ["rollback"],
    operands: ["MODEL"],
    options: ["stage", "comment", "wait", "timeout"],
    synopsis: `--stage ${ROLLBACK_STAGES.join("|")} [--comment TEXT] ${WAIT_SYNOPSIS}`,
    idempotent: true,
    run: async (context) => {
      const model = operand(context, 0);
      const raw = context.flags.stage;
      if (raw === undefined) {
        throw new UsageError(`rollback: say which stage with --stage (${ROLLBACK_STAGES.join(", ")})`);
      }
      const stage = oneOf("--stage", raw, ROLLBACK_STAGES);
      const text = comment(context);
      const waits = context.flags.wait === true;
      const timeout = timeoutMs(context, waits);
      const requested = await context.client().rollback(model, { stage, comment: text }, context.write);
      return waits ? waitAndReport(context, model, requested.id, timeout) : requested;
    },
  },
  {
    words: ["stages", "history"],
    operands: ["MODEL", "STAGE"],
    options: [...PAGE_OPTIONS],
    synopsis: PAGE_SYNOPSIS,
    run: (context) => {
      const model = operand(context, 0);
      const stage = oneOf("STAGE", operand(context, 1), STAGES);
      return listing(context, (limit, nextToken) =>
        context.client().getStageHistory(model, stage, { limit, nextToken }),
      );
    },
  },
];
