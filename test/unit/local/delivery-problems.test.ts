/**
 * A failing local event target is said where `npm start` runs (issue 20, part 2 item 5): one
 * report per failed attempt and one per dead letter, formatted as a console line each.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { afterAll, describe, expect, it } from "vitest";
import { formatDeliveryProblem } from "../../../local/banner.ts";
import { type DeliveryProblem, type LocalEventBus, startLocalEventBus } from "../../../local/event-bus.ts";
import { realDateNow } from "../../support/shifted-wall-clock.ts";

/** The registry's own identity: the only one that may put the registry's source. */
const registryIdentity = {
  accessKeyId: "AKIALOCALREGISTRY001",
  secretAccessKey: "registry-secret-for-this-test-only",
};

let bus: LocalEventBus | undefined;
let client: EventBridgeClient | undefined;
const server = createServer((_request, response) => {
  response.writeHead(503);
  response.end("down for maintenance");
});

afterAll(async () => {
  client?.destroy();
  await bus?.close();
  await new Promise((done) => server.close(done));
});

describe("a failing target of the local bus", () => {
  it("reports each failed attempt and the dead letter, and each becomes one console line", async () => {
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const problems: DeliveryProblem[] = [];
    bus = await startLocalEventBus({
      busName: "model-registry",
      region: "us-east-1",
      account: "000000000000",
      port: 0,
      // The registry puts its own source: signed by its identity, checked against the real date.
      trust: { signers: [], reservedSource: "model-registry", owner: registryIdentity },
      now: () => new Date(realDateNow()),
      targets: [{ name: "deploy-hook", pattern: { source: ["model-registry"] }, url }],
      deliveryAttempts: 3,
      deliveryBackoffMs: () => 1,
      onDeliveryProblem: (problem) => problems.push(problem),
    });
    client = new EventBridgeClient({
      endpoint: bus.endpoint,
      region: "us-east-1",
      credentials: registryIdentity,
    });
    await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: "model-registry",
            DetailType: "Model Version Ready",
            Detail: JSON.stringify({ model: "fraud", seq: 4, version: 2 }),
            EventBusName: "model-registry",
          },
        ],
      }),
    );
    await bus.settled();
    expect(problems.map((p) => [p.deadLetter, p.attempt, p.error])).toEqual([
      [false, 1, "HTTP 503"],
      [false, 2, "HTTP 503"],
      [true, 3, "HTTP 503"],
    ]);
    expect(bus.deadLetters).toHaveLength(1);
    const lines = problems.map(formatDeliveryProblem);
    expect(lines[0]).toBe(
      `[delivery failed] Model Version Ready fraud seq=4 → deploy-hook (${url}): attempt 1 of 3: HTTP 503; retrying`,
    );
    expect(lines[2]).toBe(
      `[dead-letter] Model Version Ready fraud seq=4 → deploy-hook (${url}): gave up after 3 attempt(s): HTTP 503`,
    );
  });
});
