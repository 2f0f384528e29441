/** Models: their editable fields, promotion policy, inputs and representation. */
import { z } from "zod";
import { ModelName } from "./names.ts";
import { boundedInteger, storableNumber } from "./numbers.ts";
import { MetricName, TagKey, Tags, userMap } from "./user-maps.ts";

/** A Lambda function ARN (optionally with a version or alias qualifier). */
export const LambdaFunctionArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/, {
    error: "must be a Lambda function ARN: arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]",
  });

export const Description = z.string().max(4096, { error: "must be at most 4096 characters" });
export const Owner = z.string().min(1).max(256, { error: "must be at most 256 characters" });

export const MetricThreshold = z
  .object({
    min: storableNumber("must be a number").optional(),
    max: storableNumber("must be a number").optional(),
  })
  .strict()
  .refine((t) => t.min !== undefined || t.max !== undefined, { error: "give min, max or both" })
  // No `id`: it is embedded in MetricThresholds through zod's own JSON Schema (see `userMap`).
  .meta({ minProperties: 1, description: "the range a metric must fall in" });

export const ApprovalRule = z
  .object({
    required: boundedInteger(0, 10, "must be a whole number of approvals from 0 to 10"),
    allowSelfApproval: z.boolean().default(false),
  })
  .strict()
  .meta({ id: "ApprovalRule" });

export const StageRequirements = z
  .object({
    metrics: userMap({
      key: MetricName,
      value: MetricThreshold,
      maxEntries: 100,
      noun: "metric thresholds",
      id: "MetricThresholds",
      description: "metric name → the range its value must fall in (at most 100)",
    }).optional(),
    signature: z.boolean().optional(),
    modelCard: z.boolean().optional(),
    lineage: z
      .array(z.enum(["runId", "gitCommit", "datasets"]))
      .max(3)
      .optional(),
    tags: z
      .array(TagKey)
      .max(50, { error: "at most 50 required tags" })
      .optional()
      .meta({ description: "tag keys the version must carry (any value)" }),
    compatibleSignature: z.boolean().optional().meta({
      description:
        "refuse a version whose signature breaks clients of the version now in the target stage (see compare)",
    }),
    customValidation: z.object({ functionArn: LambdaFunctionArn }).strict().optional().meta({
      description:
        "a Lambda function invoked with the transition and version; it answers {passed, checks?} (see README)",
    }),
  })
  .strict()
  .meta({ id: "StageRequirements" });

/** Where the version that leaves production goes when another version enters it. */
export const DEMOTION_STAGES = ["archived", "staging"] as const;

/**
 * Keyed by stage, as strict objects rather than `z.partialRecord`: an unknown stage name (or
 * `__proto__`) is then an "unknown field" naming it, where a record would skip `__proto__` silently.
 */
export const byPolicyStage = <T extends z.ZodType>(rule: T) =>
  z.object({ staging: rule.optional(), production: rule.optional(), archived: rule.optional() }).strict();

export const Policy = z
  .object({
    approvals: byPolicyStage(ApprovalRule).optional(),
    requirements: byPolicyStage(StageRequirements).optional(),
    demoteProductionTo: z.enum(DEMOTION_STAGES).optional().meta({
      description:
        "where the version that leaves production goes when another one enters it (default archived)",
    }),
  })
  .strict()
  .meta({
    id: "Policy",
    description: "Which promotions need approval, and what a version must satisfy to enter a stage.",
    example: {
      approvals: { production: { required: 1, allowSelfApproval: false } },
      requirements: { staging: { metrics: { auc: { min: 0.8 } }, signature: true } },
    },
  });

export const CreateModelInput = z
  .object({
    name: ModelName,
    description: Description.optional(),
    owner: Owner.optional(),
    tags: Tags.optional(),
    policy: Policy.optional(),
  })
  .strict()
  .meta({ id: "CreateModelInput" });
export type CreateModelInput = z.infer<typeof CreateModelInput>;

export const UpdateModelInput = z
  .object({
    description: Description.optional(),
    owner: Owner.optional(),
    tags: Tags.optional(),
    policy: Policy.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, {
    error: "give at least one of description, owner, tags, policy",
  })
  .meta({ id: "UpdateModelInput", minProperties: 1 });
export type UpdateModelInput = z.infer<typeof UpdateModelInput>;

export const Model = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    owner: z.string().optional(),
    tags: z.record(z.string(), z.string()),
    policy: Policy,
    latestVersion: z.number().int().meta({ description: "0 until the first version is created" }),
    stages: z.record(z.string(), z.number().int()).meta({ description: "exclusive stage → version" }),
    aliases: z.record(z.string(), z.number().int()),
    createdAt: z.iso.datetime(),
    createdBy: z.string(),
    updatedAt: z.iso.datetime(),
    updatedBy: z.string(),
    etag: z.string(),
  })
  .meta({ id: "Model" });
export type Model = z.infer<typeof Model>;
