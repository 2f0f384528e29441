/** Models: their editable fields, promotion policy, inputs and representation. */
import * as z from "zod/mini";
import { ModelName } from "./names.ts";
import { boundedInteger, storableNumber } from "./numbers.ts";
import { MetricName, TagKey, Tags, userMap } from "./user-maps.ts";

/** A Lambda function ARN (optionally with a version or alias qualifier). */
export const LambdaFunctionArn = z.string().check(
  z.regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/, {
    error: "must be a Lambda function ARN: arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]",
  }),
);

export const Description = z.string().check(z.maxLength(4096, { error: "must be at most 4096 characters" }));
export const Owner = z
  .string()
  .check(z.minLength(1), z.maxLength(256, { error: "must be at most 256 characters" }));

export const MetricThreshold = z
  .strictObject({
    min: z.optional(storableNumber("must be a number")),
    max: z.optional(storableNumber("must be a number")),
  })
  .check(z.refine((t) => t.min !== undefined || t.max !== undefined, { error: "give min, max or both" }))
  // No `id`: it is embedded in MetricThresholds through zod's own JSON Schema (see `userMap`).
  .register(z.globalRegistry, { minProperties: 1, description: "the range a metric must fall in" });

export const ApprovalRule = z
  .strictObject({
    required: boundedInteger(0, 10, "must be a whole number of approvals from 0 to 10"),
    allowSelfApproval: z._default(z.boolean(), false),
  })
  .register(z.globalRegistry, { id: "ApprovalRule" });

export const StageRequirements = z
  .strictObject({
    metrics: z.optional(
      userMap({
        key: MetricName,
        value: MetricThreshold,
        maxEntries: 100,
        noun: "metric thresholds",
        id: "MetricThresholds",
        description: "metric name → the range its value must fall in (at most 100)",
      }),
    ),
    signature: z.optional(z.boolean()),
    modelCard: z.optional(z.boolean()),
    lineage: z.optional(z.array(z.enum(["runId", "gitCommit", "datasets"])).check(z.maxLength(3))),
    tags: z
      .optional(z.array(TagKey).check(z.maxLength(50, { error: "at most 50 required tags" })))
      .register(z.globalRegistry, { description: "tag keys the version must carry (any value)" }),
    compatibleSignature: z.optional(z.boolean()).register(z.globalRegistry, {
      description:
        "refuse a version whose signature breaks clients of the version now in the target stage (see compare)",
    }),
    customValidation: z
      .optional(z.strictObject({ functionArn: LambdaFunctionArn }))
      .register(z.globalRegistry, {
        description:
          "a Lambda function invoked with the transition and version; it answers {passed, checks?} (see docs/stages-and-approvals.md)",
      }),
  })
  .register(z.globalRegistry, { id: "StageRequirements" });

/** Where the version that leaves production goes when another version enters it. */
export const DEMOTION_STAGES = ["archived", "staging"] as const;

/**
 * Keyed by stage, as strict objects rather than `z.partialRecord`: an unknown stage name (or
 * `__proto__`) is then an "unknown field" naming it, where a record would skip `__proto__` silently.
 */
export const byPolicyStage = <T extends z.core.$ZodType>(rule: T) =>
  z.strictObject({ staging: z.optional(rule), production: z.optional(rule), archived: z.optional(rule) });

export const Policy = z
  .strictObject({
    approvals: z.optional(byPolicyStage(ApprovalRule)),
    requirements: z.optional(byPolicyStage(StageRequirements)),
    demoteProductionTo: z.optional(z.enum(DEMOTION_STAGES)).register(z.globalRegistry, {
      description:
        "where the version that leaves production goes when another one enters it (default archived)",
    }),
  })
  .register(z.globalRegistry, {
    id: "Policy",
    description: "Which promotions need approval, and what a version must satisfy to enter a stage.",
    example: {
      approvals: { production: { required: 1, allowSelfApproval: false } },
      requirements: { staging: { metrics: { auc: { min: 0.8 } }, signature: true } },
    },
  });

export const CreateModelInput = z
  .strictObject({
    name: ModelName,
    description: z.optional(Description),
    owner: z.optional(Owner),
    tags: z.optional(Tags),
    policy: z.optional(Policy),
  })
  .register(z.globalRegistry, { id: "CreateModelInput" });
export type CreateModelInput = z.infer<typeof CreateModelInput>;

/**
 * No `policy`: the rules that govern a model's promotions are not the publisher's to edit. They
 * have their own route (`PUT /models/{model}/policy`), which IAM grants to governors and admins.
 */
export const UpdateModelInput = z
  .strictObject({
    description: z.optional(Description),
    owner: z.optional(Owner),
    tags: z.optional(Tags),
  })
  .check(
    z.refine((v) => Object.keys(v).length > 0, {
      error:
        "give at least one of description, owner, tags (a model's policy is set with PUT /models/{model}/policy)",
    }),
  )
  .register(z.globalRegistry, { id: "UpdateModelInput", minProperties: 1 });
export type UpdateModelInput = z.infer<typeof UpdateModelInput>;

export const Model = z
  .object({
    name: z.string(),
    description: z.optional(z.string()),
    owner: z.optional(z.string()),
    tags: z.record(z.string(), z.string()),
    policy: Policy,
    latestVersion: z
      .int()
      .register(z.globalRegistry, { description: "0 until the first version is created" }),
    stages: z
      .record(z.string(), z.int())
      .register(z.globalRegistry, { description: "exclusive stage → version" }),
    aliases: z.record(z.string(), z.int()),
    createdAt: z.iso.datetime(),
    createdBy: z.string(),
    updatedAt: z.iso.datetime(),
    updatedBy: z.string(),
    etag: z.string(),
  })
  .register(z.globalRegistry, { id: "Model" });
export type Model = z.infer<typeof Model>;

/** `GET`/`PUT /models/{model}/policy`: the model's own policy, the organisation's floor, and what applies. */
export const ModelPolicy = z
  .object({
    model: z.string(),
    policy: Policy.check(z.meta({ description: "the model's own policy (set with PUT)" })),
    floor: Policy.check(
      z.meta({ description: "the organisation's minimum (the deployment's policyFloor setting)" }),
    ),
    effective: Policy.check(
      z.meta({ description: "what every check uses: the stricter of floor and policy, field by field" }),
    ),
    digest: z.string().register(z.globalRegistry, {
      description:
        "sha256 of the effective policy: transitions, stage tenures and stage-change events carry the digest they were decided under",
      example: "sha256:5d41402abc4b2a76b9719d911017c592ae5ab1fdcb0a8a5b6cfb1d8f2c8f3e1a",
    }),
    etag: z.string().register(z.globalRegistry, { description: "the model's ETag (If-Match on PUT)" }),
  })
  .register(z.globalRegistry, { id: "ModelPolicy" });
export type ModelPolicy = z.infer<typeof ModelPolicy>;
