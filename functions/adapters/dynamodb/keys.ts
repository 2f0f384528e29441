/**
 * The only place single-table key values are built. Each function is named after the item or
 * access pattern it serves; the README's access-pattern table lists them. Attribute names come
 * from the table definition (`table.ts`), values are built here, and only the item modules in
 * `items/` call these.
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
import { GSI1, TABLE } from "./table.ts";

const pad = (n: number) => n.toString().padStart(10, "0");

export const VERSION_PREFIX = "VERSION#";
export const HISTORY_PREFIX = "HISTORY#";

export const modelPartition = (name: string) => `MODEL#${name}`;

export const modelKey = (name: string) => ({ [TABLE.pk]: modelPartition(name), [TABLE.sk]: "MODEL" });

/** gsi1: every live model, sorted by name (list models, prefix search). */
export const MODELS_BY_NAME_PARTITION = "MODELS";
export const modelsByNameIndex = (name: string) => ({
  [GSI1.pk]: MODELS_BY_NAME_PARTITION,
  [GSI1.sk]: name,
});

export const versionKey = (name: string, version: number) => ({
  [TABLE.pk]: modelPartition(name),
  [TABLE.sk]: `${VERSION_PREFIX}${pad(version)}`,
});

/** gsi1: a model's versions in one stage, newest first (list versions ?stage=). */
export const versionsByStagePartition = (name: string, stage: string) => `MODEL#${name}#STAGE#${stage}`;
export const versionsByStageIndex = (name: string, stage: string, version: number) => ({
  [GSI1.pk]: versionsByStagePartition(name, stage),
  [GSI1.sk]: `${VERSION_PREFIX}${pad(version)}`,
});

export const historyKey = (name: string, seq: number) => ({
  [TABLE.pk]: modelPartition(name),
  [TABLE.sk]: `${HISTORY_PREFIX}${pad(seq)}`,
});

export const idempotencyKey = (scope: string) => ({
  [TABLE.pk]: `IDEMPOTENCY#${scope}`,
  [TABLE.sk]: "IDEMPOTENCY",
});
