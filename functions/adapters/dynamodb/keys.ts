/**
 * The only place single-table key values are built. Each function is named after the item or
 * access pattern it serves; the README's access-pattern table lists them. Attribute names come
 * from the table definition (`table.ts`), values are built here, and only the item modules in
 * `items/` call these.
 *
 * | item            | pk                   | sk                          | gsi1pk / gsi1sk                                          | gsi2pk / gsi2sk                                   |
 * |-----------------|----------------------|-----------------------------|----------------------------------------------------------|---------------------------------------------------|
 * | model           | MODEL#<name>         | MODEL                       | MODELS / <name>  (absent on a deleted model)             |                                                   |
 * | version         | MODEL#<name>         | VERSION#<0000000042>        | MODEL#<name>#STAGE#<stage> / VERSION#<0000000042>        |                                                   |
 * | history entry   | MODEL#<name>         | HISTORY#<0000000007>        |                                                          |                                                   |
 * | transition      | MODEL#<name>         | TRANSITION#<ulid>           | MODEL#<name>#VERSION#<0000000042>#TRANSITIONS / <ulid>   | TRANSITIONS#OPEN / <status>#<ulid> (open only)    |
 * | stage tenure    | MODEL#<name>         | STAGE#<stage>#<0000000007>  |                                                          |                                                   |
 * | idempotency     | IDEMPOTENCY#<sha256> | IDEMPOTENCY                 |                                                          |                                                   |
 * | page-token key  | REGISTRY#PAGE_TOKENS | KEY                         |                                                          |                                                   |
 *
 * Numbers are zero-padded to ten digits so that string order is numeric order; transition ids
 * are ULIDs, so their string order is the order they were requested in. A stage tenure's number
 * is the history `seq` of the change that began it. Model names cannot hold `#` (the schema
 * allows letters, digits, `.`, `_`, `-`), so no two patterns can build the same key.
 */
import { GSI1, GSI2, TABLE } from "./table.ts";

const pad = (n: number) => n.toString().padStart(10, "0");

export const VERSION_PREFIX = "VERSION#";
export const HISTORY_PREFIX = "HISTORY#";
export const TRANSITION_PREFIX = "TRANSITION#";

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

/** A transition request, under its model: `begins_with(sk, TRANSITION#)` lists them in request order. */
export const transitionKey = (name: string, id: string) => ({
  [TABLE.pk]: modelPartition(name),
  [TABLE.sk]: `${TRANSITION_PREFIX}${id}`,
});

/** gsi1: one version's transition requests, in request order (list a version's transitions). */
export const transitionsOfVersionPartition = (name: string, version: number) =>
  `MODEL#${name}#VERSION#${pad(version)}#TRANSITIONS`;
export const transitionsOfVersionIndex = (name: string, version: number, id: string) => ({
  [GSI1.pk]: transitionsOfVersionPartition(name, version),
  [GSI1.sk]: id,
});

/**
 * gsi2, sparse: the open transition requests of every model, by status, then in request order
 * (an approver's queue, recovery). One partition: open requests are few (see the README).
 */
export const OPEN_TRANSITIONS_PARTITION = "TRANSITIONS#OPEN";
export const openTransitionsStatusPrefix = (status: string) => `${status}#`;
export const openTransitionsIndex = (status: string, id: string) => ({
  [GSI2.pk]: OPEN_TRANSITIONS_PARTITION,
  [GSI2.sk]: `${openTransitionsStatusPrefix(status)}${id}`,
});

/** A version's tenure in a stage, under its model: `begins_with(sk, STAGE#<stage>#)` is the stage's history. */
export const stageTenurePrefix = (stage: string) => `STAGE#${stage}#`;
export const stageTenureKey = (name: string, stage: string, seq: number) => ({
  [TABLE.pk]: modelPartition(name),
  [TABLE.sk]: `${stageTenurePrefix(stage)}${pad(seq)}`,
});

export const idempotencyKey = (scope: string) => ({
  [TABLE.pk]: `IDEMPOTENCY#${scope}`,
  [TABLE.sk]: "IDEMPOTENCY",
});

/** The one item holding the page-token HMAC key (`items/page-token-key.ts`). */
export const pageTokenKeyKey = () => ({ [TABLE.pk]: "REGISTRY#PAGE_TOKENS", [TABLE.sk]: "KEY" });
