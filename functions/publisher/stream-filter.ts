/**
 * Which table-stream records wake the publisher: inserts of history items. One definition for
 * the Lambda event source mapping's filter (lib/event-publisher.ts) and local mode's stream
 * poller, which applies it with the local pattern matcher before invoking the same handler.
 * Written in event-pattern syntax, as Lambda's filter criteria are.
 */
export const HISTORY_INSERT_FILTER = {
  eventName: ["INSERT"],
  dynamodb: { NewImage: { type: { S: ["history"] } } },
} as const;
