import { RemovalPolicy, Stack } from "aws-cdk-lib";
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  type IResource,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  MethodLoggingLevel,
  ResponseType,
  RestApi,
} from "aws-cdk-lib/aws-apigateway";
import {
  AccountPrincipal,
  AnyPrincipal,
  Effect,
  type IPrincipal,
  PolicyDocument,
  PolicyStatement,
} from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { type ILogGroup, LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { GatewayResponseCode } from "#http/errors.ts";
import type { FunctionGroup, RouteDefinition } from "#http/route-table.ts";
import { acknowledge } from "./nag.ts";
import { pathParts } from "./route-paths.ts";

export interface RegistryApiProps {
  routes: readonly RouteDefinition<FunctionGroup>[];
  /** The function that serves each route group (every group of `routes` must have one). */
  handlers: Partial<Record<FunctionGroup, IFunction>>;
  stageName: string;
  throttleRateLimit: number;
  throttleBurstLimit: number;
  /** Where access logs go: a retained group of the data stack (the audit trail). */
  accessLogs: ILogGroup;
  /** Retention of the stage's execution logs (errors only), which API Gateway names itself. */
  executionLogRetention: RetentionDays;
  /** See `RegistryConfig.apiCloudWatchRole`. */
  cloudWatchRole: boolean;
  /**
   * Callers in other AWS accounts: the API's resource policy lets these accounts (or every
   * account of the organisation) invoke it; IAM policies in the callers' accounts then decide
   * which routes (the grant methods and managed policies generate them). Same-account callers
   * need no resource-policy entry, and get none: their IAM policy alone decides.
   */
  crossAccount?: { accountIds: readonly string[]; organizationId?: string | undefined };
}

/**
 * API Gateway's own rejections (before any Lambda runs), mapped to the registry's error codes so
 * clients parse one error shape whoever answered.
 */
const gatewayErrorCodes: ReadonlyArray<readonly [ResponseType, GatewayResponseCode]> = [
  [ResponseType.ACCESS_DENIED, "AccessDenied"],
  // Also what API Gateway answers for a path no route matches.
  [ResponseType.MISSING_AUTHENTICATION_TOKEN, "MissingAuthenticationToken"],
  [ResponseType.INVALID_SIGNATURE, "InvalidSignature"],
  [ResponseType.EXPIRED_TOKEN, "ExpiredToken"],
  [ResponseType.THROTTLED, "TooManyRequests"],
  [ResponseType.BAD_REQUEST_PARAMETERS, "ValidationError"],
  [ResponseType.BAD_REQUEST_BODY, "ValidationError"],
  [ResponseType.REQUEST_TOO_LARGE, "RequestTooLarge"],
  [ResponseType.INTEGRATION_TIMEOUT, "IntegrationTimeout"],
  [ResponseType.DEFAULT_4XX, "RequestRejected"],
  [ResponseType.DEFAULT_5XX, "InternalError"],
];

/**
 * The REST API, with one resource per path part and one method per route of the route table,
 * every method signed with SigV4 (AWS_IAM): the caller's IAM identity is the registry's actor.
 */
export class RegistryApi extends Construct {
  readonly api: RestApi;
  readonly accessLogs: ILogGroup;
  /** Each route's method, keyed `"<METHOD> <path>"` as in the route table. */
  readonly methods: ReadonlyMap<string, Method>;

  constructor(scope: Construct, id: string, props: RegistryApiProps) {
    super(scope, id);

    this.accessLogs = props.accessLogs;

    this.api = new RestApi(this, "Api", {
      // API Gateway publishes its CloudWatch metrics by API *name* (dimension ApiName), not by id:
      // a name shared with another REST API of the account and region (CDK's default is the
      // construct id, "Api") would mix that API's requests and errors into the registry's alarms.
      // The stack's name is unique in the account and region.
      restApiName: Stack.of(this).stackName,
      description: "Model registry HTTP API (SigV4 / IAM on every route)",
      // Callers (notebooks, pipelines) sit in the region; edge-optimised adds a CloudFront hop.
      endpointTypes: [EndpointType.REGIONAL],
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
      cloudWatchRole: props.cloudWatchRole,
      // The role is account-wide: removing it with this stack would break other APIs' logging.
      // (CDK refuses a removal policy for a role it does not create.)
      ...(props.cloudWatchRole && { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN }),
      policy: crossAccountPolicy(props.crossAccount, Stack.of(this).account),
      deployOptions: {
        stageName: props.stageName,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: accessLogFormat(),
        throttlingRateLimit: props.throttleRateLimit,
        throttlingBurstLimit: props.throttleBurstLimit,
        tracingEnabled: true,
        metricsEnabled: true,
        // Execution logs for failures only; request bodies are never logged (dataTrace off).
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
      },
    });

    // Execution logs (loggingLevel ERROR) go to a group API Gateway creates on its first line,
    // `API-Gateway-Execution-Logs_<api id>/<stage>`, kept forever. Declared here first, so it has
    // the registry's retention and goes with the stack; the stage waits for it, so API Gateway
    // cannot have created it before CloudFormation does.
    const executionLogs = new LogGroup(this, "ExecutionLogs", {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${props.stageName}`,
      retention: props.executionLogRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api.deploymentStage.node.addDependency(executionLogs);

    // RestApi adds an unnamed `Endpoint` output; the stack publishes the URL as `ApiUrl` instead.
    this.api.node.tryRemoveChild("Endpoint");

    for (const [type, code] of gatewayErrorCodes) {
      this.api.addGatewayResponse(`Gateway${type.responseType}`, {
        type,
        templates: {
          // messageString is already a quoted, escaped JSON string.
          "application/json": `{"error":{"code":"${code}","message":$context.error.messageString,"requestId":"$context.requestId"}}`,
        },
      });
    }

    // One integration per function; scoping the invoke permission to the API rather than to
    // each method keeps each function's resource policy to one statement however many routes.
    const integrations = new Map<FunctionGroup, LambdaIntegration>();
    const integrationFor = (group: FunctionGroup): LambdaIntegration => {
      let integration = integrations.get(group);
      if (!integration) {
        const fn = props.handlers[group];
        if (!fn) throw new Error(`no function serves the route group '${group}'`);
        integration = new LambdaIntegration(fn, { scopePermissionToMethod: false });
        integrations.set(group, integration);
      }
      return integration;
    };

    const methods = new Map<string, Method>();
    for (const route of props.routes) {
      const resource = pathParts(route.path).reduce<IResource>(
        (parent, part) => parent.getResource(part) ?? parent.addResource(part),
        this.api.root,
      );
      const method = resource.addMethod(route.method, integrationFor(route.group), {
        authorizationType: AuthorizationType.IAM,
        operationName: route.operationId,
      });
      methods.set(`${route.method} ${route.path}`, method);
    }
    this.methods = methods;

    acknowledge(
      this.api,
      "AwsSolutions-COG4",
      "Every method uses AWS_IAM (SigV4): callers are IAM roles of notebooks, pipelines and approvers, and the caller's IAM identity is the actor the registry records; a Cognito user pool would add a second identity system",
    );
    acknowledge(
      this.api,
      "AwsSolutions-APIG2",
      "Requests are validated in the function by each operation's zod schema (path, query, headers and body), with a message per field, and identically in local mode; the same schemas generate the OpenAPI document. Gateway models would check a coarser copy of them, answer with API Gateway's own messages, and differ from local mode. Every method already requires a SigV4 signature of an allowed principal, and the stage is throttled",
    );
    const stage = this.api.deploymentStage;
    acknowledge(
      stage,
      "AwsSolutions-APIG3",
      "No WAF web ACL by default: every request must carry a valid SigV4 signature of an IAM principal allowed by policy, and the stage is throttled; attach a web ACL per account if the platform team runs WAF",
    );
    acknowledge(
      stage,
      "Serverless-APIGWStructuredLogging",
      "Access log lines are JSON: $context.error.messageString is inserted unquoted because API Gateway already emits it as a quoted, escaped JSON string, so the format template itself does not parse as JSON (test/infra/api-stack.test.ts parses a line)",
    );
    const cloudWatchRole = this.api.node.tryFindChild("CloudWatchRole");
    if (cloudWatchRole) {
      acknowledge(
        cloudWatchRole,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
        "API Gateway's account-level logging role: the AWS managed policy is the one API Gateway documents for it, and it only writes CloudWatch Logs",
      );
    }
  }
}

/**
 * Allows `execute-api:Invoke` from other accounts or an organisation; none when neither is
 * configured.
 *
 * Never from the API's own account: for a caller in the same account, API Gateway allows a
 * request that *either* the caller's IAM policy or the resource policy allows ("How API Gateway
 * resource policies affect authorization workflow", table A). An allow that matched the own
 * account (the organisation's statement does: the account is in the organisation) would let
 * every role of the account call every route, deletes included, with no registry policy at all,
 * bypassing the route table's roles. Each statement therefore excludes the own account, whose
 * callers keep being decided by their IAM policies alone. Callers in other accounts need both
 * allows (theirs and this one), so the route table still decides what they may call.
 */
function crossAccountPolicy(
  crossAccount: RegistryApiProps["crossAccount"],
  ownAccount: string,
): PolicyDocument | undefined {
  if (!crossAccount) return undefined;
  const statements: PolicyStatement[] = [];
  const invoke = (sid: string, principals: IPrincipal[], conditions: Record<string, unknown> = {}) =>
    new PolicyStatement({
      sid,
      effect: Effect.ALLOW,
      principals,
      actions: ["execute-api:Invoke"],
      // Every method of every stage of this API ("execute-api:/" is API Gateway's shorthand).
      resources: ["execute-api:/*"],
      conditions: { ...conditions, StringNotEquals: { "aws:PrincipalAccount": ownAccount } },
    });
  if (crossAccount.accountIds.length > 0) {
    statements.push(
      invoke(
        "InvokeFromTrustedAccounts",
        crossAccount.accountIds.map((id) => new AccountPrincipal(id)),
      ),
    );
  }
  if (crossAccount.organizationId) {
    statements.push(
      invoke("InvokeFromOrganization", [new AnyPrincipal()], {
        StringEquals: { "aws:PrincipalOrgID": crossAccount.organizationId },
      }),
    );
  }
  return statements.length > 0 ? new PolicyDocument({ statements }) : undefined;
}

const MESSAGE_PLACEHOLDER = "__ERROR_MESSAGE_STRING__";

/** JSON access log lines; `userArn` is who called, which no other log records for reads. */
function accessLogFormat(): AccessLogFormat {
  const fields = {
    requestId: AccessLogField.contextRequestId(),
    extendedRequestId: AccessLogField.contextExtendedRequestId(),
    requestTime: AccessLogField.contextRequestTime(),
    httpMethod: AccessLogField.contextHttpMethod(),
    resourcePath: AccessLogField.contextResourcePath(),
    path: AccessLogField.contextPath(),
    status: AccessLogField.contextStatus(),
    protocol: AccessLogField.contextProtocol(),
    responseLength: AccessLogField.contextResponseLength(),
    responseLatency: AccessLogField.contextResponseLatency(),
    integrationLatency: AccessLogField.contextIntegrationLatency(),
    sourceIp: AccessLogField.contextIdentitySourceIp(),
    userAgent: AccessLogField.contextIdentityUserAgent(),
    caller: AccessLogField.contextIdentityCaller(),
    userArn: AccessLogField.contextIdentityUserArn(),
    errorType: AccessLogField.contextErrorResponseType(),
    errorMessage: MESSAGE_PLACEHOLDER,
    xrayTraceId: AccessLogField.contextXrayTraceId(),
  };
  // Error messages can hold quotes and newlines (a signature mismatch explains the canonical
  // request), so use API Gateway's own JSON-escaped form, which must go in unquoted.
  const format = JSON.stringify(fields).replace(
    `"${MESSAGE_PLACEHOLDER}"`,
    AccessLogField.contextErrorMessageString(),
  );
  return AccessLogFormat.custom(format);
}
