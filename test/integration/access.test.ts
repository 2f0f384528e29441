/**
 * The role matrix, through real signed HTTP against local mode: each principal plays the role it
 * is named after, and the gateway lets it call only the routes that list that role.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { routes } from "#http/route-table.ts";
import type { RegistryResponse } from "../../clients/typescript/registry-error.ts";
import { presignedGet } from "../support/presign.ts";
import {
  client,
  createModel,
  createReadyVersion,
  type ErrorBody,
  type PrincipalName,
  principal,
  registry,
  setAlias,
  uniqueName,
} from "./support.ts";

const publisher = client("publisher");
const name = uniqueName("access");

beforeAll(async () => {
  await createModel(publisher, name, { description: "before" });
  await createReadyVersion(publisher, name);
  expect((await setAlias(publisher, name, "champion", 1)).status).toBe(200);
});

/** Whether a concrete path is one of a route's (`{name}` one segment, `{path+}` the rest). */
const routeMatches = (template: string, path: string) =>
  new RegExp(`^${template.replace(/\{[^/]+\+\}/g, ".+").replace(/\{[^/]+\}/g, "[^/]+")}$`).test(path);

/** Asserts IAM's deny, as the gateway reports it, for `who` calling `method path`. */
function expectAccessDenied(response: RegistryResponse, who: PrincipalName, method: string, path: string) {
  expect(response.status, `${who} ${method} ${path}`).toBe(403);
  expect(response.headers["x-amzn-errortype"]).toBe("AccessDeniedException");
  const { region } = registry();
  const error = (response.body as ErrorBody).error;
  const route = routes.find((r) => r.method === method && routeMatches(r.path, path))!;
  expect(error).toEqual({
    code: "AccessDenied",
    message: expect.stringMatching(/ may be called by the roles [a-z, ]+; this principal plays [a-z]+: /),
    requestId: response.headers["x-amzn-requestid"],
    // IAM's sentence, as API Gateway's deny carries it, and the route as API Gateway names it.
    details: {
      route: `${method} ${route.path}`,
      iam:
        `User: ${principal(who).arn} is not authorized to perform: execute-api:Invoke on resource: ` +
        `arn:aws:execute-api:${region}:000000000000:local/local/${method}${path}`,
    },
  });
  // The route and the roles that may call it, then where every route's roles are listed.
  expect(
    error.message.startsWith(`${method} ${route.path} may be called by the roles ${route.roles.join(", ")};`),
  ).toBe(true);
  expect(error.message).toContain("GET /openapi.json lists the roles that may call each operation");
  expect(error.message).toContain(`this principal plays ${who}`);
}

describe("roles in local mode", () => {
  it("lets the reader read models, versions and aliases", async () => {
    const reader = client("reader");
    for (const path of [
      "/models",
      `/models/${name}`,
      `/models/${name}/versions`,
      `/models/${name}/versions/1`,
      `/models/${name}/aliases/champion`,
      `/models/${name}/history`,
    ]) {
      expect((await reader.request({ method: "GET", path })).status, path).toBe(200);
    }
  });

  it("refuses every write the reader tries with 403 AccessDenied, and nothing changes", async () => {
    const reader = client("reader");
    const attempts = [
      { method: "POST", path: "/models", body: { name: uniqueName("by-reader") } },
      { method: "PATCH", path: `/models/${name}`, body: { description: "by reader" } },
      { method: "POST", path: `/models/${name}/versions`, body: { artifacts: [] } },
      { method: "PUT", path: `/models/${name}/aliases/champion`, body: { version: 1 } },
      { method: "DELETE", path: `/models/${name}/aliases/champion` },
      { method: "DELETE", path: `/models/${name}` },
    ];
    for (const attempt of attempts) {
      expectAccessDenied(await reader.request(attempt), "reader", attempt.method, attempt.path);
    }
    const model = await publisher.request({ method: "GET", path: `/models/${name}` });
    expect(model.body).toMatchObject({ description: "before", latestVersion: 1, aliases: { champion: 1 } });
  });

  it("refuses the publisher's deletes with 403 AccessDenied", async () => {
    for (const path of [`/models/${name}/aliases/champion`, `/models/${name}`]) {
      expectAccessDenied(await publisher.request({ method: "DELETE", path }), "publisher", "DELETE", path);
    }
    expect((await publisher.request({ method: "GET", path: `/models/${name}` })).status).toBe(200);
  });

  it("refuses the approver's publishing with 403 AccessDenied, and lets it read", async () => {
    const approver = client("approver");
    const path = `/models/${name}`;
    expectAccessDenied(
      await approver.request({ method: "PATCH", path, body: { description: "by approver" } }),
      "approver",
      "PATCH",
      path,
    );
    expect((await approver.request({ method: "GET", path })).status).toBe(200);
  });

  it("serves a GET presigned in the query string (X-Amz-* parameters never reach the handler)", async () => {
    const { endpoint, region } = registry();
    const url = await presignedGet(new URL(`/models/${name}`, endpoint), {
      region,
      credentials: principal("reader"),
      expiresIn: 300,
    });
    const response = await fetch(url);
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toMatchObject({ name, description: "before" });
  });

  it("lets the admin delete an alias and the model", async () => {
    const admin = client("admin");
    const alias = await admin.request({ method: "DELETE", path: `/models/${name}/aliases/champion` });
    expect(alias.status).toBe(204);
    expect((await admin.request({ method: "DELETE", path: `/models/${name}` })).status).toBe(204);
    expect((await admin.request({ method: "GET", path: `/models/${name}` })).status).toBe(404);
  });
});
