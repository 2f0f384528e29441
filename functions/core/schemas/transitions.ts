/** Stage transitions: requests, validation reports, approvals, rollback and stage history. */
import * as z from "zod/mini";
import { IDENTITY_SOURCES } from "../identity.ts";
import { Limit, NextToken } from "./lists.ts";
import { STAGES, Stage, TransitionId, TransitionStatus } from "./names.ts";
import { ROLLBACK_STAGES } from "./vocabulary.ts";

export { ROLLBACK_STAGES };

export const Comment = z
  .string()
  .check(
    z.minLength(1, { error: "must not be empty" }),
    z.maxLength(2000, { error: "must be at most 2000 characters" }),
  );

export const RequestTransitionInput = z
  .strictObject({
    to: Stage,
    comment: z.optional(Comment),
  })
  .register(z.globalRegistry, { id: "RequestTransitionInput" });
export type RequestTransitionInput = z.infer<typeof RequestTransitionInput>;

export const ApproveInput = z
  .strictObject({ comment: z.optional(Comment) })
  .register(z.globalRegistry, { id: "ApproveInput" });
export type ApproveInput = z.infer<typeof ApproveInput>;

export const RejectInput = z
  .strictObject({ comment: Comment.check(z.meta({ description: "why: required, the requester reads it" })) })
  .register(z.globalRegistry, { id: "RejectInput" });
export type RejectInput = z.infer<typeof RejectInput>;

export const CancelInput = z
  .strictObject({ comment: z.optional(Comment) })
  .register(z.globalRegistry, { id: "CancelInput" });
export type CancelInput = z.infer<typeof CancelInput>;

export const RollbackInput = z
  .strictObject({
    stage: z
      .enum(ROLLBACK_STAGES)
      .register(z.globalRegistry, { description: "the stage whose previous holder comes back" }),
    comment: z.optional(Comment),
  })
  .register(z.globalRegistry, { id: "RollbackInput" });
export type RollbackInput = z.infer<typeof RollbackInput>;

/** One check of a validation report. */
export const ValidationCheck = z
  .object({
    check: z.string().register(z.globalRegistry, { example: "metrics.auc" }),
    expected: z.string().register(z.globalRegistry, { example: ">= 0.9" }),
    actual: z.string().register(z.globalRegistry, { example: "0.87" }),
    passed: z.boolean(),
  })
  .register(z.globalRegistry, { id: "ValidationCheck" });
export type ValidationCheck = z.infer<typeof ValidationCheck>;

const CheckedVersion = z.object({
  version: z.int(),
  rev: z.int().register(z.globalRegistry, { description: "the version's revision (its etag) when checked" }),
  digest: z.string().register(z.globalRegistry, {
    description:
      "SHA-256 of every field a check may read (all but description), as canonical JSON: Apply refuses a version whose digest moved since",
    example: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  }),
});

/** What a validation looked at: the version to move and the holder of the target stage. */
export const EvidenceSnapshot = z
  .object({
    version: CheckedVersion,
    holder: z.nullable(CheckedVersion).register(z.globalRegistry, {
      description: "the version holding the target stage when checked (exclusive stages), or null",
    }),
  })
  .register(z.globalRegistry, { id: "EvidenceSnapshot" });
export type EvidenceSnapshot = z.infer<typeof EvidenceSnapshot>;

export const ValidationReport = z
  .object({
    passed: z.boolean(),
    checks: z.array(ValidationCheck),
    at: z.iso.datetime(),
    evidence: z.optional(EvidenceSnapshot),
  })
  .register(z.globalRegistry, { id: "ValidationReport" });
export type ValidationReport = z.infer<typeof ValidationReport>;

export const ApprovalDecision = z
  .object({
    by: z.string(),
    decision: z.enum(["APPROVED", "REJECTED"]),
    comment: z.optional(z.string()),
    at: z.iso.datetime(),
    person: z.optional(z.string()).register(z.globalRegistry, {
      description:
        "the person behind `by`: approvals are counted and compared per person (docs/governance.md)",
    }),
    identitySource: z.optional(z.enum(IDENTITY_SOURCES)).register(z.globalRegistry, {
      description:
        "what vouches for `person`: an IAM user, an IAM Identity Center permission set, a role whose session name must be the IAM user name, or nothing (unvouched)",
    }),
  })
  .register(z.globalRegistry, { id: "ApprovalDecision" });
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

export const TRANSITION_KINDS = ["promotion", "rollback"] as const;

export const Transition = z
  .object({
    id: TransitionId,
    model: z.string(),
    version: z.int(),
    from: Stage,
    to: Stage,
    kind: z.enum(TRANSITION_KINDS).register(z.globalRegistry, {
      description: "rollback: restores the previous holder of a stage (POST /models/{model}/rollback)",
    }),
    status: TransitionStatus,
    comment: z.optional(z.string()),
    requestedBy: z.string(),
    requestedAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    approvalsRequired: z.int().register(z.globalRegistry, {
      description: "distinct approvals needed before the change is applied (from the policy, as requested)",
    }),
    allowSelfApproval: z.boolean(),
    policyDigest: z.optional(z.string()).register(z.globalRegistry, {
      description:
        "digest of the effective policy (floor and model's) the request was made under: compare with GET /models/{model}/policy",
    }),
    validation: z.optional(ValidationReport),
    approvalDeadline: z
      .optional(z.iso.datetime())
      .register(z.globalRegistry, { description: "while AWAITING_APPROVAL: when the request times out" }),
    approvals: z.array(ApprovalDecision),
    previous: z.optional(z.int()).register(z.globalRegistry, {
      description: "once APPLIED: the version that left the target stage in the same change",
    }),
    reason: z
      .optional(z.string())
      .register(z.globalRegistry, { description: "why the transition ended without applying" }),
    endedAt: z.optional(z.iso.datetime()),
    endedBy: z.optional(z.string()),
  })
  .register(z.globalRegistry, { id: "Transition" });
export type Transition = z.infer<typeof Transition>;

export const ListTransitionsQuery = z.strictObject({
  status: z.optional(TransitionStatus),
  limit: Limit,
  nextToken: NextToken,
});
export type ListTransitionsQuery = z.infer<typeof ListTransitionsQuery>;

export const ListApprovalsQuery = z.strictObject({ limit: Limit, nextToken: NextToken });
export type ListApprovalsQuery = z.infer<typeof ListApprovalsQuery>;

/** One tenure of a version in a stage: from when to when, moved in and out by whom. */
export const StageTenure = z
  .object({
    stage: Stage,
    version: z.int(),
    from: z.iso.datetime(),
    enteredBy: z.string(),
    enteredWith: z
      .optional(z.string())
      .register(z.globalRegistry, { description: "the transition that moved it in" }),
    approvedBy: z.array(z.string()),
    policyDigest: z
      .optional(z.string())
      .register(z.globalRegistry, { description: "digest of the effective policy it entered under" }),
    until: z
      .optional(z.iso.datetime())
      .register(z.globalRegistry, { description: "absent while the version holds the stage" }),
    leftBy: z.optional(z.string()),
    leftWith: z
      .optional(z.string())
      .register(z.globalRegistry, { description: "the transition that moved it out" }),
  })
  .register(z.globalRegistry, { id: "StageTenure" });
export type StageTenure = z.infer<typeof StageTenure>;

export const StageParam = z.enum(STAGES);
