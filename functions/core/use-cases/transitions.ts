/**
 * Use cases of stage transitions: one exported function per operationId of the route table's
 * `transitions` group. A request is only recorded here (202); the workflow (started by the
 * `Stage Transition Requested` event) validates, waits for approvals and applies it, through
 * `lifecycle/workflow-steps.ts`. Approve, reject and cancel record the decision in one
 * transaction and then resume or stop the waiting execution through the `WorkflowControl` port.
 */
import { ulid } from "ulid";
import {
  ApprovalRefusedError,
  NothingToRollBackError,
  NotTheRequesterError,
  TransitionAlreadyOpenError,
  TransitionNotAllowedError,
  TransitionStateError,
  VersionNotFoundError,
  VersionNotReadyError,
} from "../errors.ts";
import { HOW_TO_VOUCH, type Identity, identify, maybeSamePerson } from "../identity.ts";
import type { Outcome, RequestContext } from "../kernel/context.ts";
import type { CoreDeps } from "../kernel/deps.ts";
import { changeModel } from "../kernel/model-change.ts";
import { nowIso, requireModel, requireVersion } from "../kernel/reads.ts";
import { mutate, mutateIdempotently } from "../kernel/unit-of-work.ts";
import { policyDigest, stricterPolicy } from "../lifecycle/policy.ts";
import {
  allowedTargets,
  approvalRule,
  holderOf,
  isAllowedTransition,
  openKey,
  STAGES_REQUIRING_READY,
  type StageName,
  stageRequirements,
} from "../lifecycle/stages.ts";
import {
  changeTransition,
  type Ending,
  endTransition,
  isOpen,
  requireTransition,
  transitionFacts,
} from "../lifecycle/transition-change.ts";
import type { Page, WorkflowStopReason, WriteOp } from "../ports.ts";
import {
  type ModelRecord,
  type TransitionRecord,
  toStageTenureView,
  toTransitionView,
  type VersionRecord,
} from "../records.ts";
import type {
  ApproveInput,
  CancelInput,
  ListApprovalsQuery,
  ListTransitionsQuery,
  PageQuery,
  RejectInput,
  RequestTransitionInput,
  RollbackInput,
  StageTenure,
  Transition,
} from "../schemas.ts";

export async function requestTransition(
  deps: CoreDeps,
  name: string,
  number: number,
  input: RequestTransitionInput,
  ctx: RequestContext,
): Promise<Outcome<Transition>> {
  return mutateIdempotently(deps, ctx, `model '${name}'`, async () => {
    const [model, version] = await Promise.all([
      requireModel(deps, name),
      deps.store.getVersion(name, number),
    ]);
    if (!version) throw new VersionNotFoundError(name, number);
    const from = version.stage as StageName;
    const to = input.to;
    if (from === to) {
      throw new TransitionNotAllowedError(`version ${number} of '${name}' is already in ${to}`);
    }
    if (!isAllowedTransition(from, to)) {
      throw new TransitionNotAllowedError(
        `version ${number} of '${name}' is in ${from}, which moves only to ${allowedTargets(from).join(" or ")}; ${to} is not allowed from there (see the README's table of allowed transitions)`,
      );
    }
    if (STAGES_REQUIRING_READY.includes(to) && version.status !== "READY") {
      throw new VersionNotReadyError(name, number, version.status, `only sealed versions can enter ${to}`);
    }
    return openRequest(deps, model, version, to, "promotion", input.comment, ctx);
  });
}

/**
 * Rollback: the most recent earlier holder of the stage is requested back into it, through the
 * same workflow: its integrity is checked again (still READY, still where it was), its stage's
 * requirements are not (it met them when it served; README, "Rollback"), approvals still apply.
 */
export async function rollback(
  deps: CoreDeps,
  name: string,
  input: RollbackInput,
  ctx: RequestContext,
): Promise<Outcome<Transition>> {
  return mutateIdempotently(deps, ctx, `model '${name}'`, async () => {
    const model = await requireModel(deps, name);
    const stage = input.stage;
    const current = holderOf(model, stage);
    const previous = await previousHolder(deps, name, stage, current);
    if (previous === undefined) {
      throw new NothingToRollBackError(
        `model '${name}' has had no other version in ${stage}${current === undefined ? "" : ` than ${current}`}: there is nothing to roll back to`,
      );
    }
    const version = await deps.store.getVersion(name, previous);
    if (!version) {
      throw new NothingToRollBackError(
        `version ${previous} of '${name}', the previous holder of ${stage}, no longer exists`,
      );
    }
    if (version.status !== "READY") {
      throw new VersionNotReadyError(
        name,
        previous,
        version.status,
        `only sealed versions can enter ${stage}`,
      );
    }
    return openRequest(deps, model, version, stage, "rollback", input.comment, ctx);
  });
}

/** The newest tenure of `stage` held by a version other than `current`. */
async function previousHolder(
  deps: CoreDeps,
  name: string,
  stage: string,
  current: number | undefined,
): Promise<number | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await deps.store.listStageTenures(name, stage, { limit: 25, nextToken });
    const found = page.items.find((tenure) => tenure.version !== current);
    if (found) return found.version;
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

/** Records a new request (REQUESTED) and its history entry; the event starts the workflow. */
function openRequest(
  deps: CoreDeps,
  model: ModelRecord,
  version: VersionRecord,
  to: StageName,
  kind: TransitionRecord["kind"],
  comment: string | undefined,
  ctx: RequestContext,
): { writes: WriteOp[]; result: Transition } {
  const key = openKey(version.version, to);
  const open = model.openTransitions?.[key];
  if (open !== undefined && Object.hasOwn(model.openTransitions ?? {}, key)) {
    throw new TransitionAlreadyOpenError(model.name, version.version, to, open);
  }
  const now = deps.clock.now();
  const at = now.toISOString();
  // The rules in force: the stricter of the organisation's floor and the model's own policy.
  const floor = deps.governance.policyFloor;
  const policy = stricterPolicy(floor, model.policy);
  const approvals = approvalRule(policy, to, version.stage as StageName);
  const requirements = stageRequirements(policy, to);
  const floorRequirements = kind === "rollback" ? stageRequirements(floor, to) : undefined;
  const digest = policyDigest(policy);
  const record: TransitionRecord = {
    id: ulid(now.getTime()),
    model: model.name,
    version: version.version,
    from: version.stage,
    to,
    kind,
    status: "REQUESTED",
    ...(comment !== undefined && { comment }),
    requestedBy: ctx.actor,
    requestedAt: at,
    updatedAt: at,
    approvalsRequired: approvals.required,
    allowSelfApproval: approvals.allowSelfApproval,
    policyDigest: digest,
    approvals: [],
    ...(requirements && { requirements }),
    ...(floorRequirements && { floorRequirements }),
    rev: 1,
  };
  const change = changeModel(
    model,
    ctx,
    at,
    transitionFacts(record, "TRANSITION_REQUESTED", {
      kind,
      comment: comment ?? null,
      policyDigest: digest,
      approvalsRequired: approvals.required,
    }),
    { set: { openTransitions: { ...model.openTransitions, [key]: record.id } }, stamp: false },
  );
  return {
    writes: [...change.writes, { kind: "putTransition", record, expectRev: null }],
    result: toTransitionView(record),
  };
}

export async function getTransition(deps: CoreDeps, name: string, id: string): Promise<Transition> {
  const [transition] = await Promise.all([requireTransition(deps, name, id), requireModel(deps, name)]);
  return toTransitionView(transition);
}

export async function listTransitions(
  deps: CoreDeps,
  name: string,
  query: ListTransitionsQuery,
): Promise<Page<Transition>> {
  await requireModel(deps, name);
  const page = await deps.store.listTransitions(name, query);
  return { ...page, items: page.items.map(toTransitionView) };
}

export async function listVersionTransitions(
  deps: CoreDeps,
  name: string,
  number: number,
  query: PageQuery,
): Promise<Page<Transition>> {
  await requireVersion(deps, name, number);
  const page = await deps.store.listTransitions(name, { ...query, version: number });
  return { ...page, items: page.items.map(toTransitionView) };
}

export async function listApprovals(deps: CoreDeps, query: ListApprovalsQuery): Promise<Page<Transition>> {
  const page = await deps.store.listOpenTransitions({ ...query, status: "AWAITING_APPROVAL" });
  return { ...page, items: page.items.map(toTransitionView) };
}

export async function getStageHistory(
  deps: CoreDeps,
  name: string,
  stage: string,
  query: PageQuery,
): Promise<Page<StageTenure>> {
  await requireModel(deps, name);
  const page = await deps.store.listStageTenures(name, stage, query);
  return { ...page, items: page.items.map(toStageTenureView) };
}

/**
 * Records an approval. The requester may not approve their own request unless the policy allows
 * it, and each principal counts once. The approval that completes the count resumes the
 * workflow (after the commit): approving again when that resume was lost resumes it again.
 */
export async function approveTransition(
  deps: CoreDeps,
  name: string,
  id: string,
  input: ApproveInput,
  ctx: RequestContext,
): Promise<Outcome<Transition>> {
  let resumeWith: string | undefined;
  const outcome = await mutateIdempotently(deps, ctx, `transition '${id}'`, async () => {
    resumeWith = undefined;
    const [model, transition] = await Promise.all([
      requireModel(deps, name),
      requireTransition(deps, name, id),
    ]);
    awaitingDecision(transition, "approved", deps);
    const personBound = deps.governance.personBoundRoles;
    const approver = identify(ctx.actor, personBound);
    checkVouched(transition, approver);
    if (
      !transition.allowSelfApproval &&
      maybeSamePerson(identify(transition.requestedBy, personBound), approver)
    ) {
      throw new ApprovalRefusedError(
        transition.requestedBy === ctx.actor
          ? `you requested transition ${id}: the policy of '${name}' needs the approval of someone else (four eyes)`
          : `transition ${id} was requested by ${transition.requestedBy}, who may be you (${ctx.actor}: the same person or name): the policy of '${name}' needs the approval of someone else (four eyes)`,
      );
    }
    const approved = transition.approvals.filter((a) => a.decision === "APPROVED");
    if (approved.some((a) => maybeSamePerson(approvalIdentity(a, personBound), approver))) {
      if (approved.length >= transition.approvalsRequired && transition.taskToken) {
        // Already complete: the resume after that approval was lost; send it again.
        resumeWith = transition.taskToken;
        return { writes: [], result: toTransitionView(transition) };
      }
      throw new ApprovalRefusedError(
        `you already approved transition ${id} (as ${approver.person}); it needs ${transition.approvalsRequired} approvals from distinct people (${approved.length} so far)`,
      );
    }
    const now = nowIso(deps);
    const approvals = [
      ...transition.approvals,
      {
        by: ctx.actor,
        decision: "APPROVED" as const,
        ...(input.comment !== undefined && { comment: input.comment }),
        at: now,
        person: approver.person,
        identitySource: approver.source,
      },
    ];
    const count = approved.length + 1;
    const changed = changeTransition(transition, now, { approvals });
    const change = changeModel(
      model,
      ctx,
      now,
      transitionFacts(transition, "TRANSITION_APPROVED", {
        by: ctx.actor,
        person: approver.person,
        identitySource: approver.source,
        comment: input.comment ?? null,
        approvals: count,
        required: transition.approvalsRequired,
      }),
      { stamp: false },
    );
    if (count >= transition.approvalsRequired) resumeWith = transition.taskToken;
    return { writes: [...change.writes, changed.write], result: toTransitionView(changed.transition) };
  });
  if (resumeWith && !outcome.replayed) {
    const resumed = await deps.workflow.resume(resumeWith, {
      approvedBy: outcome.value.approvals.map((a) => a.by),
    });
    if (!resumed) return { ...outcome, value: await recoverApproved(deps, name, id, resumeWith, ctx) };
  }
  return outcome;
}

/**
 * The approvals are complete, but no execution waits on the request's task token any more (it
 * was stopped outside the registry, or its wait ended some other way): the approval is recorded
 * and must not be lost, and the request must not stay open for nobody. A new execution takes the
 * request over (`resume`: it claims it, sees the approvals complete, and applies it, checking the
 * evidence again). When none can be started either, the request ends FAILED, in history, and
 * the caller is told (409) instead of a 200 that nothing would follow.
 */
async function recoverApproved(
  deps: CoreDeps,
  name: string,
  id: string,
  token: string,
  ctx: RequestContext,
): Promise<Transition> {
  const current = await requireTransition(deps, name, id);
  // Someone else got there first (another approval's recovery, a cancellation): nothing to do.
  if (current.status !== "AWAITING_APPROVAL" || current.taskToken !== token) return toTransitionView(current);
  let problem: string;
  try {
    if (!current.execution) throw new Error("the request names no execution");
    // Named after the request and its revision: a second recovery of the same state is the same start.
    await deps.workflow.restart(
      { model: name, transitionId: id },
      current.execution,
      `recover-${id}-${current.rev}`,
    );
    deps.logger.error("approval could not resume its execution: a new one took the request over", {
      model: name,
      transitionId: id,
      execution: current.execution ?? null,
    });
    return toTransitionView(current);
  } catch (error) {
    problem = (error as Error).name || "Error";
    deps.logger.error("approval could not resume its execution, nor start a new one", {
      model: name,
      transitionId: id,
      error: (error as Error).message,
    });
  }
  const ended = await mutate(deps, `transition '${id}'`, async () => {
    const [model, transition] = await Promise.all([
      requireModel(deps, name),
      requireTransition(deps, name, id),
    ]);
    if (transition.status !== "AWAITING_APPROVAL" || transition.taskToken !== token) {
      return { writes: [], result: transition };
    }
    const now = nowIso(deps);
    const result = endTransition(model, transition, ctx, now, {
      status: "FAILED",
      action: "TRANSITION_FAILED",
      reason: `approved, but ${goneBecause(problem)}: request the transition again`,
    });
    return { writes: result.writes, result: result.transition };
  });
  if (ended.status !== "FAILED") return toTransitionView(ended);
  throw new TransitionStateError(
    `transition ${id}: your approval was recorded, but ${goneBecause(problem)}, so the request ended FAILED: request the transition again`,
  );
}

const goneBecause = (problem: string) =>
  `the workflow execution waiting for the approvals was gone (stopped outside the registry) and a new one could not be started (${problem})`;

export async function rejectTransition(
  deps: CoreDeps,
  name: string,
  id: string,
  input: RejectInput,
  ctx: RequestContext,
): Promise<Outcome<Transition>> {
  return endAndStop(deps, name, id, ctx, { error: "Rejected", cause: input.comment }, (transition, now) => {
    awaitingDecision(transition, "rejected", deps);
    return {
      status: "REJECTED",
      action: "TRANSITION_REJECTED",
      by: ctx.actor,
      comment: input.comment,
      reason: `rejected by ${ctx.actor}: ${input.comment}`,
      set: {
        approvals: [
          ...transition.approvals,
          { by: ctx.actor, decision: "REJECTED", comment: input.comment, at: now },
        ],
      },
    };
  });
}

/** The requester cancels their own open request. */
export async function cancelTransition(
  deps: CoreDeps,
  name: string,
  id: string,
  input: CancelInput,
  ctx: RequestContext,
): Promise<Outcome<Transition>> {
  return cancel(deps, name, id, input.comment, ctx, true);
}

/** An admin cancels anyone's open request (DELETE, which IAM grants to admins only). */
export async function forceCancelTransition(
  deps: CoreDeps,
  name: string,
  id: string,
  ctx: RequestContext,
): Promise<Transition> {
  return (await cancel(deps, name, id, undefined, ctx, false)).value;
}

function cancel(
  deps: CoreDeps,
  name: string,
  id: string,
  comment: string | undefined,
  ctx: RequestContext,
  ownOnly: boolean,
): Promise<Outcome<Transition>> {
  const stop = { error: "Cancelled" as const, cause: comment ?? "cancelled" };
  return endAndStop(deps, name, id, ctx, stop, (transition) => {
    if (ownOnly && transition.requestedBy !== ctx.actor) {
      throw new NotTheRequesterError(
        `transition ${id} was requested by ${transition.requestedBy}: only the requester cancels it here (an admin can cancel any request with DELETE /models/${name}/transitions/${id})`,
      );
    }
    if (!isOpen(transition)) {
      throw new TransitionStateError(
        `transition ${id} is ${transition.status}: only open requests can be cancelled`,
      );
    }
    return {
      status: "CANCELLED",
      action: "TRANSITION_CANCELLED",
      by: ctx.actor,
      ...(comment !== undefined && { comment }),
      reason: `cancelled by ${ctx.actor}${comment ? `: ${comment}` : ""}`,
    };
  });
}

/**
 * Ends a request by a caller's decision (reject, cancel) in one transaction, then stops the
 * execution waiting on it, if one waits. `decide` checks the request and says how it ends.
 */
async function endAndStop(
  deps: CoreDeps,
  name: string,
  id: string,
  ctx: RequestContext,
  stop: { error: WorkflowStopReason; cause: string },
  decide: (transition: TransitionRecord, now: string) => Ending,
): Promise<Outcome<Transition>> {
  let token: string | undefined;
  const outcome = await mutateIdempotently(deps, ctx, `transition '${id}'`, async () => {
    const [model, transition] = await Promise.all([
      requireModel(deps, name),
      requireTransition(deps, name, id),
    ]);
    const now = nowIso(deps);
    const ended = endTransition(model, transition, ctx, now, decide(transition, now));
    token = transition.taskToken;
    return { writes: ended.writes, result: toTransitionView(ended.transition) };
  });
  if (token && !outcome.replayed) await deps.workflow.fail(token, stop.error, stop.cause);
  return outcome;
}

/**
 * Where a policy needs two or more approvals or forbids self-approval, only an approval from a
 * person something vouches for counts: an assumed role's session name is the caller's choice.
 */
function checkVouched(transition: TransitionRecord, approver: Identity): void {
  if (approver.source !== "unvouched") return;
  if (transition.approvalsRequired < 2 && transition.allowSelfApproval) return;
  const why =
    transition.approvalsRequired >= 2
      ? `needs ${transition.approvalsRequired} approvals from distinct people`
      : "forbids approving one's own request";
  throw new ApprovalRefusedError(
    `the policy of transition ${transition.id} ${why}, and nothing vouches for who ${approver.arn} is (an assumed role's session name is chosen by whoever assumes it): ${HOW_TO_VOUCH}`,
  );
}

/** Who gave a recorded approval: as recorded, or (an approval recorded before people were) from its ARN. */
function approvalIdentity(
  approval: TransitionRecord["approvals"][number],
  personBound: CoreDeps["governance"]["personBoundRoles"],
): Identity {
  const fromArn = identify(approval.by, personBound);
  return approval.person !== undefined && approval.identitySource !== undefined
    ? { ...fromArn, person: approval.person, source: approval.identitySource }
    : fromArn;
}

/** Approve and reject need a request that waits for approvals and has not run out of time. */
function awaitingDecision(transition: TransitionRecord, decision: string, deps: CoreDeps): void {
  if (transition.status !== "AWAITING_APPROVAL") {
    const when =
      transition.status === "REQUESTED" || transition.status === "VALIDATING"
        ? "it has not passed validation yet; try again when it is AWAITING_APPROVAL"
        : "it has ended";
    throw new TransitionStateError(
      `transition ${transition.id} is ${transition.status}, so it cannot be ${decision}: ${when}`,
    );
  }
  if (transition.approvalDeadline && transition.approvalDeadline <= nowIso(deps)) {
    throw new TransitionStateError(
      `transition ${transition.id} waited for approvals until ${transition.approvalDeadline} and timed out: request it again`,
    );
  }
}
