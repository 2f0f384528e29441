/**
 * The table's attribute and index names, read from the one table definition that the CDK stack
 * and local mode also build the table from. Nothing else in the adapter spells them out, so a
 * renamed key attribute or index fails here (or in the type-check), not silently in a query.
 */
import { registryTableDefinition as definition } from "./table-definition.ts";

const [gsi1, gsi2] = definition.globalSecondaryIndexes;

export const TABLE = { pk: definition.partitionKey, sk: definition.sortKey } as const;

/**
 * gsi1 serves: list models by name prefix, list a model's versions in one stage, and list one
 * version's transition requests.
 */
export const GSI1 = { name: gsi1.indexName, pk: gsi1.partitionKey, sk: gsi1.sortKey } as const;

/** gsi2 (sparse) serves: list the open transition requests of every model (approvals, recovery). */
export const GSI2 = { name: gsi2.indexName, pk: gsi2.partitionKey, sk: gsi2.sortKey } as const;

/** The attribute DynamoDB's TTL reads (epoch seconds). */
export const TTL_ATTRIBUTE = definition.timeToLiveAttribute;

/** Attributes that make up an ExclusiveStartKey for the table and for each index. */
export const TABLE_KEY_ATTRIBUTES = [TABLE.pk, TABLE.sk] as const;
export const GSI1_KEY_ATTRIBUTES = [GSI1.pk, GSI1.sk, TABLE.pk, TABLE.sk] as const;
export const GSI2_KEY_ATTRIBUTES = [GSI2.pk, GSI2.sk, TABLE.pk, TABLE.sk] as const;
