import { readFileSync } from "node:fs";
import { Stack, Token } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import type { CfnRestApi, CfnStage } from "aws-cdk-lib/aws-apigateway";
import type { CfnManagedPolicy, CfnRole } from "aws-cdk-lib/aws-iam";
import { type CfnFunction, Code, Function as LambdaFunction, Runtime } from "aws-cdk-lib/aws-lambda";
import { type CfnLogGroup, LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { beforeAll, describe, expect, it } from "vitest";
import { accessDeniedMessage } from "#http/access-denied.ts";
import { type RegistryRole, registryRoles } from "#http/roles.ts";
import {
  type FunctionGroup,
  type HttpMethod,
  type RouteGroup,
  routeGroups,
  routes,
} from "#http/route-table.ts";
import { mlflowRoutes } from "../../functions/mlflow/routes.ts";
import { registryApp } from "../../lib/app.ts";
import { RegistryApi } from "../../lib/registry-api.ts";
import { defaultRegistryConfig } from "../../lib/registry-config.ts";
import { RegistryFunction } from "../../lib/registry-function.ts";
import { addRegistryStacks, type RegistryStacks } from "../../lib/registry-stacks.ts";
import {
  asArray,
  assertHandlerEntriesExist,
  type CfnResource,
  iamPatternMatches,
  type Json,
  propsOf,
  render,
  resourcePaths,
  samplePath,
} from "./template-support.ts";

// One synth for the whole file: it bundles every handler with esbuild.
let stacks: RegistryStacks;
let template: Template;
let resources: Record<string, CfnResource>;
/** Every route API Gateway serves: the native route table and the MLflow-compatible routes. */
const servedRoutes = [...routes, ...mlflowRoutes];

beforeAll(() => {
  assertHandlerEntriesExist();
  stacks = addRegistryStacks(registryApp(), defaultRegistryConfig);
  template = Template.fromStack(stacks.api);
  resources = template.toJSON().Resources;
});

const ofType = (type: string): [string, CfnResource][] =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);

const functionLogicalId = (group: FunctionGroup): string =>
  stacks.api.getLogicalId(stacks.api.functions[group].node.defaultChild as CfnFunction);

/** Every IAM action granted to a group's function through its role's inline policies. */
function actionsGrantedTo(group: RouteGroup): string[] {
  const role = stacks.api.functions[group].role;
  if (!role) throw new Error(`${group} function has no role`);
  const roleRef = `{Ref:${stacks.api.getLogicalId(role.node.defaultChild as CfnRole)}}`;
  return ofType("AWS::IAM::Policy")
    .filter(([, policy]) => asArray(propsOf(policy).Roles).map(render).includes(roleRef))
    .flatMap(([, policy]) => asArray((propsOf(policy).PolicyDocument as { Statement: Json }).Statement))
    .flatMap((statement) => asArray((statement as { Action: Json }).Action))
    .map((action) => action as string);
}

describe("registry app", () => {
  it("names its stateful and stateless stacks from the prefix and stays environment-agnostic", () => {
    expect(stacks.data.stackName).toBe(`${defaultRegistryConfig.stackPrefix}-Data`);
    expect(stacks.api.stackName).toBe(`${defaultRegistryConfig.stackPrefix}-Api`);
    for (const stack of [stacks.data, stacks.api]) {
      expect(Token.isUnresolved(stack.account)).toBe(true);
      expect(Token.isUnresolved(stack.region)).toBe(true);
    }
    expect(stacks.api.dependencies).toContain(stacks.data);
  });
});

describe("REST API built from the route table", () => {
  const methodEntries = () => ofType("AWS::ApiGateway::Method");

  it("has exactly one method per route, and every method requires SigV4 (AWS_IAM)", () => {
    expect(methodEntries()).toHaveLength(servedRoutes.length);
    for (const [, method] of methodEntries()) {
      expect(propsOf(method).AuthorizationType).toBe("AWS_IAM");
    }
  });

  it("attaches no request validator that has nothing to check: requests are validated by the functions' schemas", () => {
    // A validator without request models or parameters passes every request; it would only
    // silence cdk-nag's AwsSolutions-APIG2, which is acknowledged instead, with the reason.
    for (const [id, method] of methodEntries()) {
      const props = propsOf(method);
      if (props.RequestValidatorId === undefined) continue;
      expect(props.RequestModels ?? props.RequestParameters, `${id} validates nothing`).toBeDefined();
    }
    expect(ofType("AWS::ApiGateway::RequestValidator")).toEqual([]);
  });

  it("signs even the routes that local mode serves unauthenticated", () => {
    const localOnly = routes.filter((route) => route.localUnauthenticated);
    expect(localOnly.length).toBeGreaterThan(0);
    const paths = resourcePaths(resources);
    for (const route of localOnly) {
      const method = methodEntries().find(
        ([, m]) =>
          propsOf(m).HttpMethod === route.method &&
          paths.get(render(propsOf(m).ResourceId as Json).replace(/^\{Ref:(.*)\}$/, "$1")) === route.path,
      );
      expect(propsOf(method?.[1]).AuthorizationType).toBe("AWS_IAM");
    }
  });

  it("creates exactly the resources the route paths need, nested by path part", () => {
    const expected = new Set(
      servedRoutes.flatMap((route) =>
        route.path
          .split("/")
          .slice(1)
          .map((_, i, parts) => `/${parts.slice(0, i + 1).join("/")}`),
      ),
    );
    expect(new Set(resourcePaths(resources).values())).toEqual(expected);
  });

  describe.each(servedRoutes)("$method $path", (route) => {
    it(`is served by the ${route.group} function through a Lambda proxy integration`, () => {
      const paths = resourcePaths(resources);
      const matches = methodEntries().filter(
        ([, m]) =>
          propsOf(m).HttpMethod === route.method &&
          paths.get(render(propsOf(m).ResourceId as Json).replace(/^\{Ref:(.*)\}$/, "$1")) === route.path,
      );
      expect(matches).toHaveLength(1);
      const props = propsOf(matches[0]![1]);
      expect(props.OperationName).toBe(route.operationId);
      const integration = props.Integration as Record<string, Json>;
      expect(integration.Type).toBe("AWS_PROXY");
      expect(integration.IntegrationHttpMethod).toBe("POST");
      expect(render(integration.Uri as Json)).toContain(`{${functionLogicalId(route.group)}.Arn}`);
    });
  });

  it("deploys stage v1 with X-Ray tracing, metrics and throttling", () => {
    template.hasResourceProperties("AWS::ApiGateway::Stage", {
      StageName: "v1",
      TracingEnabled: true,
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          HttpMethod: "*",
          ResourcePath: "/*",
          MetricsEnabled: true,
          ThrottlingRateLimit: defaultRegistryConfig.apiThrottleRateLimit,
          ThrottlingBurstLimit: defaultRegistryConfig.apiThrottleBurstLimit,
        }),
      ]),
    });
  });

  it("writes JSON access logs, including the caller's IAM identity, to the data stack's retained log group", () => {
    const [[, stage]] = ofType("AWS::ApiGateway::Stage") as [[string, CfnResource]];
    const setting = propsOf(stage).AccessLogSetting as { Format: string; DestinationArn: Json };
    // $context.error.messageString arrives already quoted; substitute a sample to check the JSON.
    const line = JSON.parse(setting.Format.replace("$context.error.messageString", '"sample"'));
    expect(line).toMatchObject({
      requestId: "$context.requestId",
      userArn: "$context.identity.userArn",
      status: "$context.status",
      errorMessage: "sample",
    });
    // The audit trail lives in the data stack, retained, and outlives redeploys of the API.
    const dataResources = Template.fromStack(stacks.data).toJSON().Resources as Record<string, CfnResource>;
    const logGroupId = stacks.data.getLogicalId(stacks.data.apiAccessLogs.node.defaultChild as CfnLogGroup);
    expect(render(setting.DestinationArn)).toContain(logGroupId);
    expect(dataResources[logGroupId]?.Type).toBe("AWS::Logs::LogGroup");
    expect(dataResources[logGroupId]?.DeletionPolicy).toBe("Retain");
    expect(propsOf(dataResources[logGroupId]).RetentionInDays).toBe(defaultRegistryConfig.accessLogRetention);
  });

  it("gives the stage's execution logs (errors only) a group of its own, with retention, made before the stage", () => {
    const [[stageId, stage]] = ofType("AWS::ApiGateway::Stage") as [[string, CfnResource]];
    expect(propsOf(stage).MethodSettings).toEqual([expect.objectContaining({ LoggingLevel: "ERROR" })]);
    const apiId = stacks.api.getLogicalId(stacks.api.registryApi.api.node.defaultChild as CfnRestApi);
    // The name API Gateway writes to: without this group it creates one that never expires.
    const name = `API-Gateway-Execution-Logs_{Ref:${apiId}}/${defaultRegistryConfig.stageName}`;
    const groups = ofType("AWS::Logs::LogGroup").filter(
      ([, group]) =>
        propsOf(group).LogGroupName !== undefined && render(propsOf(group).LogGroupName as Json) === name,
    );
    expect(groups).toHaveLength(1);
    const [groupId, group] = groups[0]!;
    expect(propsOf(group).RetentionInDays).toBe(defaultRegistryConfig.functionLogRetention);
    expect(asArray(resources[stageId]!.DependsOn as Json)).toContain(groupId);
  });

  it("answers IAM's deny with the route, where its roles are listed, and IAM's sentence in details, as local mode words it", () => {
    const found = ofType("AWS::ApiGateway::GatewayResponse").filter(
      ([, response]) => propsOf(response).ResponseType === "ACCESS_DENIED",
    );
    expect(found).toHaveLength(1);
    const template = (propsOf(found[0]![1]).ResponseTemplates as Record<string, string>)["application/json"]!;
    // API Gateway substitutes plain $context variables (no VTL); messageString arrives quoted.
    const iam =
      "User: arn:aws:sts::123456789012:assumed-role/notebook/ana is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:abc/prod/DELETE/models/fraud";
    const body = JSON.parse(
      template
        .replaceAll("$context.error.messageString", JSON.stringify(iam))
        .replaceAll("$context.httpMethod", "DELETE")
        .replaceAll("$context.resourcePath", "/models/{name}")
        .replaceAll("$context.requestId", "req-1"),
    );
    expect(body).toEqual({
      error: {
        code: "AccessDenied",
        message: expect.stringMatching(/^DELETE \/models\/\{name\} may not be called by this principal/),
        requestId: "req-1",
        details: { route: "DELETE /models/{name}", iam },
      },
    });
    // Says where the roles are: the served document (each operation's roles) and the docs' table.
    expect(body.error.message).toContain(
      "GET /openapi.json lists the roles that may call each operation (x-registry-roles)",
    );
    expect(body.error.message).toContain("docs/http-api.md#roles");
    // The same sentence local mode ends its AccessDenied with (one source).
    const local = accessDeniedMessage(
      { method: "DELETE", path: "/models/{name}" },
      { allowed: ["admin"], callerPlays: "reader" },
    );
    expect(local.slice(local.indexOf("GET /openapi.json"))).toBe(
      body.error.message.slice(body.error.message.indexOf("GET /openapi.json")),
    );
  });

  it.each([
    ["MISSING_AUTHENTICATION_TOKEN", "MissingAuthenticationToken"],
    ["INVALID_SIGNATURE", "InvalidSignature"],
    ["EXPIRED_TOKEN", "ExpiredToken"],
    ["REQUEST_TOO_LARGE", "RequestTooLarge"],
    ["INTEGRATION_TIMEOUT", "IntegrationTimeout"],
    ["DEFAULT_4XX", "RequestRejected"],
    ["DEFAULT_5XX", "InternalError"],
  ])("answers API Gateway's own %s in the registry's error shape (code %s)", (type, code) => {
    const found = ofType("AWS::ApiGateway::GatewayResponse").filter(
      ([, response]) => propsOf(response).ResponseType === type,
    );
    expect(found).toHaveLength(1);
    const templates = propsOf(found[0]![1]).ResponseTemplates as Record<string, string>;
    const body = JSON.parse(templates["application/json"]!.replace("$context.error.messageString", '"m"'));
    expect(body).toEqual({ error: { code, message: "m", requestId: "$context.requestId" } });
  });

  it("publishes the API URL and the data stack's names as outputs, once each", () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: Json }>;
    for (const name of ["ApiUrl", "TableName", "ArtifactBucketName", "EventBusName"]) {
      expect(outputs[name], name).toBeDefined();
    }
    expect(render(outputs.ApiUrl!.Value)).toMatch(/^https:\/\/.*\/$/);
    const urlOutputs = Object.values(outputs).filter((o) => render(o.Value).startsWith("https://"));
    expect(urlOutputs).toHaveLength(1);
  });
});

describe("functions", () => {
  it("each deploy their own bundle (one code asset per function, none shared by mistake)", () => {
    const keys = ofType("AWS::Lambda::Function").map(([, fn]) =>
      render((propsOf(fn).Code as { S3Key: Json }).S3Key),
    );
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("has one function per route group, the MLflow routes' function, the artifact verifier, the event publisher and the workflow's tasks", () => {
    // The publisher (lib/event-publisher.ts) is tested in event-publisher.test.ts, the
    // workflow (lib/transition-workflow.ts) in transition-workflow.test.ts.
    expect(ofType("AWS::Lambda::Function")).toHaveLength(routeGroups.length + 1 + 3);
  });

  it.each(routeGroups)(
    "%s runs Node.js 24 on arm64, ESM-bundled, traced, with the registry's settings",
    (group) => {
      const fn = resources[functionLogicalId(group)]!;
      expect(propsOf(fn)).toMatchObject({
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        Handler: "index.handler",
        MemorySize: 1024,
        Timeout: 10,
        TracingConfig: { Mode: "Active" },
      });
      const env = (propsOf(fn).Environment as { Variables: Record<string, Json> }).Variables;
      expect(env).toMatchObject({
        SERVICE_NAME: "model-registry",
        EVENT_SOURCE: defaultRegistryConfig.eventSource,
      });
      // Source maps cost every cold start; on only with context `sourceMaps`.
      expect(env.NODE_OPTIONS).toBeUndefined();
      for (const name of ["TABLE_NAME", "ARTIFACT_BUCKET", "EVENT_BUS_NAME"]) {
        expect(env[name], name).toBeDefined();
      }
      // The page-token key is kept in the table, never in the environment nor in a secret.
      expect(env.PAGE_TOKEN_SECRET).toBeUndefined();
      expect(env.PAGE_TOKEN_SECRET_ARN).toBeUndefined();
      const logGroupId = render((propsOf(fn).LoggingConfig as { LogGroup: Json }).LogGroup).replace(
        /^\{Ref:(.*)\}$/,
        "$1",
      );
      expect(propsOf(resources[logGroupId]).RetentionInDays).toBe(defaultRegistryConfig.functionLogRetention);
    },
  );

  it("grants each function only what its routes need", () => {
    const can = (group: RouteGroup, prefix: string) =>
      actionsGrantedTo(group).some((action) => action.startsWith(prefix));

    expect(can("versions", "dynamodb:")).toBe(true);
    // Creating a version presigns PUTs and starts multipart uploads: both are s3:PutObject.
    expect(actionsGrantedTo("versions").filter((a) => a.startsWith("s3:"))).toEqual(["s3:PutObject"]);

    expect(
      actionsGrantedTo("artifacts")
        .filter((a) => a.startsWith("s3:"))
        .sort(),
    ).toEqual([
      "s3:AbortMultipartUpload",
      "s3:GetObject",
      "s3:GetObjectAttributes",
      "s3:GetObjectVersion",
      "s3:ListMultipartUploadParts",
      "s3:PutObject",
    ]);
    expect(actionsGrantedTo("artifacts")).toEqual(expect.arrayContaining(["lambda:InvokeFunction"]));

    expect(actionsGrantedTo("models")).toEqual(
      expect.arrayContaining(["dynamodb:Query", "dynamodb:PutItem"]),
    );
    expect(can("models", "s3:")).toBe(false);

    expect(can("aliases", "dynamodb:PutItem")).toBe(true);
    expect(can("aliases", "s3:")).toBe(false);

    expect(can("service", "dynamodb:")).toBe(false);
    expect(can("service", "s3:")).toBe(false);
    // No function reads a secret: the page-token key is an item of the table.
    for (const group of routeGroups) expect(can(group, "secretsmanager:"), group).toBe(false);
  });

  it("lets every function whose handler builds the core read the table and create the page-token key in it (on its first list)", () => {
    // Read from the handler source so the grants cannot fall behind the composition code.
    const building = routeGroups.filter((group) =>
      readFileSync(RegistryFunction.resolveEntry(`functions/entry-points/${group}.ts`), "utf8").includes(
        "buildCore(",
      ),
    );
    expect(building.length).toBeGreaterThan(0);
    for (const group of building) {
      expect(actionsGrantedTo(group), group).toEqual(
        expect.arrayContaining(["dynamodb:GetItem", "dynamodb:PutItem"]),
      );
    }
  });

  it("lets no function delete artifacts, and grants S3 rights on the artifact keys only", () => {
    const s3Statements = ofType("AWS::IAM::Policy")
      .flatMap(([, policy]) => asArray((propsOf(policy).PolicyDocument as { Statement: Json }).Statement))
      .filter((st) => asArray((st as { Action: Json }).Action).some((a) => String(a).startsWith("s3:")));
    expect(s3Statements.length).toBeGreaterThan(0);
    for (const statement of s3Statements) {
      const actions = asArray((statement as { Action: Json }).Action).map(String);
      expect(actions.filter((a) => a.startsWith("s3:Delete"))).toEqual([]);
      expect(render((statement as { Resource: Json }).Resource)).toMatch(/\/models\/\*/);
    }
  });

  describe("the artifact verifier", () => {
    const verifier = () =>
      resources[stacks.api.getLogicalId(stacks.api.verifier.node.defaultChild as CfnFunction)]!;
    const verifierActions = () => {
      const role = stacks.api.verifier.role!;
      const roleRef = `{Ref:${stacks.api.getLogicalId(role.node.defaultChild as CfnRole)}}`;
      return ofType("AWS::IAM::Policy")
        .filter(([, policy]) => asArray(propsOf(policy).Roles).map(render).includes(roleRef))
        .flatMap(([, policy]) => asArray((propsOf(policy).PolicyDocument as { Statement: Json }).Statement))
        .flatMap((statement) => asArray((statement as { Action: Json }).Action))
        .map(String);
    };

    it("runs the worker for up to 15 minutes with a full vCPU for hashing", () => {
      expect(propsOf(verifier())).toMatchObject({ Runtime: "nodejs24.x", Timeout: 900, MemorySize: 1769 });
    });

    it("reads artifacts and writes the table, and nothing else: no page-token secret, no S3 writes", () => {
      const actions = verifierActions();
      expect(actions.filter((a) => a.startsWith("s3:"))).toEqual(["s3:GetObject", "s3:GetObjectVersion"]);
      expect(actions).toEqual(expect.arrayContaining(["dynamodb:GetItem", "dynamodb:PutItem"]));
      expect(actions.some((a) => a.startsWith("secretsmanager:"))).toBe(false);
      const env = (propsOf(verifier()).Environment as { Variables: Record<string, Json> }).Variables;
      expect(env.PAGE_TOKEN_SECRET_ARN).toBeUndefined();
      expect(env.TABLE_NAME).toBeDefined();
      expect(env.ARTIFACT_BUCKET).toBeDefined();
    });

    it("is started by the artifacts function, which finds it by name", () => {
      const fn = resources[functionLogicalId("artifacts")]!;
      const env = (propsOf(fn).Environment as { Variables: Record<string, Json> }).Variables;
      expect(render(env.VERIFIER_FUNCTION_NAME as Json)).toBe(
        `{Ref:${stacks.api.getLogicalId(stacks.api.verifier.node.defaultChild as CfnFunction)}}`,
      );
      for (const group of routeGroups.filter((g) => g !== "artifacts")) {
        expect(actionsGrantedTo(group), group).not.toContain("lambda:InvokeFunction");
      }
    });
  });

  describe("the transition workflow's tasks function", () => {
    const tasksId = () =>
      stacks.api.getLogicalId(stacks.api.transitionTasks.node.defaultChild as CfnFunction);
    const tasksActions = () => {
      const role = stacks.api.transitionTasks.role!;
      const roleRef = `{Ref:${stacks.api.getLogicalId(role.node.defaultChild as CfnRole)}}`;
      return ofType("AWS::IAM::Policy")
        .filter(([, policy]) => asArray(propsOf(policy).Roles).map(render).includes(roleRef))
        .flatMap(([, policy]) => asArray((propsOf(policy).PolicyDocument as { Statement: Json }).Statement))
        .flatMap((statement) => asArray((statement as { Action: Json }).Action))
        .map(String);
    };

    it("runs every Task of the state machine, with the approval timeout and the API's URL", () => {
      const env = (propsOf(resources[tasksId()]).Environment as { Variables: Record<string, Json> })
        .Variables;
      expect(env.APPROVAL_TIMEOUT_SECONDS).toBe(String(defaultRegistryConfig.approvalTimeout.toSeconds()));
      expect(render(env.PUBLIC_API_URL as Json)).toMatch(/^https:\/\//);
      expect(env.PAGE_TOKEN_SECRET_ARN).toBeUndefined();
      const machine = ofType("AWS::StepFunctions::StateMachine");
      expect(machine).toHaveLength(1);
      expect(render(propsOf(machine[0]![1]).DefinitionString as Json)).toContain(`{${tasksId()}.Arn}`);
    });

    it("writes the table and answers task tokens, with no page-token secret, and only reads S3 (Apply checks the pinned bytes)", () => {
      const actions = tasksActions();
      expect(actions).toEqual(
        expect.arrayContaining(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:ConditionCheckItem"]),
      );
      expect(actions).toEqual(expect.arrayContaining(["states:SendTaskSuccess", "states:SendTaskFailure"]));
      expect(actions.some((a) => a.startsWith("secretsmanager:"))).toBe(false);
      const s3 = actions.filter((a) => a.startsWith("s3:"));
      expect(s3).toEqual(expect.arrayContaining(["s3:GetObjectVersion"]));
      expect(s3.filter((a) => !/^s3:(Get|List)/.test(a))).toEqual([]);
    });

    it("leaves SendTask* and StartExecution to the transitions group among the HTTP functions", () => {
      for (const group of routeGroups) {
        const granted = actionsGrantedTo(group)
          .filter((a) => a.startsWith("states:"))
          .sort();
        expect(granted, group).toEqual(
          group === "transitions"
            ? ["states:SendTaskFailure", "states:SendTaskSuccess", "states:StartExecution"]
            : [],
        );
      }
    });

    it("lets the transitions group start this state machine only, so an approval can restart a lost execution", () => {
      const machine = ofType("AWS::StepFunctions::StateMachine")[0]![0];
      const starts = ofType("AWS::IAM::Policy")
        .flatMap(([, policy]) => asArray((propsOf(policy).PolicyDocument as { Statement: Json }).Statement))
        .filter((s) => asArray((s as { Action: Json }).Action).includes("states:StartExecution"));
      expect(starts.map((s) => asArray((s as { Resource: Json }).Resource).map(render))).toContainEqual([
        `{Ref:${machine}}`,
      ]);
    });
  });

  it("lets no function scan the table or put events (history reaches the bus through the stream)", () => {
    for (const group of routeGroups) {
      expect(actionsGrantedTo(group)).not.toContain("dynamodb:Scan");
      expect(actionsGrantedTo(group)).not.toContain("events:PutEvents");
    }
  });
});

describe("access policies for the platform team's roles", () => {
  /** The execute-api ARN of one concrete request, as IAM evaluates it. */
  function requestArn(method: HttpMethod, path: string): string {
    const api = stacks.api.registryApi.api;
    const apiId = stacks.api.getLogicalId(api.node.defaultChild as CfnRestApi);
    const stageId = stacks.api.getLogicalId(api.deploymentStage.node.defaultChild as CfnStage);
    return (
      "arn:{Ref:AWS::Partition}:execute-api:{Ref:AWS::Region}:{Ref:AWS::AccountId}:" +
      `{Ref:${apiId}}/{Ref:${stageId}}/${method}${samplePath(path)}`
    );
  }

  function allows(role: RegistryRole, method: HttpMethod, path: string): boolean {
    const policy = stacks.api.accessPolicies.policies[role];
    const logicalId = stacks.api.getLogicalId(policy.node.defaultChild as CfnManagedPolicy);
    const document = propsOf(resources[logicalId]).PolicyDocument as { Statement: Json };
    const arn = requestArn(method, path);
    return asArray(document.Statement).some((statement) => {
      const s = statement as { Effect: string; Action: Json; Resource: Json };
      return (
        s.Effect === "Allow" &&
        asArray(s.Action).includes("execute-api:Invoke") &&
        asArray(s.Resource).some((resource) => iamPatternMatches(render(resource), arn))
      );
    });
  }

  it("lets each role call exactly the routes that list it, and no other route", () => {
    for (const role of registryRoles) {
      for (const route of routes) {
        expect(allows(role, route.method, route.path), `${role}: ${route.method} ${route.path}`).toBe(
          route.roles.includes(role),
        );
      }
    }
  });

  it("lets the reader call no POST, PUT, PATCH or DELETE, and the publisher no DELETE", () => {
    for (const route of routes) {
      if (route.method !== "GET") expect(allows("reader", route.method, route.path)).toBe(false);
      if (route.method === "DELETE") expect(allows("publisher", route.method, route.path)).toBe(false);
    }
  });

  it("lets the admin call every route", () => {
    for (const route of routes) {
      expect(allows("admin", route.method, route.path), `${route.method} ${route.path}`).toBe(true);
    }
  });

  it("exports every role's policy ARN as a stack output", () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: Json }>;
    for (const role of registryRoles) {
      const policy = stacks.api.accessPolicies.policies[role];
      const name = `${role[0]!.toUpperCase()}${role.slice(1)}PolicyArn`;
      expect(render(outputs[name]!.Value)).toBe(
        `{Ref:${stacks.api.getLogicalId(policy.node.defaultChild as CfnManagedPolicy)}}`,
      );
    }
  });
});

describe("API Gateway's account-wide CloudWatch role (context apiCloudWatchRole)", () => {
  // The API construct alone, with inline functions: nothing is bundled.
  function synthApi(cloudWatchRole: boolean): Record<string, CfnResource> {
    const stack = new Stack(registryApp(), "Test-Api");
    const handler = (group: RouteGroup) =>
      new LambdaFunction(stack, `${group}Fn`, {
        runtime: Runtime.NODEJS_24_X,
        handler: "index.handler",
        code: Code.fromInline("export const handler = async () => ({});"),
      });
    new RegistryApi(stack, "Http", {
      routes,
      handlers: Object.fromEntries(routeGroups.map((group) => [group, handler(group)])) as Record<
        RouteGroup,
        LambdaFunction
      >,
      stageName: "v1",
      throttleRateLimit: 10,
      throttleBurstLimit: 20,
      accessLogs: new LogGroup(stack, "AccessLogs"),
      executionLogRetention: RetentionDays.ONE_WEEK,
      cloudWatchRole,
    });
    return Template.fromStack(stack).toJSON().Resources;
  }
  const count = (r: Record<string, CfnResource>, type: string) =>
    Object.values(r).filter((resource) => resource.Type === type).length;

  it("is set, and kept when the stack goes, by default", () => {
    const api = synthApi(true);
    const accounts = Object.values(api).filter((resource) => resource.Type === "AWS::ApiGateway::Account");
    expect(accounts).toHaveLength(1);
    expect(accounts[0]!.DeletionPolicy).toBe("Retain");
  });

  it("is left alone with apiCloudWatchRole=false (the stack synthesizes, with no role and no account setting)", () => {
    const api = synthApi(false);
    expect(count(api, "AWS::ApiGateway::Account")).toBe(0);
    expect(count(api, "AWS::IAM::Role")).toBe(routeGroups.length); // the inline functions' roles only
  });
});
