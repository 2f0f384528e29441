import { CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import type { Grant, IGrantable } from "aws-cdk-lib/aws-iam";
import type { CfnFunction } from "aws-cdk-lib/aws-lambda";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import type { PersonBoundRole } from "#core/identity.ts";
import type { PolicyValue } from "#core/lifecycle/policy.ts";
import { registryRoles } from "#http/roles.ts";
import { type FunctionGroup, routeGroups, routes } from "#http/route-table.ts";
import { FUNCTION_ENTRIES } from "../functions/entry-points/entries.ts";
import { mlflowRoutes } from "../functions/mlflow/routes.ts";
import { RegistryAccessPolicies } from "./access-policies.ts";
import type { BucketAccess } from "./artifact-bucket.ts";
import { type RegistryData, registryEnvironment } from "./data-stack.ts";
import { acknowledgeDeadLetterQueue, EventPublisher } from "./event-publisher.ts";
import { acceptWildcardResources, acknowledge } from "./nag.ts";
import { RegistryApi } from "./registry-api.ts";
import { type OptionalSdk, RegistryFunction } from "./registry-function.ts";
import { RegistryMonitoring } from "./registry-monitoring.ts";
import type { TableAccess } from "./registry-table.ts";
import { TASKS_FUNCTION_TIMEOUT, TransitionWorkflow } from "./transition-workflow.ts";
import { type WebhookTarget, WebhookTargets } from "./webhook-targets.ts";

/** What a route group's function may touch. Anything not listed is denied. */
interface GroupAccess {
  table?: TableAccess;
  artifacts?: BucketAccess;
  /** Starts the artifact verifier (Lambda async invoke). */
  startsVerifier?: boolean;
  /** Resumes or stops the transition workflow's executions (Step Functions SendTask*). */
  answersTaskTokens?: boolean;
}

/** SDK clients a group's grants do not cover stay out of its bundle (lib/bundling/). */
function sdkWithout(access: GroupAccess): OptionalSdk[] {
  return [
    ...(access.artifacts ? [] : (["s3"] as const)),
    ...(access.startsVerifier ? [] : (["lambda"] as const)),
    ...(access.answersTaskTokens ? [] : (["sfn"] as const)),
  ];
}

/**
 * Least privilege per function. A `Record` over `RouteGroup`, so adding a group to the route
 * table does not type-check until its rights are decided here. No group publishes events
 * itself: history items reach the bus through the table stream.
 */
const groupAccess: Record<FunctionGroup, GroupAccess> = {
  // Health and the OpenAPI document: no data at all.
  service: {},
  models: { table: "readWrite" },
  // Presigned upload URLs carry the function's own S3 rights: creating a version signs PUTs
  // and starts multipart uploads, all `s3:PutObject`.
  versions: { table: "readWrite", artifacts: "presign" },
  aliases: { table: "readWrite" },
  // Resume, complete, seal (HeadObject with checksums) and presigned downloads; it also starts
  // the verifier (granted below).
  artifacts: { table: "readWrite", artifacts: "uploadAndSeal", startsVerifier: true },
  // Requests, decisions and rollbacks; approve, reject and cancel also resume or stop the
  // workflow execution waiting on the request (granted below).
  transitions: { table: "readWrite", answersTaskTokens: true },
  // The MLflow-compatible routes (functions/mlflow/): the same use cases as models, versions,
  // aliases and transitions; deleting an unsealed version (abandon) aborts its multipart uploads.
  mlflow: { table: "readWrite", artifacts: "uploadAndSeal" },
};

/** Every HTTP function: the native route groups and the MLflow routes' function. */
const functionGroups: readonly FunctionGroup[] = [...routeGroups, "mlflow"];

/**
 * The verifier reads every byte of a version once, at roughly the speed of one vCPU hashing
 * SHA-256 (Lambda gives a full vCPU at 1769 MB) and of S3 streaming into Lambda, so it gets the
 * longest timeout Lambda has.
 */
const VERIFIER = { memorySize: 1769, timeout: Duration.minutes(15) } as const;

export interface ApiStackProps extends StackProps {
  data: RegistryData;
  functionLogRetention: RetentionDays;
  /** Bundle Powertools Tracer into every function (`RegistryConfig.powertoolsTracer`). @default false */
  powertoolsTracer?: boolean;
  /** Start every function with `--enable-source-maps` (`RegistryConfig.sourceMaps`). @default false */
  sourceMaps?: boolean;
  /** API Gateway stage name (`v1`). */
  stageName: string;
  /** How long a stage transition waits for an approval (`RegistryConfig.approvalTimeout`). */
  approvalTimeout: Duration;
  /** `UPLOAD_URL_TTL_SECONDS` of the HTTP functions. */
  uploadUrlTtlSeconds: number;
  /** Reserved concurrency of each HTTP function (undefined: unreserved). */
  reservedConcurrency?: number | undefined;
  /** Cross-account callers allowed by the API's resource policy. */
  crossAccount?: { accountIds: readonly string[]; organizationId?: string | undefined };
  /** Alarm notifications (see RegistryMonitoring). */
  alarmTopicArn?: string | undefined;
  alarmEmail?: string | undefined;
  throttleRateLimit: number;
  throttleBurstLimit: number;
  cloudWatchRole: boolean;
  /** Consumers outside AWS that get matching events POSTed to them. */
  webhooks?: readonly WebhookTarget[];
  /** `RegistryConfig.policyFloor` and `personBoundRoles` (`POLICY_FLOOR`, `PERSON_BOUND_ROLES`). */
  governance?: { policyFloor: PolicyValue; personBoundRoles: readonly PersonBoundRole[] };
}

/**
 * Stateless stack: functions, the REST API and the access policies. Safe to destroy and
 * redeploy; everything it points at lives in the data stack.
 */
/** The functions' governance settings; none when there are none (the functions' default). */
function governanceEnvironment(governance: ApiStackProps["governance"]): Record<string, string> {
  if (!governance) return {};
  return {
    ...(Object.keys(governance.policyFloor).length > 0 && {
      POLICY_FLOOR: JSON.stringify(governance.policyFloor),
    }),
    ...(governance.personBoundRoles.length > 0 && {
      PERSON_BOUND_ROLES: JSON.stringify(governance.personBoundRoles),
    }),
  };
}

export class ApiStack extends Stack {
  readonly functions: Record<FunctionGroup, RegistryFunction>;
  /** Reads and hashes a sealed version's artifacts (started asynchronously by the seal). */
  readonly verifier: RegistryFunction;
  readonly registryApi: RegistryApi;
  readonly accessPolicies: RegistryAccessPolicies;
  readonly eventPublisher: EventPublisher;
  /** API destinations for consumers outside AWS (context `webhooks`). */
  readonly webhooks: WebhookTargets;
  /** Runs every step of the transition workflow. */
  readonly transitionTasks: RegistryFunction;
  /** The stage-transition state machine and the rule that starts it. */
  readonly transitionWorkflow: TransitionWorkflow;
  /** Verifier invocations that failed after Lambda's retries (their events, for a redrive). */
  readonly verifierDeadLetters: Queue;
  /**
   * Alarms and dashboard. A workflow added later is watched with one line each:
   * `this.monitoring.addStateMachine(workflow.stateMachine)`, `this.monitoring.addFunction(name, fn)`
   * (test/infra/security.test.ts fails while a function or state machine has no alarms).
   */
  readonly monitoring: RegistryMonitoring;
  /** The approval wait of the transition workflow's `.waitForTaskToken` task (context `approvalTimeoutDays`). */
  readonly approvalTimeout: Duration;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { data } = props;
    this.approvalTimeout = props.approvalTimeout;
    // Every HTTP function shares one config module that reads all of these at cold start, so
    // each gets every name; what it may *do* with them is granted per group below.
    const environment: Record<string, string> = {
      ...registryEnvironment(data),
      UPLOAD_URL_TTL_SECONDS: String(props.uploadUrlTtlSeconds),
      ...governanceEnvironment(props.governance),
    };

    const functions = {} as Record<FunctionGroup, RegistryFunction>;
    for (const group of functionGroups) {
      const fn = new RegistryFunction(this, `${pascalCase(group)}Function`, {
        entry: FUNCTION_ENTRIES[group],
        description: `Model registry HTTP routes: ${group}`,
        environment,
        logRetention: props.functionLogRetention,
        powertoolsTracer: props.powertoolsTracer,
        sourceMaps: props.sourceMaps,
        without: sdkWithout(groupAccess[group]),
        reservedConcurrentExecutions: props.reservedConcurrency,
      });
      acknowledge(
        fn,
        "Serverless-LambdaDLQ",
        "Invoked synchronously by API Gateway: a failure is the HTTP response, there is no event to keep",
      );
      const access = groupAccess[group];
      if (access.table) data.table.bind(fn, access.table);
      if (access.artifacts) data.artifacts.bind(fn, access.artifacts);
      functions[group] = fn;
    }
    this.functions = functions;

    // Workers never list, so they never read the page-token key (readConfig with pageTokens: false).
    const workerEnvironment = environment;
    this.verifier = new RegistryFunction(this, "VerifierFunction", {
      entry: FUNCTION_ENTRIES["verify-artifacts"],
      description: "Model registry: reads and hashes a sealed version's artifacts, then READY or FAILED",
      environment: workerEnvironment,
      logRetention: props.functionLogRetention,
      powertoolsTracer: props.powertoolsTracer,
      sourceMaps: props.sourceMaps,
      without: sdkWithout({ artifacts: "read" }),
      ...VERIFIER,
    });
    data.table.bind(this.verifier, "readWrite");
    data.artifacts.bind(this.verifier, "read");
    // A seal invokes the verifier asynchronously: after Lambda's two retries, the event is kept
    // here (and alarms) instead of leaving the version VERIFYING with nobody told.
    this.verifierDeadLetters = new Queue(this, "VerifierDeadLetters", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeDeadLetterQueue(
      this.verifierDeadLetters,
      "verifier invocations that failed after Lambda's retries",
    );
    acknowledge(
      this.verifier,
      "Serverless-LambdaDLQ",
      "Asynchronous failures go to an on-failure destination (VerifierDeadLetters), which keeps the error and the request as well as the event: it supersedes a DLQ",
    );
    this.verifier.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.verifierDeadLetters),
    });
    for (const group of functionGroups.filter((g) => groupAccess[g].startsVerifier)) {
      this.verifier.grantInvoke(functions[group]);
      acceptWildcardResources(
        functions[group].role!,
        new RegExp(`^<${this.getLogicalId(this.verifier.node.defaultChild as CfnFunction)}\\.Arn>:\\*$`),
        "lambda:InvokeFunction on the verifier and its versions and aliases (CDK's grantInvoke): one function, never another",
      );
      functions[group].addEnvironment("VERIFIER_FUNCTION_NAME", this.verifier.functionName);
    }

    const servedRoutes = [...routes, ...mlflowRoutes];
    this.registryApi = new RegistryApi(this, "Http", {
      routes: servedRoutes,
      handlers: functions,
      stageName: props.stageName,
      throttleRateLimit: props.throttleRateLimit,
      throttleBurstLimit: props.throttleBurstLimit,
      accessLogs: data.apiAccessLogs,
      executionLogRetention: props.functionLogRetention,
      cloudWatchRole: props.cloudWatchRole,
      crossAccount: props.crossAccount,
    });

    this.transitionTasks = new RegistryFunction(this, "TransitionTasksFunction", {
      entry: FUNCTION_ENTRIES["transition-tasks"],
      description:
        "Model registry: the stage-transition workflow's steps (validate, await approval, apply, expire, fail)",
      environment: {
        ...workerEnvironment,
        APPROVAL_TIMEOUT_SECONDS: String(props.approvalTimeout.toSeconds()),
        // Approval links in `Approval Requested` events point at the deployed API.
        PUBLIC_API_URL: this.registryApi.api.url,
      },
      timeout: TASKS_FUNCTION_TIMEOUT,
      logRetention: props.functionLogRetention,
      powertoolsTracer: props.powertoolsTracer,
      sourceMaps: props.sourceMaps,
      // Custom validation functions are invoked with the Lambda SDK; S3 is read once, by Apply,
      // which checks that each artifact's pinned version still holds the sealed bytes.
      without: [],
    });
    acknowledge(
      this.transitionTasks,
      "Serverless-LambdaDLQ",
      "Invoked synchronously by Step Functions: a failure is caught by the state machine (Fail state), there is no event to keep",
    );
    data.table.bind(this.transitionTasks, "readWrite");
    data.artifacts.bind(this.transitionTasks, "read");
    // The workflow grants its tasks function the custom validation invokes and SendTask*.
    this.transitionWorkflow = new TransitionWorkflow(this, "TransitionWorkflow", {
      tasksFunction: this.transitionTasks,
      bus: data.events.bus,
      eventSource: data.events.eventSource,
      logRetention: props.functionLogRetention,
    });
    // Approve, reject and cancel resume or stop the execution waiting on the request; the final
    // approval starts a new execution when the one waiting on the request is gone.
    this.transitionWorkflow.grantTaskResponses(functions.transitions);
    this.transitionWorkflow.grantRestarts(functions.transitions);

    this.accessPolicies = new RegistryAccessPolicies(this, "Access", {
      api: this.registryApi.api,
      routes: servedRoutes,
    });

    // History items reach the bus through the table stream; no HTTP function publishes.
    this.eventPublisher = new EventPublisher(this, "EventPublisher", {
      table: data.table,
      bus: data.events,
      logRetention: props.functionLogRetention,
      powertoolsTracer: props.powertoolsTracer,
      sourceMaps: props.sourceMaps,
    });

    this.webhooks = new WebhookTargets(this, "Webhooks", {
      bus: data.events.bus,
      webhooks: props.webhooks ?? [],
    });

    this.monitoring = new RegistryMonitoring(this, "Monitoring", {
      api: this.registryApi.api,
      functions: {
        ...Object.fromEntries(functionGroups.map((group) => [pascalCase(group), functions[group]])),
        Verifier: this.verifier,
        EventPublisher: this.eventPublisher.function,
        TransitionTasks: this.transitionTasks,
      },
      deadLetterQueues: {
        Verifier: this.verifierDeadLetters,
        ...(this.webhooks.deadLetters && { Webhooks: this.webhooks.deadLetters }),
        ...(this.transitionWorkflow.deadLetterQueue && {
          TransitionWorkflow: this.transitionWorkflow.deadLetterQueue,
        }),
      },
      existingAlarms: [this.eventPublisher.deadLetterAlarm],
      streamPublisher: this.eventPublisher.function,
      alarmTopicArn: props.alarmTopicArn,
      alarmEmail: props.alarmEmail,
    });
    this.monitoring.addStateMachine(this.transitionWorkflow.stateMachine);

    new CfnOutput(this, "ApiUrl", {
      value: this.registryApi.api.url,
      description: `Base URL (stage ${props.stageName})`,
    });
    new CfnOutput(this, "TableName", { value: data.table.table.tableName });
    new CfnOutput(this, "ArtifactBucketName", { value: data.artifacts.bucket.bucketName });
    new CfnOutput(this, "EventBusName", { value: data.events.bus.eventBusName });
    new CfnOutput(this, "TransitionWorkflowArn", {
      value: this.transitionWorkflow.stateMachine.stateMachineArn,
      description: "The stage-transition state machine",
    });
    for (const role of registryRoles) {
      new CfnOutput(this, `${pascalCase(role)}PolicyArn`, {
        value: this.accessPolicies.policies[role].managedPolicyArn,
        description: `Attach to IAM roles that get the registry's ${role} rights`,
      });
    }
    new CfnOutput(this, "DashboardName", { value: this.monitoring.dashboard.dashboardName });
  }

  /** Read models, versions, aliases and history; download artifacts (the route table's `reader`). */
  grantRead(grantee: IGrantable): Grant {
    return this.accessPolicies.grantRead(grantee);
  }

  /** Register models, versions and aliases; upload and seal artifacts (`publisher`). */
  grantPublish(grantee: IGrantable): Grant {
    return this.accessPolicies.grantPublish(grantee);
  }

  /** Approve or reject stage transitions (`approver`). */
  grantApprove(grantee: IGrantable): Grant {
    return this.accessPolicies.grantApprove(grantee);
  }

  /** Every route, deletes included (`admin`). */
  grantAdmin(grantee: IGrantable): Grant {
    return this.accessPolicies.grantAdmin(grantee);
  }

  /**
   * Set models' promotion policies (`governor`): the platform team that owns the rules, never a
   * publisher whose promotions they govern.
   */
  grantGovern(grantee: IGrantable): Grant {
    return this.accessPolicies.grantGovern(grantee);
  }
}

function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}
