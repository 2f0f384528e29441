import { RemovalPolicy } from "aws-cdk-lib";
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  type IResource,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  ResponseType,
  RestApi,
} from "aws-cdk-lib/aws-apigateway";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { RouteDefinition, RouteGroup } from "#http/route-table.ts";
import { pathParts } from "./route-paths.ts";

export interface RegistryApiProps {
  routes: readonly RouteDefinition[];
  /** The function that serves each route group. */
  handlers: Record<RouteGroup, IFunction>;
  stageName: string;
  throttleRateLimit: number;
  throttleBurstLimit: number;
  accessLogRetention: RetentionDays;
  /** See `RegistryConfig.apiCloudWatchRole`. */
  cloudWatchRole: boolean;
}

/**
 * API Gateway's own rejections (before any Lambda runs), mapped to the registry's error codes so
 * clients parse one error shape whoever answered.
 */
const gatewayErrorCodes: ReadonlyArray<readonly [ResponseType, string]> = [
  [ResponseType.ACCESS_DENIED, "AccessDenied"],
  // Also what API Gateway answers for a path no route matches.
  [ResponseType.MISSING_AUTHENTICATION_TOKEN, "MissingAuthenticationToken"],
  [ResponseType.INVALID_SIGNATURE, "InvalidSignature"],
  [ResponseType.EXPIRED_TOKEN, "ExpiredToken"],
  [ResponseType.THROTTLED, "TooManyRequests"],
  [ResponseType.DEFAULT_4XX, "RequestRejected"],
  [ResponseType.DEFAULT_5XX, "InternalError"],
];

/**
 * The REST API, with one resource per path part and one method per route of the route table,
 * every method signed with SigV4 (AWS_IAM): the caller's IAM identity is the registry's actor.
 */
export class RegistryApi extends Construct {
  readonly api: RestApi;
  readonly accessLogs: LogGroup;
  /** Each route's method, keyed `"<METHOD> <path>"` as in the route table. */
  readonly methods: ReadonlyMap<string, Method>;

  constructor(scope: Construct, id: string, props: RegistryApiProps) {
    super(scope, id);

    this.accessLogs = new LogGroup(this, "AccessLogs", {
      retention: props.accessLogRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.api = new RestApi(this, "Api", {
      description: "Model registry HTTP API (SigV4 / IAM on every route)",
      // Callers (notebooks, pipelines) sit in the region; edge-optimised adds a CloudFront hop.
      endpointTypes: [EndpointType.REGIONAL],
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
      cloudWatchRole: props.cloudWatchRole,
      // The role is account-wide: removing it with this stack would break other APIs' logging.
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stageName,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: accessLogFormat(),
        throttlingRateLimit: props.throttleRateLimit,
        throttlingBurstLimit: props.throttleBurstLimit,
        tracingEnabled: true,
        metricsEnabled: true,
      },
    });

    // RestApi adds an unnamed `Endpoint` output; the stack publishes the URL as `ApiUrl` instead.
    this.api.node.tryRemoveChild("Endpoint");

    for (const [type, code] of gatewayErrorCodes) {
      this.api.addGatewayResponse(`Gateway${code}`, {
        type,
        templates: {
          // messageString is already a quoted, escaped JSON string.
          "application/json": `{"error":{"code":"${code}","message":$context.error.messageString,"requestId":"$context.requestId"}}`,
        },
      });
    }

    // One integration per function; scoping the invoke permission to the API rather than to
    // each method keeps each function's resource policy to one statement however many routes.
    const integrations = new Map<RouteGroup, LambdaIntegration>();
    const integrationFor = (group: RouteGroup): LambdaIntegration => {
      let integration = integrations.get(group);
      if (!integration) {
        integration = new LambdaIntegration(props.handlers[group], { scopePermissionToMethod: false });
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
  }
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
