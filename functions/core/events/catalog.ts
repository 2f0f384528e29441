/**
 * The event catalog (eventVersion 1): one zod schema per EventBridge `detail-type` the registry
 * publishes. Deploy pipelines, catalogues and notifiers are written against these; the JSON
 * Schemas in `event-schemas/schemas/v1/` are generated from them (`npm run events:schemas`) and a test
 * fails on any change a subscriber could trip over (see `compatibility.ts`).
 *
 * Rules that keep eventVersion 1 stable:
 * - Every detail is an open object (`additionalProperties` allowed): a field added later does not
 *   break a subscriber that validates with today's schema.
 * - A field is added as optional, never removed, retyped or made optional; an enum only grows.
 *   Anything else is eventVersion 2 (a new `event-schemas/schemas/v2/`).
 * - Absent values are `null`, not missing, wherever the field is declared: subscribers match
 *   `{"to": [null]}` in rules instead of guessing whether a key is there.
 */
import * as z from "zod/mini";
import { MODEL_FORMATS, STAGES } from "../schemas.ts";

export const EVENT_VERSION = "1";
/** The `source` of every event unless a deployment configures its own. */
export const DEFAULT_EVENT_SOURCE = "model-registry";

// The catalog declares its own small schemas rather than reusing the API's (which carry OpenAPI
// ids and input transforms): an event's shape must not change because an API input did.
const Stage = z.enum(STAGES);
const VersionNumber = z.int().check(z.minimum(1));
const Sha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/));

/** Fields every detail starts with, in this order; `version` follows `model` where it applies. */
const HEAD = {
  eventVersion: z
    .literal(EVENT_VERSION)
    .register(z.globalRegistry, { description: "version of this detail's schema" }),
  eventId: z.string().check(z.minLength(1)).register(z.globalRegistry, {
    description:
      "unique per fact and the same on every redelivery (dedupe on it): a UUID (v5) of the source, model and seq",
  }),
  model: z.string().check(z.minLength(1)).register(z.globalRegistry, { description: "model name" }),
};
const TAIL = {
  seq: z.int().check(z.minimum(1)).register(z.globalRegistry, {
    description: "the model's history sequence number of this fact: strictly increasing per model",
  }),
  actor: z
    .string()
    .check(z.minLength(1))
    .register(z.globalRegistry, { description: "IAM principal ARN (or the local principal) that caused it" }),
  at: z.iso.datetime().register(z.globalRegistry, { description: "ISO-8601 UTC time of the change" }),
  requestId: z
    .string()
    .check(z.minLength(1))
    .register(z.globalRegistry, { description: "API request id or transition id that caused it" }),
};
export const COMMON_DETAIL_FIELDS = [
  "eventVersion",
  "eventId",
  "model",
  "seq",
  "actor",
  "at",
  "requestId",
] as const;

function modelDetail<const Own extends z.core.$ZodShape>(description: string, own: Own) {
  return z.looseObject({ ...HEAD, ...TAIL, ...own }).register(z.globalRegistry, { description });
}

function versionDetail<const Own extends z.core.$ZodShape>(description: string, own: Own) {
  const version = VersionNumber.check(z.meta({ description: "the version this fact concerns" }));
  return z.looseObject({ ...HEAD, version, ...TAIL, ...own }).register(z.globalRegistry, { description });
}

/** One changed field: values before and after (a model card appears as `{sha256, length}`). */
const FieldChange = z.looseObject({
  from: z
    .unknown()
    .register(z.globalRegistry, { description: "value before the change; null when the field was unset" }),
  to: z.unknown().register(z.globalRegistry, { description: "value after the change" }),
});
// `fields` repeats the keys of `changes` because EventBridge rules match arrays of strings
// (`{"detail": {"fields": ["owner"]}}`) but cannot test whether a key of a map exists.
const CHANGES = {
  fields: z.array(z.string()).register(z.globalRegistry, { description: "names of the changed fields" }),
  changes: z.record(z.string(), FieldChange).register(z.globalRegistry, {
    description:
      "changed field → {from, to}; large text fields (the model card) appear as {sha256, length} of the text",
  }),
};

/** Where a sealed artifact lives, with the size and checksum S3 verified. */
const ArtifactLocation = z.looseObject({
  path: z
    .string()
    .check(z.minLength(1))
    .register(z.globalRegistry, { description: "path inside the version, as declared" }),
  uri: z
    .string()
    .check(z.regex(/^s3:\/\/[^/]+\/.+$/))
    .register(z.globalRegistry, { description: "s3://bucket/key of the artifact" }),
  size: z.int().check(z.minimum(0)).register(z.globalRegistry, { description: "bytes" }),
  sha256: Sha256.check(z.meta({ description: "SHA-256 of the file, lowercase hex" })),
  versionId: z.optional(z.string().check(z.minLength(1))).register(z.globalRegistry, {
    description:
      "S3 version id holding exactly the sealed bytes: fetch with it (GetObject VersionId), not by key alone, since the key may hold other bytes later; absent for versions sealed before pinning",
  }),
});

/** The digest `GET /models/{model}/policy` answers for the policy a move was decided under. */
const PolicyDigest = z.string().check(z.regex(/^sha256:[0-9a-f]{64}$/));
const IdentitySource = z.enum(["iam-user", "identity-center", "iam-user-session", "unvouched"]);

const Transition = z
  .string()
  .check(z.minLength(1))
  .register(z.globalRegistry, { description: "id of the stage transition request" });

export const DETAIL_SCHEMAS = {
  "Model Registered": modelDetail("A model name was registered (or registered again after a delete).", {
    owner: z
      .nullable(z.string())
      .register(z.globalRegistry, { description: "owning team or person; null when not given" }),
    tags: z.record(z.string(), z.string()),
    recreated: z.boolean().register(z.globalRegistry, {
      description: "true when the name had been deleted and is registered again",
    }),
  }),
  "Model Updated": modelDetail("A model's description, owner, tags or policy changed.", {
    ...CHANGES,
    // Optional in the schema only because eventVersion 1 was published without it; always sent.
    policy: z
      .optional(
        z.nullable(
          z.looseObject({
            from: PolicyDigest.check(z.meta({ description: "digest of the effective policy before" })),
            to: PolicyDigest.check(z.meta({ description: "digest of the effective policy after" })),
            weakened: z.array(z.string()).register(z.globalRegistry, {
              description:
                "every way the new policy is weaker than the old, in words (empty when it is not weaker)",
            }),
          }),
        ),
      )
      .register(z.globalRegistry, {
        description:
          "set by PUT /models/{model}/policy (null for other changes): the effective policy's digests and what was weakened",
      }),
  }),
  "Model Deleted": modelDetail("A model was deleted; its versions are being purged.", {
    latestVersion: z.int().check(z.minimum(0)).register(z.globalRegistry, {
      description: "highest version number handed out; a re-registered name continues after it",
    }),
  }),
  "Model Version Created": versionDetail("A version was created and awaits the upload of its artifacts.", {
    status: z.literal("PENDING_UPLOAD"),
    // Not `artifacts`: in other details that name holds the artifact list, not a count.
    artifactCount: z
      .int()
      .check(z.minimum(1))
      .register(z.globalRegistry, { description: "number of declared artifacts" }),
  }),
  "Model Version Updated": versionDetail(
    "A version's editable fields (description, tags, model card, or before sealing its metadata) changed.",
    CHANGES,
  ),
  "Model Version Ready": versionDetail(
    "Every declared artifact is in S3 with the declared size and SHA-256: the version is sealed.",
    {
      artifacts: z.array(ArtifactLocation),
      metrics: z.record(z.string(), z.number()),
      format: z
        .nullable(z.enum(MODEL_FORMATS))
        .register(z.globalRegistry, { description: "model format; null when not declared" }),
    },
  ),
  "Model Version Verification Started": versionDetail(
    "A version was sealed and S3's checksums could not settle it: the registry reads and hashes its artifacts.",
    {
      artifactCount: z
        .int()
        .check(z.minimum(1))
        .register(z.globalRegistry, { description: "number of declared artifacts" }),
      needsHashing: z.int().check(z.minimum(0)).register(z.globalRegistry, {
        description: "how many of them the verifier reads (S3 held no full-object SHA-256)",
      }),
    },
  ),
  "Model Version Verification Failed": versionDetail(
    "The verifier found artifacts that differ from their declaration: the version is FAILED (upload again and seal again).",
    {
      artifacts: z.array(
        z.looseObject({
          path: z.string().check(z.minLength(1)),
          status: z.enum(["missing", "sizeMismatch", "checksumMismatch"]),
        }),
      ),
    },
  ),
  "Model Version Abandoned": versionDetail(
    "An unsealed version was abandoned: it is ABANDONED for good, its multipart uploads are aborted and its number is not reused.",
    {
      from: z
        .enum(["PENDING_UPLOAD", "FAILED"])
        .register(z.globalRegistry, { description: "the status it left" }),
      artifactCount: z
        .int()
        .check(z.minimum(1))
        .register(z.globalRegistry, { description: "number of declared artifacts" }),
    },
  ),
  "Stage Transition Requested": versionDetail("A move of a version to another stage was requested.", {
    transitionId: Transition,
    from: Stage,
    to: Stage,
    // Optional in the schema only because eventVersion 1 was published without them; always sent.
    kind: z.optional(z.enum(["promotion", "rollback"])).register(z.globalRegistry, {
      description: "rollback: the previous holder of the stage is requested back (always present)",
    }),
    comment: z
      .optional(z.nullable(z.string()))
      .register(z.globalRegistry, { description: "the requester's comment (always present)" }),
    policyDigest: z.optional(z.nullable(PolicyDigest)).register(z.globalRegistry, {
      description:
        "digest of the effective policy (floor and model's) the request is decided under (always present; null on requests made before digests)",
    }),
    approvalsRequired: z.optional(z.nullable(z.int().check(z.minimum(0)))).register(z.globalRegistry, {
      description:
        "approvals the move needs, leaving an exclusive stage included (always present; null on requests made before it was recorded)",
    }),
  }),
  "Stage Transition Validation Started": versionDetail(
    "The workflow took the request and runs the target stage's checks.",
    { transitionId: Transition, to: Stage },
  ),
  "Stage Transition Validated": versionDetail("The requested transition's checks ran.", {
    transitionId: Transition,
    passed: z.boolean(),
    report: z
      .record(z.string(), z.unknown())
      .register(z.globalRegistry, { description: "the validation report" }),
  }),
  "Approval Requested": versionDetail("A transition passed validation and waits for approvals.", {
    transitionId: Transition,
    to: Stage,
    required: z
      .int()
      .check(z.minimum(1))
      .register(z.globalRegistry, { description: "number of approvals required" }),
    link: z
      .string()
      .check(z.minLength(1))
      .register(z.globalRegistry, { description: "where an approver reviews and decides" }),
  }),
  "Stage Transition Approved": versionDetail("An approver approved a transition awaiting approval.", {
    transitionId: Transition,
    to: Stage,
    by: z
      .string()
      .check(z.minLength(1))
      .register(z.globalRegistry, { description: "the approving principal" }),
    person: z.optional(z.nullable(z.string())).register(z.globalRegistry, {
      description: "the person approvals are counted by (always present; null on older approvals)",
    }),
    identitySource: z.optional(z.nullable(IdentitySource)).register(z.globalRegistry, {
      description: "what vouches for `person` (always present; null on older approvals)",
    }),
    comment: z.nullable(z.string()),
    approvals: z
      .int()
      .check(z.minimum(1))
      .register(z.globalRegistry, { description: "approvals so far, this one included" }),
    required: z.int().check(z.minimum(1)).register(z.globalRegistry, { description: "approvals required" }),
  }),
  "Stage Transition Rejected": versionDetail("A transition ended without changing the stage.", {
    transitionId: Transition,
    by: z.nullable(z.string()).register(z.globalRegistry, {
      description: "who rejected or cancelled it; null for failures and timeouts",
    }),
    comment: z.nullable(z.string()),
    reason: z
      .enum(["REJECTED", "VALIDATION_FAILED", "CANCELLED", "TIMED_OUT", "FAILED"])
      .register(z.globalRegistry, {
        description:
          "REJECTED by an approver, VALIDATION_FAILED (see the Validated event's report), CANCELLED, TIMED_OUT waiting for approvals, FAILED (the change could not be applied: see message)",
      }),
    message: z.optional(z.nullable(z.string())).register(z.globalRegistry, {
      description: "what went wrong, in words (always present; null when the reason says it all)",
    }),
  }),
  "Model Version Stage Changed": versionDetail(
    "A version entered a stage. Deploy pipelines act on this alone (to = production).",
    {
      transitionId: Transition,
      from: Stage,
      to: Stage,
      previous: z.nullable(VersionNumber).register(z.globalRegistry, {
        description: "the version that left `to` in the same change (archived or demoted); null if none",
      }),
      artifacts: z.array(ArtifactLocation),
      approvedBy: z
        .array(z.string())
        .register(z.globalRegistry, { description: "principals who approved; empty when none were needed" }),
      policyDigest: z.optional(z.nullable(PolicyDigest)).register(z.globalRegistry, {
        description:
          "digest of the effective policy the move was decided under (always present; null for moves requested before digests): compare with GET /models/{model}/policy and the Model Updated events",
      }),
    },
  ),
  "Model Alias Changed": versionDetail(
    "An alias was set, moved or deleted. `version` is its new target, or on delete the version it left.",
    {
      alias: z.string().check(z.minLength(1)),
      from: z.nullable(VersionNumber).register(z.globalRegistry, {
        description: "version it pointed to before; null when it was new",
      }),
      to: z.nullable(VersionNumber).register(z.globalRegistry, {
        description: "version it points to now; null when it was deleted",
      }),
    },
  ),
} as const;

export type DetailType = keyof typeof DETAIL_SCHEMAS;
export const DETAIL_TYPES = Object.keys(DETAIL_SCHEMAS) as DetailType[];

/** A detail as subscribers receive it (after parsing with its schema). */
export type EventDetail<T extends DetailType = DetailType> = z.output<(typeof DETAIL_SCHEMAS)[T]>;

export function isDetailType(value: string): value is DetailType {
  return Object.hasOwn(DETAIL_SCHEMAS, value);
}

/**
 * The whole event as EventBridge delivers it to a target. The local bus and the tests check
 * delivered events against it.
 */
export function envelopeSchema<T extends DetailType>(detailType: T) {
  return z.object({
    version: z.literal("0"),
    id: z.string().check(z.minLength(1)),
    "detail-type": z.literal(detailType),
    source: z.string().check(z.minLength(1)),
    account: z.string().check(z.regex(/^\d{12}$/)),
    time: z.iso.datetime(),
    region: z.string().check(z.minLength(1)),
    resources: z.array(z.string()),
    detail: DETAIL_SCHEMAS[detailType],
  });
}

/**
 * The rule a deploy pipeline subscribes with: a version entered production. Kept as data in one
 * place so the local bus and the CDK app cannot disagree with EVENTS.md.
 */
export function deployPipelineRule(source: string = DEFAULT_EVENT_SOURCE) {
  return {
    source: [source],
    "detail-type": ["Model Version Stage Changed"] satisfies DetailType[],
    detail: { to: ["production"] satisfies z.infer<typeof Stage>[] },
  };
}
export const DEPLOY_PIPELINE_RULE = deployPipelineRule();

/**
 * The rule that starts the transition workflow: every request (promotion or rollback). The CDK
 * app and the local bus both build it from here.
 */
export function transitionWorkflowRule(source: string = DEFAULT_EVENT_SOURCE) {
  return {
    source: [source],
    "detail-type": ["Stage Transition Requested"] satisfies DetailType[],
  };
}
