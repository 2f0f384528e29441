import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transitionWorkflowRule } from "#core/events/catalog.ts";
import { type EventEnvelope, type LocalEventBus, startLocalEventBus } from "../../../local/event-bus.ts";

let bus: LocalEventBus;
let client: EventBridgeClient;
const invoked: EventEnvelope[] = [];
let failNext = false;

beforeAll(async () => {
  bus = await startLocalEventBus({
    busName: "model-registry",
    region: "us-east-1",
    account: "000000000000",
    port: 0,
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
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
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
