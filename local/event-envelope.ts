/**
 * An event as EventBridge delivers it to a target: what the local bus builds from each PutEvents
 * entry, hands to its rules' targets and keeps in its journal (`event-journal.ts`).
 */
export interface EventEnvelope {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}
