/**
 * The MLflow routes' handler on the in-memory core: MLflow's request and error shapes, search
 * over the registry's queries, and the governance rules the native routes keep.
 */
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import * as models from "#core/use-cases/models.ts";
import * as transitions from "#core/use-cases/transitions.ts";
import * as versions from "#core/use-cases/versions.ts";
import { createMlflowHandler } from "../../../functions/mlflow/api.ts";
import { MAX_READ } from "../../../functions/mlflow/search.ts";
import { artifact, makeReady, publisher, type TestCore, testCore } from "../core/use-cases/fixture.ts";

const PREFIX = "/api/2.0/mlflow/";

function call(core: TestCore, method: string, path: string, input: Record<string, unknown> = {}) {
  const handler = createMlflowHandler(core);
  const multi: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(input)) {
    multi[key] = (Array.isArray(value) ? value : [value]).map(String);
  }
  const event = {
    httpMethod: method,
    resource: `${PREFIX}${path}`,
    path: `${PREFIX}${path}`,
    body: method === "GET" ? null : JSON.stringify(input),
    isBase64Encoded: false,
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: method === "GET" && Object.keys(multi).length > 0 ? multi : null,
    pathParameters: null,
    stageVariables: null,
    requestContext: { requestId: "req-1", identity: { userArn: publisher.actor } },
  } as unknown as APIGatewayProxyEvent;
  return handler(event, {} as Context).then((result) => ({
    status: result.statusCode,
    // biome-ignore lint/suspicious/noExplicitAny: the test reads MLflow's JSON answers freely
    body: JSON.parse(result.body) as Record<string, any>,
  }));
}

async function withModels(names: string[], tags: (name: string) => Record<string, string> = () => ({})) {
  const core = testCore();
  for (const name of names) await models.createModel(core, { name, tags: tags(name) }, publisher);
  return core;
}

async function readyVersion(core: TestCore, name: string, lineage?: { runId: string }) {
  const { value } = await versions.createVersion(
    core,
    name,
    { artifacts: [artifact()], ...(lineage && { lineage }) },
    publisher,
  );
  await makeReady(core, name, value.version);
  return value.version;
}

describe("the MLflow routes", () => {
  it("answer a model in MLflow's shape, and errors as {error_code, message} with MLflow's statuses", async () => {
    const core = await withModels(["fraud"], () => ({ team: "risk" }));
    const got = await call(core, "GET", "registered-models/get", { name: "fraud" });
    expect(got).toMatchObject({
      status: 200,
      body: {
        registered_model: { name: "fraud", tags: [{ key: "team", value: "risk" }], latest_versions: [] },
      },
    });
    expect(await call(core, "GET", "registered-models/get", { name: "nope" })).toEqual({
      status: 404,
      body: { error_code: "RESOURCE_DOES_NOT_EXIST", message: "model 'nope' does not exist" },
    });
    expect(await call(core, "GET", "registered-models/get", {})).toEqual({
      status: 400,
      body: {
        error_code: "INVALID_PARAMETER_VALUE",
        message: "Missing value for required parameter 'name'.",
      },
    });
    expect(await call(core, "POST", "registered-models/create", { name: "fraud" })).toMatchObject({
      status: 400,
      body: { error_code: "RESOURCE_ALREADY_EXISTS" },
    });
    // The native API's validation, named as MLflow's parameter.
    expect(await call(core, "POST", "registered-models/create", { name: "bad name!" })).toMatchObject({
      status: 400,
      body: { error_code: "INVALID_PARAMETER_VALUE", message: expect.stringMatching(/^name: must be 1-128/) },
    });
  });

  it("refuse a rename, saying names are never reused", async () => {
    const core = await withModels(["fraud"]);
    const renamed = await call(core, "POST", "registered-models/rename", {
      name: "fraud",
      new_name: "fraud2",
    });
    expect(renamed.status).toBe(400);
    expect(renamed.body.message).toMatch(/never reused/);
  });

  it("refuse an alias on a version that is not READY, with the reason", async () => {
    const core = await withModels(["fraud"]);
    await versions.createVersion(core, "fraud", { artifacts: [artifact()] }, publisher);
    const refused = await call(core, "POST", "registered-models/alias", {
      name: "fraud",
      alias: "champion",
      version: "1",
    });
    expect(refused).toEqual({
      status: 409,
      body: {
        error_code: "RESOURCE_CONFLICT",
        message: expect.stringContaining("version 1 of 'fraud' is PENDING_UPLOAD, not READY"),
      },
    });
  });

  it("abandon an unsealed version on delete, and refuse to delete a sealed one, explaining why", async () => {
    const core = await withModels(["fraud"]);
    const sealed = await readyVersion(core, "fraud");
    await versions.createVersion(core, "fraud", { artifacts: [artifact()] }, publisher);
    const refused = await call(core, "DELETE", "model-versions/delete", {
      name: "fraud",
      version: String(sealed),
    });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/sealed versions are never deleted/);
    expect(await call(core, "DELETE", "model-versions/delete", { name: "fraud", version: "2" })).toEqual({
      status: 200,
      body: {},
    });
    const gone = await call(core, "GET", "model-versions/get", { name: "fraud", version: "2" });
    expect(gone.body.model_version).toMatchObject({
      status: "FAILED_REGISTRATION",
      status_message: /ABANDONED/,
    });
  });

  it("turn transition-stage into a transition request and answer the version as it stands", async () => {
    const core = await withModels(["fraud"]);
    const number = await readyVersion(core, "fraud");
    const answer = await call(core, "POST", "model-versions/transition-stage", {
      name: "fraud",
      version: String(number),
      stage: "Staging",
      archive_existing_versions: false,
    });
    expect(answer).toMatchObject({
      status: 200,
      body: { model_version: { version: "1", current_stage: "None" } },
    });
    const [request] = (await transitions.listTransitions(core, "fraud", { limit: 10 })).items;
    expect(request).toMatchObject({ to: "staging", status: "REQUESTED", requestedBy: publisher.actor });
    const unknown = await call(core, "POST", "model-versions/transition-stage", {
      name: "fraud",
      version: "1",
      stage: "Prod",
    });
    expect(unknown.body.message).toMatch(/'Prod' is not a stage: use None, Staging, Production, Archived/);
  });

  it("edit tags through the same use cases: history entries by the caller", async () => {
    const core = await withModels(["fraud"], () => ({ a: "1" }));
    await call(core, "POST", "registered-models/set-tag", { name: "fraud", key: "b", value: "two words" });
    await call(core, "DELETE", "registered-models/delete-tag", { name: "fraud", key: "a" });
    expect((await models.getModel(core, "fraud")).tags).toEqual({ b: "two words" });
    const missing = await call(core, "DELETE", "registered-models/delete-tag", { name: "fraud", key: "zz" });
    expect(missing).toMatchObject({ status: 404, body: { error_code: "RESOURCE_DOES_NOT_EXIST" } });
    const history = (await models.listHistory(core, "fraud", { limit: 10 })).items;
    expect(history.slice(0, 2).map((e) => [e.action, e.actor])).toEqual([
      ["MODEL_UPDATED", publisher.actor],
      ["MODEL_UPDATED", publisher.actor],
    ]);
  });
});

describe("MLflow search", () => {
  const names = ["fraud-a", "fraud-b", "fraud-c", "churn"];
  const team = (name: string): Record<string, string> => (name === "fraud-b" ? {} : { team: "risk team" });

  it("filters models as MLflow's client asks (its prompt filter included) and orders by two keys", async () => {
    const core = await withModels(names, team);
    await models.updateModel(core, "fraud-a", { description: "touched last" }, publisher);
    const found = await call(core, "GET", "registered-models/search", {
      filter: "name LIKE 'fraud-%' AND tags.team = 'risk team' AND tag.`mlflow.prompt.is_prompt` != 'true'",
      order_by: ["last_updated_timestamp DESC", "name ASC"],
    });
    expect(found.body.registered_models.map((m: { name: string }) => m.name)).toEqual(["fraud-a", "fraud-c"]);
    const ilike = await call(core, "GET", "registered-models/search", {
      filter: "name ILIKE 'FRAUD%' AND name != 'fraud-c'",
    });
    expect(ilike.body.registered_models.map((m: { name: string }) => m.name)).toEqual(["fraud-a", "fraud-b"]);
    const byIn = await call(core, "GET", "registered-models/search", {
      filter: "name IN ('churn', 'nope', 'fraud-b')",
    });
    expect(byIn.body.registered_models.map((m: { name: string }) => m.name)).toEqual(["churn", "fraud-b"]);
  });

  it("pages by max_results with tokens that only their own search accepts", async () => {
    const core = await withModels(names, team);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await call(core, "GET", "registered-models/search", {
        max_results: "3",
        order_by: ["name DESC"],
        ...(token && { page_token: token }),
      });
      seen.push(...page.body.registered_models.map((m: { name: string }) => m.name));
      token = page.body.next_page_token;
    } while (token);
    expect(seen).toEqual(["fraud-c", "fraud-b", "fraud-a", "churn"]);
    const first = await call(core, "GET", "registered-models/search", { max_results: "1" });
    const other = await call(core, "GET", "registered-models/search", {
      max_results: "1",
      filter: "name = 'churn'",
      page_token: first.body.next_page_token,
    });
    expect(other).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/not a token of this search/) },
    });
  });

  it("searches versions of the models a name condition selects, by run_id, tags and version_number", async () => {
    const core = await withModels(["fraud-a", "fraud-b"]);
    for (const name of ["fraud-a", "fraud-b"]) {
      await readyVersion(core, name, { runId: "run 1" });
      await readyVersion(core, name, { runId: "run 2" });
    }
    const found = await call(core, "GET", "model-versions/search", {
      filter: "name LIKE 'fraud-%' AND run_id = 'run 2' AND version_number >= 1",
      order_by: ["name DESC", "version_number ASC"],
    });
    expect(
      found.body.model_versions.map((v: { name: string; version: string }) => `${v.name}/${v.version}`),
    ).toEqual(["fraud-b/2", "fraud-a/2"]);
    const exact = await call(core, "GET", "model-versions/search", {
      filter: "name = 'fraud-a' AND version_number IN (1, 9)",
    });
    expect(exact.body.model_versions.map((v: { version: string }) => v.version)).toEqual(["1"]);
  });

  it("refuses a filter it cannot serve by a query with a 400 that names it", async () => {
    const core = await withModels(["fraud"]);
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["model-versions/search", { filter: "run_id = 'x'" }, /needs a condition on name/],
      [
        "model-versions/search",
        { filter: "name = 'fraud' AND source_path = 'x'" },
        /cannot filter on 'source_path'/,
      ],
      [
        "registered-models/search",
        { filter: "run_id = 'x'" },
        /registered-model search cannot filter on 'run_id'/,
      ],
      ["registered-models/search", { filter: "tags.a IN ('x')" }, /cannot serve 'tags.a IN'/],
      ["registered-models/search", { filter: "name = 1" }, /name compares with quoted strings/],
      ["registered-models/search", { filter: "name = 'a' OR name = 'b'" }, /^filter: OR is not supported/],
      [
        "registered-models/search",
        { order_by: ["version_number"] },
        /registered models have no version_number/,
      ],
      ["registered-models/search", { max_results: "0" }, /max_results must be a whole number from 1 to 1000/],
    ];
    for (const [path, input, message] of cases) {
      const answer = await call(core, "GET", path, input);
      expect(answer.status, JSON.stringify(input)).toBe(400);
      expect(answer.body).toEqual({
        error_code: "INVALID_PARAMETER_VALUE",
        message: expect.stringMatching(message),
      });
    }
  });

  it("refuses a search that would read more than its budget", async () => {
    const core = testCore();
    const many = Array.from({ length: MAX_READ + 1 }, (_, i) => `m${String(i).padStart(5, "0")}`);
    for (const name of many) await models.createModel(core, { name }, publisher);
    const answer = await call(core, "GET", "registered-models/search", { filter: "name LIKE '%9'" });
    expect(answer).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/would read more than/) },
    });
    const narrowed = await call(core, "GET", "registered-models/search", { filter: "name LIKE 'm001%'" });
    expect(narrowed.body.registered_models).toHaveLength(100);
  }, 30_000);
});
