/**
 * The only place single-table key values are built. Each function is named after the item or
 * access pattern it serves; the README's access-pattern table lists them.
 *
 * | item            | pk                      | sk                     | gsi1pk / gsi1sk                                  |
 * |-----------------|-------------------------|------------------------|--------------------------------------------------|
 * | model           | MODEL#<name>            | MODEL                  | MODELS / <name>  (absent on a deleted model)     |
 * | version         | MODEL#<name>            | VERSION#<0000000042>   | MODEL#<name>#STAGE#<stage> / VERSION#<0000000042> |
 * | history entry   | MODEL#<name>            | HISTORY#<0000000007>   |                                                  |
 * | idempotency     | IDEMPOTENCY#<sha256>    | IDEMPOTENCY            |                                                  |
 *
 * Numbers are zero-padded to ten digits so that string order is numeric order.
 */
const pad = (n: number) => n.toString().padStart(10, "0");

export const VERSION_PREFIX = "VERSION#";
export const HISTORY_PREFIX = "HISTORY#";

export const modelKey = (name: string) => ({ pk: `MODEL#${name}`, sk: "MODEL" });

export const modelPartition = (name: string) => `MODEL#${name}`;

/** gsi1: every live model, sorted by name (list models, prefix search). */
export const modelsByNameIndex = (name: string) => ({ gsi1pk: "MODELS", gsi1sk: name });
export const MODELS_BY_NAME_PARTITION = "MODELS";

export const versionKey = (name: string, version: number) => ({
  pk: `MODEL#${name}`,
  sk: `${VERSION_PREFIX}${pad(version)}`,
});

/** gsi1: a model's versions in one stage, newest first (list versions ?stage=). */
export const versionsByStageIndex = (name: string, stage: string, version: number) => ({
  gsi1pk: versionsByStagePartition(name, stage),
  gsi1sk: `${VERSION_PREFIX}${pad(version)}`,
});
export const versionsByStagePartition = (name: string, stage: string) => `MODEL#${name}#STAGE#${stage}`;

export const historyKey = (name: string, seq: number) => ({
  pk: `MODEL#${name}`,
  sk: `${HISTORY_PREFIX}${pad(seq)}`,
});

export const idempotencyKey = (scope: string) => ({ pk: `IDEMPOTENCY#${scope}`, sk: "IDEMPOTENCY" });

/** Attributes that make up an ExclusiveStartKey for the table and for gsi1. */
export const TABLE_KEY_ATTRIBUTES = ["pk", "sk"] as const;
export const GSI1_KEY_ATTRIBUTES = ["gsi1pk", "gsi1sk", "pk", "sk"] as const;
