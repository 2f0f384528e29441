/**
 * The registry's single DynamoDB table, declared once.
 *
 * The CDK data stack builds the real table from this object and local mode creates the
 * DynamoDB Local table from the same object, so the two cannot drift. Key *values* are
 * built only in `functions/adapters/dynamodb/keys.ts`.
 */
export const registryTableDefinition = {
  /**
   * Every key attribute, of the table and of every index, is a string (`S`): keys.ts builds
   * them as `MODEL#<name>`-style strings. Stated here so neither consumer has to assume it.
   */
  keyAttributeType: "S",
  partitionKey: "pk",
  sortKey: "sk",
  /** Every GSI is named after the access patterns it serves (see README, "Access patterns"). */
  globalSecondaryIndexes: [
    {
      /**
       * gsi1 serves: list models by name prefix (`MODELS` / `<name>`),
       * list a model's versions in one stage (`MODEL#<name>#STAGE#<stage>` / `VERSION#<n>`), and
       * list one version's transition requests, newest first
       * (`MODEL#<name>#VERSION#<n>#TRANSITIONS` / `<transition id>`).
       */
      indexName: "gsi1",
      partitionKey: "gsi1pk",
      sortKey: "gsi1sk",
    },
    {
      /**
       * gsi2 (sparse: only open transition requests carry its keys) serves: list the open
       * transition requests of every model, by status then oldest first (`TRANSITIONS#OPEN` /
       * `<status>#<id>`): an approver's queue (AWAITING_APPROVAL), and recovery of requests
       * whose workflow stopped. A request that ends (APPLIED, REJECTED, ...) leaves the index.
       */
      indexName: "gsi2",
      partitionKey: "gsi2pk",
      sortKey: "gsi2sk",
    },
  ],
  /** Idempotency records expire through DynamoDB TTL. */
  timeToLiveAttribute: "ttl",
  /** The stream carries history items (the outbox) to the event bus. */
  streamViewType: "NEW_AND_OLD_IMAGES",
} as const;

export type RegistryTableDefinition = typeof registryTableDefinition;
