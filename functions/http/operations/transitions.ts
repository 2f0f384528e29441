/**
 * The operations of the `transitions` route group: stage transitions, approvals, rollbacks and
 * stage history.
 */
import * as z from "zod/mini";
import {
  ApproveInput,
  CancelInput,
  ListApprovalsQuery,
  ListTransitionsQuery,
  ModelName,
  PageQuery,
  RejectInput,
  RequestTransitionInput,
  RollbackInput,
  StageParam,
  TransitionId,
} from "#core/schemas.ts";
import { ModelParams, type OperationSpec, VersionParams } from "./spec.ts";

const TransitionParams = z.object({ model: ModelName, transition: TransitionId });

export const transitionOperations = {
  requestTransition: {
    params: VersionParams,
    body: RequestTransitionInput,
    success: {
      status: 202,
      description:
        "the request, REQUESTED: the workflow validates it, waits for approvals where the policy asks, then applies it; poll GET the transition or subscribe to the events",
    },
    idempotent: true,
  },
  listVersionTransitions: {
    params: VersionParams,
    query: PageQuery,
    success: {
      status: 200,
      description: "the version's transitions, newest first",
    },
  },
  listTransitions: {
    params: ModelParams,
    query: ListTransitionsQuery,
    success: {
      status: 200,
      description: "the model's transitions, newest first",
    },
  },
  getTransition: {
    params: TransitionParams,
    success: { status: 200, description: "the transition" },
  },
  approveTransition: {
    params: TransitionParams,
    body: ApproveInput,
    success: {
      status: 200,
      description: "the transition with your approval; the last approval needed resumes the workflow",
    },
    idempotent: true,
  },
  rejectTransition: {
    params: TransitionParams,
    body: RejectInput,
    success: { status: 200, description: "the transition, REJECTED" },
    idempotent: true,
  },
  cancelTransition: {
    params: TransitionParams,
    body: CancelInput,
    success: { status: 200, description: "the transition, CANCELLED" },
    idempotent: true,
  },
  forceCancelTransition: {
    params: TransitionParams,
    success: { status: 200, description: "the transition, CANCELLED" },
  },
  listApprovals: {
    query: ListApprovalsQuery,
    success: {
      status: 200,
      description: "transitions awaiting approval across every model, oldest first",
    },
  },
  rollback: {
    params: ModelParams,
    body: RollbackInput,
    success: {
      status: 202,
      description:
        "the rollback request, REQUESTED: the previous holder of the stage goes back through the workflow",
    },
    idempotent: true,
  },
  getStageHistory: {
    params: z.object({ model: ModelName, stage: StageParam }),
    query: PageQuery,
    success: {
      status: 200,
      description: "the stage's holders, newest first",
    },
  },
} satisfies Record<string, OperationSpec>;
