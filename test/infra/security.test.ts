import { type App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { CfnFunction } from "aws-cdk-lib/aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { registryRoles } from "#http/roles.ts";
import { registryApp } from "../../lib/app.ts";
import { ARTIFACT_KEY_PREFIX } from "../../lib/artifact-bucket.ts";
import { defaultRegistryConfig, type RegistryConfig } from "../../lib/registry-config.ts";
import { registryRolePath } from "../../lib/registry-function.ts";
import { addRegistryStacks, type RegistryStacks, stackNames } from "../../lib/registry-stacks.ts";
import {
  asArray,
  assertHandlerEntriesExist,
  type CfnResource,
  type Json,
  propsOf,
  render,
} from "./template-support.ts";

/**
 * `Resource: "*"` is allowed only for actions that have no resource-level permissions, each
 * with its reason. Anything else granting on `*` fails the test below.
 */
const WILDCARD_RESOURCE_ACTIONS: Record<string, string> = {
  "xray:PutTraceSegments": "X-Ray accepts no resource-level permissions (active tracing)",
  "xray:PutTelemetryRecords": "X-Ray accepts no resource-level permissions (active tracing)",
  "xray:GetSamplingRules": "X-Ray accepts no resource-level permissions (the state machine's tracing)",
  "xray:GetSamplingTargets": "X-Ray accepts no resource-level permissions (the state machine's tracing)",
  "cloudwatch:PutMetricData":
    "CloudWatch metrics accept no resource (scoped by the cloudwatch:namespace condition where used)",
  // Step Functions logging to CloudWatch Logs: AWS documents these with Resource "*" (they act
  // on the account's log deliveries, not on a log group), and CDK grants them so.
  ...Object.fromEntries(
    [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ].map((action) => [
      action,
      "Step Functions' vended-log delivery: no resource-level permissions (the state machine's logging)",
    ]),
  ),
};

interface Synth {
  stacks: RegistryStacks;
  data: Record<string, CfnResource>;
  api: Record<string, CfnResource>;
}

function synth(
  config: RegistryConfig,
  extra?: (stacks: RegistryStacks, app: App) => void,
  env?: { account: string; region: string },
): Synth {
  assertHandlerEntriesExist();
  const app = registryApp();
  const stacks = addRegistryStacks(app, config, env);
  extra?.(stacks, app);
  return {
    stacks,
    data: Template.fromStack(stacks.data).toJSON().Resources,
    api: Template.fromStack(stacks.api).toJSON().Resources,
  };
}

const ofType = (resources: Record<string, CfnResource>, type: string) =>
  Object.entries(resources).filter(([, r]) => r.Type === type);

type Statement = {
  Effect: string;
  Action: Json;
  Resource?: Json;
  Principal?: Json;
  Condition?: Json;
  Sid?: string;
};
const statementsOf = (resources: Record<string, CfnResource>): [string, Statement][] =>
  Object.entries(resources).flatMap(([id, r]) => {
    const props = r.Properties ?? {};
    const documents: Json[] = [];
    if (props.PolicyDocument) documents.push(props.PolicyDocument);
    if (r.Type === "AWS::IAM::Role") {
      for (const p of asArray(props.Policies)) documents.push((p as { PolicyDocument: Json }).PolicyDocument);
    }
    if (r.Type === "AWS::ApiGateway::RestApi" && props.Policy) documents.push(props.Policy);
    if (r.Type === "AWS::KMS::Key" && props.KeyPolicy) documents.push(props.KeyPolicy);
    return documents.flatMap((doc) =>
      asArray((doc as { Statement: Json }).Statement).map((s) => [id, s as Statement] as [string, Statement]),
    );
  });

let plain: Synth;
let full: Synth;
/** Every option on, and the customer-managed key (which needs the stacks' environment). */
let keyed: Synth;
const KEYED_ENV = { account: "123456789012", region: "us-east-1" };
const fullConfig: RegistryConfig = {
  ...defaultRegistryConfig,
  alarmEmail: "ml-platform@example.com",
  crossAccountIds: ["111122223333", "444455556666"],
  organizationId: "o-abcdef1234",
  reservedConcurrency: 25,
  webhooks: [
    {
      name: "Deployer",
      endpoint: "https://deploy.example.com/hooks",
      pattern: { source: ["model-registry"] },
      secretName: "registry/webhooks/deployer",
    },
  ],
};

// Three whole apps, each bundling every function: ~20 s apiece on a busy CI machine, past the
// suite's 60 s hook timeout.
beforeAll(() => {
  plain = synth(defaultRegistryConfig);
  full = synth(fullConfig);
  keyed = synth({ ...fullConfig, customerManagedKey: true }, undefined, KEYED_ENV);
}, 240_000);

describe("IAM policies", () => {
  it.each([
    ["default", () => plain],
    ["every option on", () => full],
    ["every option on, with the customer-managed key", () => keyed],
  ])("grant no Action '*' anywhere, and Resource '*' only to allow-listed actions (%s)", (_, get) => {
    const { data, api } = get();
    const all = [...statementsOf(data), ...statementsOf(api)];
    // Not vacuous: active tracing puts X-Ray statements on Resource '*' in every function role.
    expect(all.filter(([, s]) => s.Resource === "*").length).toBeGreaterThan(0);
    for (const [id, statement] of all) {
      if (statement.Effect !== "Allow") continue;
      // The one exception, a KMS key's default policy: kms:* for the account (root) on the key
      // itself ("*" in a key policy), which is what lets IAM policies grant the key at all; the
      // roles' own KMS statements (checked like every other) name the key and list their actions.
      if (data[id]?.Type === "AWS::KMS::Key") {
        expect(statement, id).toMatchObject({
          Action: "kms:*",
          Resource: "*",
          Principal: { AWS: `arn:aws:iam::${KEYED_ENV.account}:root` },
        });
        expect(statement.Condition, id).toBeUndefined();
        continue;
      }
      const actions = asArray(statement.Action).map(String);
      expect(
        actions.filter((a) => a === "*" || a.endsWith(":*")),
        `${id}`,
      ).toEqual([]);
      if (asArray(statement.Resource).some((r) => r === "*")) {
        const unexplained = actions.filter((a) => !(a in WILDCARD_RESOURCE_ACTIONS));
        expect(unexplained, `${id} grants these on Resource '*' without a reason`).toEqual([]);
      }
    }
  });

  it("grant the customer-managed key, on that key only, to exactly the functions that touch the table or the artifacts", () => {
    const { api } = keyed.stacks;
    const roleId = (fn: { role?: unknown }) => api.getLogicalId((fn.role as Role).node.defaultChild as never);
    const needing = [
      ...Object.entries(api.functions)
        .filter(([group]) => group !== "service")
        .map(([, fn]) => fn),
      api.verifier,
      api.transitionTasks,
      api.eventPublisher.function,
    ].map(roleId);
    const granted = new Set<string>();
    for (const [, policy] of ofType(keyed.api, "AWS::IAM::Policy")) {
      const statements = asArray(
        (propsOf(policy).PolicyDocument as { Statement: Json }).Statement,
      ) as Statement[];
      for (const statement of statements.filter((s) =>
        asArray(s.Action).some((a) => String(a).startsWith("kms:")),
      )) {
        expect(render(statement.Resource as Json)).toMatch(/^\{Import:.*DataKey.*Arn.*\}$/);
        for (const role of asArray(propsOf(policy).Roles))
          granted.add(render(role).replace(/^\{Ref:(.*)\}$/, "$1"));
      }
    }
    expect([...granted].sort()).toEqual([...new Set(needing)].sort());
  });

  it("run every function as a role under the registry's IAM path, with no managed policy", () => {
    const roles = ofType(plain.api, "AWS::IAM::Role").filter(([, r]) =>
      JSON.stringify(propsOf(r).AssumeRolePolicyDocument).includes("lambda.amazonaws.com"),
    );
    expect(roles.length).toBe(ofType(plain.api, "AWS::Lambda::Function").length);
    for (const [id, role] of roles) {
      expect(propsOf(role).Path, id).toBe(registryRolePath(stackNames(defaultRegistryConfig).api));
      expect(propsOf(role).ManagedPolicyArns, id).toBeUndefined();
    }
  });
});

describe("reserved concurrency", () => {
  it("caps each HTTP function when configured, and leaves the verifier and the publisher alone", () => {
    const httpIds = new Set(
      Object.values(full.stacks.api.functions).map((fn) =>
        full.stacks.api.getLogicalId(fn.node.defaultChild as CfnFunction),
      ),
    );
    for (const [id, fn] of ofType(full.api, "AWS::Lambda::Function")) {
      expect(propsOf(fn).ReservedConcurrentExecutions, id).toBe(
        httpIds.has(id) ? fullConfig.reservedConcurrency : undefined,
      );
    }
    for (const [id, fn] of ofType(plain.api, "AWS::Lambda::Function")) {
      expect(propsOf(fn).ReservedConcurrentExecutions, id).toBeUndefined();
    }
  });
});

describe("artifact bucket policy", () => {
  const bucketPolicy = () => statementsOf(Object.fromEntries(ofType(plain.data, "AWS::S3::BucketPolicy")));

  it("denies deleting any object or object version to every principal", () => {
    const deny = bucketPolicy().find(([, s]) => s.Sid === "DenyArtifactDeletes")?.[1];
    expect(deny).toMatchObject({ Effect: "Deny", Principal: { AWS: "*" } });
    expect(asArray(deny!.Action).sort()).toEqual(["s3:DeleteObject", "s3:DeleteObjectVersion"]);
    expect(deny!.Condition).toBeUndefined();
  });

  it("denies replicating objects or delete markers into the bucket to every principal (writes that need no PutObject or DeleteObject)", () => {
    const deny = bucketPolicy().find(([, s]) => s.Sid === "DenyReplicationIntoArtifacts")?.[1];
    expect(deny).toMatchObject({ Effect: "Deny", Principal: { AWS: "*" } });
    expect(asArray(deny!.Action).sort()).toEqual(["s3:ReplicateDelete", "s3:ReplicateObject"]);
    expect(render(deny!.Resource as Json)).toMatch(/\.Arn\}\/\*$/);
    expect(deny!.Condition).toBeUndefined();
  });

  it("denies writing artifacts to every principal outside the IAM path of the registry's function roles", () => {
    const deny = bucketPolicy().find(([, s]) => s.Sid === "DenyArtifactWritesOutsideRegistry")?.[1];
    expect(deny).toMatchObject({ Effect: "Deny", Principal: { AWS: "*" } });
    expect(asArray(deny!.Action)).toContain("s3:PutObject");
    expect(render(deny!.Resource as Json)).toMatch(new RegExp(`/${ARTIFACT_KEY_PREFIX}\\*$`));
    const condition = (deny!.Condition as { ArnNotLike: Record<string, Json> }).ArnNotLike[
      "aws:PrincipalArn"
    ];
    // The same path the API stack gives its roles: a presigned PUT is made as the signing role.
    const path = registryRolePath(stackNames(defaultRegistryConfig).api);
    expect(render(condition as Json)).toBe(`arn:{Ref:AWS::Partition}:iam::{Ref:AWS::AccountId}:role${path}*`);
    const rolePaths = new Set(
      ofType(plain.api, "AWS::IAM::Role")
        .map(([, r]) => propsOf(r).Path)
        .filter(Boolean),
    );
    expect([...rolePaths]).toEqual([path]);
  });

  it("denies requests without TLS and blocks public access", () => {
    const tls = bucketPolicy().find(([, s]) =>
      JSON.stringify(s.Condition ?? {}).includes("aws:SecureTransport"),
    );
    expect(tls?.[1]).toMatchObject({ Effect: "Deny", Action: "s3:*" });
    const [[, bucket]] = ofType(plain.data, "AWS::S3::Bucket") as [[string, CfnResource]];
    expect(propsOf(bucket).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });
});

describe("every asynchronous path ends in a dead-letter queue", () => {
  const queueIds = (s: Synth) => new Set(ofType(s.api, "AWS::SQS::Queue").map(([id]) => id));

  it("the verifier (Lambda async invoke from a seal): on-failure destination is an SQS queue", () => {
    const verifierId = plain.stacks.api.getLogicalId(
      plain.stacks.api.verifier.node.defaultChild as CfnFunction,
    );
    const configs = ofType(plain.api, "AWS::Lambda::EventInvokeConfig").filter(
      ([, c]) => render(propsOf(c).FunctionName as Json) === `{Ref:${verifierId}}`,
    );
    expect(configs).toHaveLength(1);
    const onFailure = (propsOf(configs[0]![1]).DestinationConfig as { OnFailure: { Destination: Json } })
      .OnFailure;
    const queueId = render(onFailure.Destination).replace(/^\{(.*)\.Arn\}$/, "$1");
    expect(queueIds(plain).has(queueId)).toBe(true);
  });

  it("the event publisher (table stream): the mapping's on-failure destination is an SQS queue", () => {
    const mappings = ofType(plain.api, "AWS::Lambda::EventSourceMapping");
    expect(mappings.length).toBeGreaterThan(0);
    for (const [, mapping] of mappings) {
      const destination = (propsOf(mapping).DestinationConfig as { OnFailure: { Destination: Json } })
        .OnFailure;
      expect(queueIds(plain).has(render(destination.Destination).replace(/^\{(.*)\.Arn\}$/, "$1"))).toBe(
        true,
      );
    }
  });

  it("rules (the webhooks' API destinations, the transition workflow's start and its ended executions): every target has a dead-letter queue", () => {
    const rules = ofType(full.api, "AWS::Events::Rule");
    // One rule per webhook, the one that starts the transition workflow, and the one that ends
    // the request of an execution that ended without a decision.
    expect(rules.length).toBe(fullConfig.webhooks.length + 2);
    for (const [, rule] of rules) {
      for (const target of asArray(propsOf(rule).Targets)) {
        const arn = (target as { DeadLetterConfig: { Arn: Json } }).DeadLetterConfig.Arn;
        expect(queueIds(full).has(render(arn).replace(/^\{(.*)\.Arn\}$/, "$1"))).toBe(true);
      }
    }
  });
});

describe("alarms", () => {
  const alarmDescriptions = (s: Synth) =>
    ofType(s.api, "AWS::CloudWatch::Alarm").map(([, a]) => String(propsOf(a).AlarmDescription));

  it("watch API 5xx and 4xx rates, each function's errors, throttles and p99 duration, DLQs and the stream lag", () => {
    const descriptions = alarmDescriptions(plain);
    const expected = [/5xx/, /4xx/, /dead-letter|could not be published/, /Events lag commits/];
    for (const pattern of expected)
      expect(
        descriptions.some((d) => pattern.test(d)),
        String(pattern),
      ).toBe(true);
    const functions = ofType(plain.api, "AWS::Lambda::Function").length;
    for (const kind of [/invocations failed/, /throttled/, /p99 duration/]) {
      expect(descriptions.filter((d) => kind.test(d))).toHaveLength(functions);
    }
  });

  it("notify the alarm topic when an email is configured, when they fire and when they clear, and nobody otherwise", () => {
    for (const [, alarm] of ofType(full.api, "AWS::CloudWatch::Alarm")) {
      expect(asArray(propsOf(alarm).AlarmActions).length).toBe(1);
      expect(propsOf(alarm).OKActions).toEqual(propsOf(alarm).AlarmActions);
    }
    expect(ofType(full.api, "AWS::SNS::Subscription")[0]?.[1].Properties).toMatchObject({
      Protocol: "email",
      Endpoint: fullConfig.alarmEmail,
    });
    for (const [, alarm] of ofType(plain.api, "AWS::CloudWatch::Alarm")) {
      expect(propsOf(alarm).AlarmActions).toBeUndefined();
      expect(propsOf(alarm).OKActions).toBeUndefined();
    }
  });

  it("may publish to the alarm topic: its policy (which replaces SNS's default one) allows this account's alarms", () => {
    const topicPolicies = ofType(full.api, "AWS::SNS::TopicPolicy");
    expect(topicPolicies).toHaveLength(1);
    const statements = statementsOf(Object.fromEntries(topicPolicies)).map(([, s]) => s);
    // Not vacuous: enforceSSL's deny is what makes the topic's policy replace the default.
    expect(statements.some((s) => s.Effect === "Deny")).toBe(true);
    const allow = statements.find((s) => s.Effect === "Allow");
    expect(allow).toMatchObject({
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: "sns:Publish",
    });
    const [[topicId]] = ofType(full.api, "AWS::SNS::Topic") as [[string, CfnResource]];
    expect(render(allow!.Resource as Json)).toBe(`{Ref:${topicId}}`);
    const condition = allow!.Condition as {
      StringEquals: Record<string, Json>;
      ArnLike: Record<string, Json>;
    };
    expect(render(condition.StringEquals["aws:SourceAccount"] as Json)).toBe("{Ref:AWS::AccountId}");
    expect(render(condition.ArnLike["aws:SourceArn"] as Json)).toBe(
      "arn:{Ref:AWS::Partition}:cloudwatch:{Ref:AWS::Region}:{Ref:AWS::AccountId}:alarm:*",
    );
  });
});

describe("state machines (the transition workflow, when the stack has one)", () => {
  const machines = () => ofType(plain.api, "AWS::StepFunctions::StateMachine");

  /** What every state machine of the registry must have: full logging and X-Ray tracing. */
  function assertLoggedAndTraced([id, machine]: [string, CfnResource]): void {
    const props = propsOf(machine);
    expect(props.TracingConfiguration, id).toEqual({ Enabled: true });
    const logging = props.LoggingConfiguration as {
      Level: string;
      IncludeExecutionData: boolean;
      Destinations: Json[];
    };
    // ERROR without execution data: ALL would log the approval wait's task token (issue 18, item 7).
    expect(logging?.Level, id).toBe("ERROR");
    expect(logging.IncludeExecutionData, id).toBe(false);
    expect(logging.Destinations.length, id).toBeGreaterThan(0);
  }

  it("are logged (errors, without execution data) and traced, and alarm when executions fail or time out", () => {
    // The stage-transition workflow (lib/transition-workflow.ts).
    expect(machines()).toHaveLength(1);
    machines().forEach(assertLoggedAndTraced);
    // The monitoring construct alarms on failures and timeouts of every workflow it is given.
    const workflowAlarms = ofType(plain.api, "AWS::CloudWatch::Alarm").filter(([, a]) =>
      /workflow executions (failed|timed out)/i.test(String(propsOf(a).AlarmDescription)),
    );
    expect(workflowAlarms).toHaveLength(2 * machines().length);
  });
});

describe("cross-account callers", () => {
  const policy = (s: Synth) => {
    const [[, api]] = ofType(s.api, "AWS::ApiGateway::RestApi") as [[string, CfnResource]];
    return propsOf(api).Policy as { Statement: Statement[] } | undefined;
  };

  it("have no resource policy by default: same-account IAM policies alone decide", () => {
    expect(policy(plain)).toBeUndefined();
  });

  it("are allowed to invoke, by account and by organisation, and nothing else is granted", () => {
    const statements = policy(full)!.Statement;
    expect(statements.every((s) => s.Effect === "Allow" && s.Action === "execute-api:Invoke")).toBe(true);
    const accounts = statements.find((s) => s.Sid === "InvokeFromTrustedAccounts")!;
    expect(JSON.stringify(accounts.Principal)).toContain("111122223333");
    expect(JSON.stringify(accounts.Principal)).toContain("444455556666");
    const org = statements.find((s) => s.Sid === "InvokeFromOrganization")!;
    expect(org.Principal).toEqual({ AWS: "*" });
    expect(org.Condition).toMatchObject({
      StringEquals: { "aws:PrincipalOrgID": fullConfig.organizationId },
    });
  });

  it("never allow the API's own account: its callers stay decided by their IAM policies (the route table)", () => {
    // For a same-account caller, API Gateway allows what either IAM or the resource policy
    // allows: an allow matching the own account (the organisation's does) would open every
    // route, deletes included, to every role of the account.
    const statements = policy(full)!.Statement;
    expect(statements).toHaveLength(2);
    for (const statement of statements) {
      const notEquals = (statement.Condition as { StringNotEquals?: Record<string, Json> }).StringNotEquals;
      expect(render(notEquals?.["aws:PrincipalAccount"] as Json), statement.Sid).toBe("{Ref:AWS::AccountId}");
    }
  });
});

describe("grant methods (the CDK way)", () => {
  const methods = {
    reader: "grantRead",
    publisher: "grantPublish",
    approver: "grantApprove",
    governor: "grantGovern",
    admin: "grantAdmin",
  } as const;
  let consumer: Record<string, CfnResource>;
  let granted: Synth;
  let consumerStack: Stack;

  beforeAll(() => {
    granted = synth(defaultRegistryConfig, (stacks, app) => {
      consumerStack = new Stack(app, "Consumer");
      for (const role of registryRoles) {
        const principal = new Role(consumerStack, `${role}Role`, {
          assumedBy: new ServicePrincipal("sagemaker.amazonaws.com"),
        });
        stacks.api[methods[role]](principal);
      }
    });
    consumer = Template.fromStack(consumerStack).toJSON().Resources;
  });

  it.each(registryRoles)(
    "%s: the grantee's policy allows exactly the execute-api ARNs of the role's managed policy",
    (role) => {
      const roleId = consumerStack.getLogicalId(
        (consumerStack.node.findChild(`${role}Role`) as Role).node.defaultChild as never,
      );
      const [, policy] = ofType(consumer, "AWS::IAM::Policy").find(([, p]) =>
        asArray(propsOf(p).Roles).some((r) => render(r) === `{Ref:${roleId}}`),
      )!;
      const statements = asArray(
        (propsOf(policy).PolicyDocument as { Statement: Json }).Statement,
      ) as Statement[];
      expect(statements).toHaveLength(1);
      expect(statements[0]!.Action).toBe("execute-api:Invoke");
      const managed = granted.stacks.api.accessPolicies.policies[role];
      const [, resource] = ofType(granted.api, "AWS::IAM::ManagedPolicy").find(
        ([id]) => id === granted.stacks.api.getLogicalId(managed.node.defaultChild as never),
      )!;
      const managedStatement = asArray(
        (propsOf(resource).PolicyDocument as { Statement: Json }).Statement,
      )[0] as Statement;
      // Same ARNs, in the grantee's stack through imports of the API id and stage: compare their shape.
      const shape = (arn: Json) => render(arn).replace(/\{[^}]*\}/g, "{}");
      expect(asArray(statements[0]!.Resource).map(shape).sort()).toEqual(
        asArray(managedStatement.Resource).map(shape).sort(),
      );
    },
  );
});
