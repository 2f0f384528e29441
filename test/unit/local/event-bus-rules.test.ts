import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transitionWorkflowRule } from "#core/events/catalog.ts";
import { type EventEnvelope, type LocalEventBus, startLocalEventBus } from "../../../local/event-bus.ts";
import { builtInPrincipals } from "../../../local/principals.ts";
import { realDateNow } from "../../support/shifted-wall-clock.ts";

let bus: LocalEventBus;
let client: EventBridgeClient;
const invoked: EventEnvelope[] = [];
let failNext = false;
/** The registry's own identity: the only one that may put the registry's source. */
const registryIdentity = {
  accessKeyId: "AKIALOCALREGISTRY001",
  secretAccessKey: "registry-secret-for-this-test-only",
};
const publisher = builtInPrincipals.find((p) => p.name === "publisher")!;

beforeAll(async () => {
  bus = await startLocalEventBus({
    busName: "model-registry",
    region: "us-east-1",
    account: "000000000000",
    port: 0,
    trust: { signers: builtInPrincipals, reservedSource: "model-registry", owner: registryIdentity },
    // The SDK signs with the real date; the bus checks against the same clock.
    now: () => new Date(realDateNow()),
    rules: [
      {
        name: "transition-workflow",
        pattern: transitionWorkflowRule(),
        invoke: async (event) => {
          if (failNext) {
            failNext = false;
            throw new Error("state machine unavailable");
          }
          invoked.push(event);
        },
      },
    ],
  });
  client = new EventBridgeClient({
    endpoint: bus.endpoint,
    region: "us-east-1",
    credentials: registryIdentity,
  });
});

afterAll(async () => {
  client?.destroy();
  await bus?.close();
});

const put = (detailType: string, detail: object) =>
  client.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: "model-registry",
          Source: "model-registry",
          DetailType: detailType,
          Detail: JSON.stringify(detail),
        },
      ],
    }),
  );

describe("a local rule with a function target", () => {
  it("is called, in order, with the envelope of each event its pattern matches, and no other", async () => {
    await put("Stage Transition Requested", { model: "churn", transitionId: "tr-1" });
    await put("Model Registered", { model: "churn" });
    await put("Stage Transition Requested", { model: "churn", transitionId: "tr-2" });
    await bus.settled();
    expect(invoked.map((e) => e.detail.transitionId)).toEqual(["tr-1", "tr-2"]);
    expect(invoked[0]).toMatchObject({
      "detail-type": "Stage Transition Requested",
      source: "model-registry",
    });
  });

  it("dead-letters an event the function fails on, and carries on", async () => {
    invoked.length = 0;
    failNext = true;
    await put("Stage Transition Requested", { model: "churn", transitionId: "tr-3" });
    await put("Stage Transition Requested", { model: "churn", transitionId: "tr-4" });
    await bus.settled();
    expect(invoked.map((e) => e.detail.transitionId)).toEqual(["tr-4"]);
    expect(bus.deadLetters.at(-1)).toMatchObject({
      target: "transition-workflow",
      error: "Error: state machine unavailable",
      event: { detail: { transitionId: "tr-3" } },
    });
  });
});

describe("who may put events on the local bus", () => {
  const entry = {
    EventBusName: "model-registry",
    Source: "model-registry",
    DetailType: "Stage Transition Requested",
    Detail: JSON.stringify({ model: "churn", transitionId: "forged" }),
  };
  const seen: EventEnvelope[] = [];

  it("refuses an unsigned PutEvents: nothing reaches listeners, rules or targets", async () => {
    const unsubscribe = bus.subscribe((event) => seen.push(event));
    try {
      const response = await fetch(bus.endpoint, {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSEvents.PutEvents" },
        body: JSON.stringify({ Entries: [entry] }),
      });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ __type: "AccessDeniedException" });
      await bus.settled();
      expect(seen).toEqual([]);
    } finally {
      unsubscribe();
    }
  });

  it("refuses the registry's source from a local user, even a correctly signed one, and accepts other sources from it", async () => {
    const asPublisher = new EventBridgeClient({
      endpoint: bus.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: publisher.accessKeyId, secretAccessKey: publisher.secretAccessKey },
    });
    const unsubscribe = bus.subscribe((event) => seen.push(event));
    invoked.length = 0;
    try {
      const forged = await asPublisher.send(new PutEventsCommand({ Entries: [entry] }));
      expect(forged.FailedEntryCount).toBe(1);
      expect(forged.Entries?.[0]).toMatchObject({ ErrorCode: "NotAuthorizedForSourceException" });
      const own = await asPublisher.send(
        new PutEventsCommand({ Entries: [{ ...entry, Source: "team.ci", DetailType: "Build Finished" }] }),
      );
      expect(own.FailedEntryCount).toBe(0);
      await bus.settled();
      expect(seen.map((e) => e.source)).toEqual(["team.ci"]);
      expect(invoked).toEqual([]);
    } finally {
      unsubscribe();
      asPublisher.destroy();
    }
  });

  it("refuses a signature made with the wrong secret for the registry's key", async () => {
    const forger = new EventBridgeClient({
      endpoint: bus.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: registryIdentity.accessKeyId, secretAccessKey: "guessed" },
      maxAttempts: 1,
    });
    try {
      await expect(forger.send(new PutEventsCommand({ Entries: [entry] }))).rejects.toMatchObject({
        name: "AccessDeniedException",
      });
    } finally {
      forger.destroy();
    }
  });
});
