import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { type HandlerBundle, type OptionalSdk, projectRoot } from "./bundling/index.ts";
import { acceptWildcardResources } from "./nag.ts";

export { esbuildOptions, type OptionalSdk } from "./bundling/index.ts";

/** Service name of every log line, metric and trace (`SERVICE_NAME`, Powertools' service). */
export const SERVICE_NAME = "model-registry";
/** CloudWatch namespace of the registry's own metrics (Powertools Metrics). */
export const METRICS_NAMESPACE = "ModelRegistry";

/**
 * IAM path of every role the registry's functions run as. The artifact bucket's policy lets only
 * principals under this path write artifacts (a presigned PUT is signed by, and so made as, the
 * function's role), so the data stack and the API stack must agree on it: both get it from here.
 */
export function registryRolePath(apiStackName: string): string {
  return `/model-registry/${apiStackName}/`;
}

export interface RegistryFunctionProps {
  /** Path of the entry file relative to the repository root; it must export `handler`. */
  entry: string;
  description?: string;
  /** @default 1024 */
  memorySize?: number;
  /** @default 10 seconds */
  timeout?: Duration;
  /** Added to (and overriding) the defaults: `SERVICE_NAME`, Powertools' names. */
  environment?: Record<string, string>;
  /** @default one month */
  logRetention?: RetentionDays;
  /**
   * Caps concurrent executions (and reserves them): protects what the function writes to from a
   * burst, and the rest of the account from this function. @default unreserved
   */
  reservedConcurrentExecutions?: number;
  /** SDK clients the function's grants do not cover: left out of its bundle (lib/bundling/). */
  without?: readonly OptionalSdk[];
  /** Bundle and turn on Powertools Tracer (`RegistryConfig.powertoolsTracer`). @default false */
  powertoolsTracer?: boolean;
  /** Start with `--enable-source-maps` (`RegistryConfig.sourceMaps`). @default false */
  sourceMaps?: boolean;
}

/**
 * Every Lambda function of the registry is created through this construct, so runtime,
 * architecture, bundling, tracing, logging and the role's path are decided once.
 */
export class RegistryFunction extends LambdaFunction {
  /** Absolute path of a repository-relative file, for checks made before bundling. */
  static resolveEntry(entry: string): string {
    return join(projectRoot, entry);
  }

  /** The repository-relative entry file and bundle settings of this function. */
  readonly bundle: Omit<HandlerBundle, "outdir">;

  constructor(scope: Construct, id: string, props: RegistryFunctionProps) {
    const entry = RegistryFunction.resolveEntry(props.entry);
    if (!existsSync(entry)) {
      throw new Error(`${id}: handler entry ${props.entry} does not exist (it must export \`handler\`)`);
    }
    const powertoolsTracer = props.powertoolsTracer === true;
    const bundle = {
      entry: props.entry,
      without: props.without ?? [],
      ...(powertoolsTracer && { tracer: true }),
    };

    // An explicit log group (not the implicit /aws/lambda/<name>) so retention is ours to set
    // and the group goes away with the stateless stack instead of living forever.
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Its own role, under the registry's path, with no managed policy: writing to its own log
    // group is granted below, on that group only (not AWSLambdaBasicExecutionRole's logs:* on *).
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      path: registryRolePath(Stack.of(scope).stackName),
      description: `Model registry function ${id}`,
    });

    super(scope, id, {
      code: Code.fromAsset(projectRoot, {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Never pulled: bundling is local (esbuild), and a failure throws rather than falling back.
          image: DockerImage.fromRegistry("local-bundling-only"),
          // Never run either; CDK keys its bundling cache on these options (not on the local
          // function), so without the bundle spec here every function would get the first
          // function's bundle.
          command: ["registry-bundle", JSON.stringify(bundle)],
          local: { tryBundle: (outdir) => bundleInChildProcess({ ...bundle, outdir }) },
        },
      }),
      handler: "index.handler",
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        SERVICE_NAME,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        // Metrics are written in AWS only (functions/http/telemetry.ts).
        POWERTOOLS_METRICS_DISABLED: "false",
        ...(powertoolsTracer && {
          POWERTOOLS_TRACE_ENABLED: "true",
          // Responses can be large (a page of versions); errors are still recorded.
          POWERTOOLS_TRACER_CAPTURE_RESPONSE: "false",
        }),
        // Stack traces point at the TypeScript sources through the bundled source map, at a
        // cost to every cold start; without it, the map in the asset decodes them offline.
        ...(props.sourceMaps && { NODE_OPTIONS: "--enable-source-maps" }),
        ...props.environment,
      },
    });
    logGroup.grantWrite(role);
    acceptWildcardResources(
      role,
      /^\*$/,
      "Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions (test/infra/policies.test.ts allows '*' for these actions only)",
    );
    this.bundle = bundle;
  }
}

/** Synth is synchronous and esbuild's plugins need its asynchronous API: bundle in a child. */
function bundleInChildProcess(bundle: HandlerBundle): boolean {
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", join(projectRoot, "lib", "bundling", "cli.ts"), JSON.stringify(bundle)],
    { cwd: projectRoot, encoding: "utf8" },
  );
  if (child.status !== 0) {
    throw new Error(
      `bundling ${bundle.entry} failed (exit ${child.status}):\n${child.stderr}${child.stdout}`,
    );
  }
  return true;
}
