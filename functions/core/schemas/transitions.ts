/** Stage transitions: requests, validation reports, approvals, rollback and stage history. */
import { z } from "zod";
import { Limit, NextToken } from "./lists.ts";
import { STAGES, Stage, TransitionId, TransitionStatus } from "./names.ts";

export const Comment = z
  .string()
  .min(1, { error: "must not be empty" })
  .max(2000, { error: "must be at most 2000 characters" });

export const RequestTransitionInput = z
  .object({
    to: Stage,
    comment: Comment.optional(),
  })
  .strict()
  .meta({ id: "RequestTransitionInput" });
export type RequestTransitionInput = z.infer<typeof RequestTransitionInput>;

export const ApproveInput = z.object({ comment: Comment.optional() }).strict().meta({ id: "ApproveInput" });
export type ApproveInput = z.infer<typeof ApproveInput>;

export const RejectInput = z
  .object({ comment: Comment.meta({ description: "why: required, the requester reads it" }) })
  .strict()
  .meta({ id: "RejectInput" });
export type RejectInput = z.infer<typeof RejectInput>;

export const CancelInput = z.object({ comment: Comment.optional() }).strict().meta({ id: "CancelInput" });
export type CancelInput = z.infer<typeof CancelInput>;

/** Stages a rollback can restore: those with one holder at a time. */
export const ROLLBACK_STAGES = ["production"] as const;
export const RollbackInput = z
  .object({
    stage: z.enum(ROLLBACK_STAGES).meta({ description: "the stage whose previous holder comes back" }),
    comment: Comment.optional(),
  })
  .strict()
  .meta({ id: "RollbackInput" });
export type RollbackInput = z.infer<typeof RollbackInput>;

/** One check of a validation report. */
export const ValidationCheck = z
  .object({
    check: z.string().meta({ example: "metrics.auc" }),
    expected: z.string().meta({ example: ">= 0.9" }),
    actual: z.string().meta({ example: "0.87" }),
    passed: z.boolean(),
  })
  .meta({ id: "ValidationCheck" });
export type ValidationCheck = z.infer<typeof ValidationCheck>;

export const ValidationReport = z
  .object({
    passed: z.boolean(),
    checks: z.array(ValidationCheck),
    at: z.iso.datetime(),
  })
  .meta({ id: "ValidationReport" });
export type ValidationReport = z.infer<typeof ValidationReport>;

export const ApprovalDecision = z
  .object({
    by: z.string(),
    decision: z.enum(["APPROVED", "REJECTED"]),
    comment: z.string().optional(),
    at: z.iso.datetime(),
  })
  .meta({ id: "ApprovalDecision" });
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

export const TRANSITION_KINDS = ["promotion", "rollback"] as const;

export const Transition = z
  .object({
    id: TransitionId,
    model: z.string(),
    version: z.number().int(),
    from: Stage,
    to: Stage,
    kind: z.enum(TRANSITION_KINDS).meta({
      description: "rollback: restores the previous holder of a stage (POST /models/{model}/rollback)",
    }),
    status: TransitionStatus,
    comment: z.string().optional(),
    requestedBy: z.string(),
    requestedAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    approvalsRequired: z.number().int().meta({
      description: "distinct approvals needed before the change is applied (from the policy, as requested)",
    }),
    allowSelfApproval: z.boolean(),
    validation: ValidationReport.optional(),
    approvalDeadline: z.iso
      .datetime()
      .optional()
      .meta({ description: "while AWAITING_APPROVAL: when the request times out" }),
    approvals: z.array(ApprovalDecision),
    previous: z
      .number()
      .int()
      .optional()
      .meta({ description: "once APPLIED: the version that left the target stage in the same change" }),
    reason: z.string().optional().meta({ description: "why the transition ended without applying" }),
    endedAt: z.iso.datetime().optional(),
    endedBy: z.string().optional(),
  })
  .meta({ id: "Transition" });
export type Transition = z.infer<typeof Transition>;

export const ListTransitionsQuery = z
  .object({ status: TransitionStatus.optional(), limit: Limit, nextToken: NextToken })
  .strict();
export type ListTransitionsQuery = z.infer<typeof ListTransitionsQuery>;

export const ListApprovalsQuery = z.object({ limit: Limit, nextToken: NextToken }).strict();
export type ListApprovalsQuery = z.infer<typeof ListApprovalsQuery>;

/** One tenure of a version in a stage: from when to when, moved in and out by whom. */
export const StageTenure = z
  .object({
    stage: Stage,
    version: z.number().int(),
    from: z.iso.datetime(),
    enteredBy: z.string(),
    enteredWith: z.string().optional().meta({ description: "the transition that moved it in" }),
    approvedBy: z.array(z.string()),
    until: z.iso.datetime().optional().meta({ description: "absent while the version holds the stage" }),
    leftBy: z.string().optional(),
    leftWith: z.string().optional().meta({ description: "the transition that moved it out" }),
  })
  .meta({ id: "StageTenure" });
export type StageTenure = z.infer<typeof StageTenure>;

export const StageParam = z.enum(STAGES);
