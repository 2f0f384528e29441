/**
 * Issue 18, items 4 and 7, end to end in local mode: signed requests to the local gateway, the
 * CDK-synthesized state machine in the local workflow runner, its Step Functions API over HTTP.
 * The attacker holds what the issue says they hold: an approval wait's task token (it sat in the
 * state machine's logs), or write access to a version's model card.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SendTaskFailureCommand, SFNClient, StopExecutionCommand } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { transitionKey } from "#adapters/dynamodb/keys.ts";
import { client, createModel, createReadyVersion, expectError, registry, uniqueName } from "./support.ts";

const publisher = client("publisher");
const approver = client("approver");

interface TransitionBody {
  id: string;
  status: string;
  reason?: string;
  approvals: { by: string; decision: string }[];
}

/** The table, read and written as whoever can reach it (rules.test.ts does the same). */
function table() {
  const { dynamoEndpoint, region, tableName, registryCredentials } = registry();
  const raw = new DynamoDBClient({
    endpoint: dynamoEndpoint,
    region,
    credentials: registryCredentials,
  });
  return { db: DynamoDBDocumentClient.from(raw), tableName };
}

async function taskTokenOf(model: string, id: string): Promise<string | undefined> {
  return (await storedTransition(model, id))?.taskToken as string | undefined;
}

async function storedTransition(model: string, id: string) {
  const { db, tableName } = table();
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: transitionKey(model, id) }));
  return Item;
}

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const getTransition = async (model: string, id: string) =>
  (await publisher.request({ method: "GET", path: `/models/${model}/transitions/${id}` }))
    .body as TransitionBody;

const waitFor = (model: string, id: string, statuses: string[]) =>
  eventually(
    async () => {
      const t = await getTransition(model, id);
      return statuses.includes(t.status) ? t : undefined;
    },
    `transition ${id} to be ${statuses.join(" or ")}`,
  );

const ENDED = ["APPLIED", "REJECTED", "FAILED", "CANCELLED", "TIMED_OUT"];

async function request(model: string, version: number, to: string) {
  const response = await publisher.request({
    method: "POST",
    path: `/models/${model}/versions/${version}/transitions`,
    body: { to },
  });
  expect(response.status, response.rawBody).toBe(202);
  return (response.body as TransitionBody).id;
}

/** A model whose production needs one approval and a model card; version 1 in staging. */
async function awaitingProduction(prefix: string) {
  const name = uniqueName(prefix);
  await createModel(publisher, name, {
    policy: { approvals: { production: { required: 1 } }, requirements: { production: { modelCard: true } } },
  });
  await createReadyVersion(publisher, name);
  const card = await publisher.request({
    method: "PATCH",
    path: `/models/${name}/versions/1`,
    body: { modelCard: "# Fraud detector\nEvaluated on the Q3 hold-out set." },
  });
  expect(card.status, card.rawBody).toBe(200);
  expect((await waitFor(name, await request(name, 1, "staging"), ENDED)).status).toBe("APPLIED");
  const id = await request(name, 1, "production");
  await waitFor(name, id, ["AWAITING_APPROVAL"]);
  // The wait's task token is stored once the wait began.
  await eventually(() => taskTokenOf(name, id), "the wait's task token");
  return { name, id };
}

describe("evidence cannot change after validation (item 4)", () => {
  it("the model card of a version waiting for approval, then holding production, cannot be edited; the approved card is what serves", {
    timeout: 90_000,
  }, async () => {
    const { name, id } = await awaitingProduction("evidence");
    const swap = await publisher.request({
      method: "PATCH",
      path: `/models/${name}/versions/1`,
      body: { modelCard: "" },
    });
    expect(expectError(swap, 409, "VersionFrozen").message).toBe(
      `modelCard of version 1 of '${name}' cannot change now: it has an open transition request, ${id} (to production), whose validation checks them: cancel the request, edit, and request again`,
    );
    const approved = await approver.request({
      method: "POST",
      path: `/models/${name}/transitions/${id}/approve`,
      body: {},
    });
    expect(approved.status, approved.rawBody).toBe(200);
    const applied = await waitFor(name, id, ENDED);
    expect(applied.status).toBe("APPLIED");
    const tags = await publisher.request({
      method: "PATCH",
      path: `/models/${name}/versions/1`,
      body: { tags: { note: "edited in production" } },
    });
    expect(expectError(tags, 409, "VersionFrozen").message).toMatch(/cannot change now: it holds production/);
    const version = await publisher.request({ method: "GET", path: `/models/${name}/versions/1` });
    expect(version.body).toMatchObject({
      stage: "production",
      modelCard: expect.stringContaining("Q3 hold-out"),
    });
  });
});

describe("the workflow cannot be stopped without a trace (item 7)", () => {
  it("SendTaskFailure with the error a rejection uses, by whoever holds the token, ends the request FAILED with the reason", {
    timeout: 90_000,
  }, async () => {
    const { name, id } = await awaitingProduction("stopped");
    const token = (await taskTokenOf(name, id))!;
    // Whoever holds states:SendTaskFailure (in local mode only the functions' own identity is
    // answered: local-trust.test.ts), acting outside the registry.
    const { region, stepFunctionsEndpoint, registryCredentials } = registry();
    const sfn = new SFNClient({ endpoint: stepFunctionsEndpoint, region, credentials: registryCredentials });
    await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: "Rejected", cause: "quietly" }));
    const ended = await waitFor(name, id, ENDED);
    expect(ended.status).toBe("FAILED");
    expect(ended.reason).toBe(
      "the approval wait was stopped outside the registry (Rejected: quietly) with no decision recorded: request the transition again",
    );
    const history = await publisher.request({
      method: "GET",
      path: `/models/${name}/history`,
      query: { limit: 1 },
    });
    expect((history.body as { items: { action: string }[] }).items[0]?.action).toBe("TRANSITION_FAILED");
    // A later approval is refused, not silently unapplied.
    const late = await approver.request({
      method: "POST",
      path: `/models/${name}/transitions/${id}/approve`,
      body: {},
    });
    expectError(late, 409, "TransitionState");
  });

  it("StopExecution by whoever holds states:StopExecution ends the request FAILED with the reason (the rule for executions ended without a decision)", {
    timeout: 90_000,
  }, async () => {
    const { name, id } = await awaitingProduction("aborted");
    const execution = (await storedTransition(name, id))?.execution as string;
    expect(execution).toMatch(/^arn:aws:states:.*:execution:/);
    const { region, stepFunctionsEndpoint, registryCredentials } = registry();
    const sfn = new SFNClient({ endpoint: stepFunctionsEndpoint, region, credentials: registryCredentials });
    await sfn.send(
      new StopExecutionCommand({ executionArn: execution, error: "Operator", cause: "cleaning up" }),
    );
    sfn.destroy();
    const ended = await waitFor(name, id, ENDED);
    expect(ended.status).toBe("FAILED");
    expect(ended.reason).toBe(
      "the approval wait was stopped outside the registry (ExecutionAborted: the execution was stopped: Operator: cleaning up) with no decision recorded: request the transition again",
    );
    const late = await approver.request({
      method: "POST",
      path: `/models/${name}/transitions/${id}/approve`,
      body: {},
    });
    expectError(late, 409, "TransitionState");
  });

  it("the final approval whose execution no longer waits starts a new one, which applies the request", {
    timeout: 90_000,
  }, async () => {
    const { name, id } = await awaitingProduction("recover");
    // The execution waiting on the request is gone (stopped outside the registry): its token no
    // longer answers. Stand-in: the request names a token no execution waits on.
    const { db, tableName } = table();
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: transitionKey(name, id),
        UpdateExpression: "SET taskToken = :gone",
        ExpressionAttributeValues: { ":gone": "a-token-no-execution-waits-on" },
      }),
    );
    const approved = await approver.request({
      method: "POST",
      path: `/models/${name}/transitions/${id}/approve`,
      body: {},
    });
    expect(approved.status, approved.rawBody).toBe(200);
    const applied = await waitFor(name, id, ENDED);
    expect(applied).toMatchObject({ status: "APPLIED" });
    const model = await publisher.request({ method: "GET", path: `/models/${name}` });
    expect(model.body).toMatchObject({ stages: { production: 1 } });
  });
});
