import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Architecture, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";

/** The repository root: bundling resolves `#core/*` imports and the lock file from here. */
const projectRoot = fileURLToPath(new URL("../", import.meta.url));

export interface RegistryFunctionProps {
  /** Path of the entry file relative to the repository root; it must export `handler`. */
  entry: string;
  description?: string;
  /** @default 1024 */
  memorySize?: number;
  /** @default 10 seconds */
  timeout?: Duration;
  /** Added to (and overriding) the defaults: `SERVICE_NAME`, `NODE_OPTIONS`. */
  environment?: Record<string, string>;
  /** @default one month */
  logRetention?: RetentionDays;
}

/**
 * Every Lambda function of the registry is created through this construct, so runtime,
 * architecture, bundling, tracing and logging are decided once.
 */
export class RegistryFunction extends NodejsFunction {
  /** Absolute path of a repository-relative file, for checks made before bundling. */
  static resolveEntry(entry: string): string {
    return join(projectRoot, entry);
  }

  constructor(scope: Construct, id: string, props: RegistryFunctionProps) {
    const entry = RegistryFunction.resolveEntry(props.entry);
    if (!existsSync(entry)) {
      // NodejsFunction would say only "Cannot find entry file"; say what is expected instead.
      throw new Error(`${id}: handler entry ${props.entry} does not exist (it must export \`handler\`)`);
    }

    // An explicit log group (not the implicit /aws/lambda/<name>) so retention is ours to set
    // and the group goes away with the stateless stack instead of living forever.
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    super(scope, id, {
      entry,
      handler: "handler",
      projectRoot,
      depsLockFilePath: join(projectRoot, "package-lock.json"),
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: {
        SERVICE_NAME: "model-registry",
        // Stack traces point at the TypeScript sources through the bundled source map.
        NODE_OPTIONS: "--enable-source-maps",
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        // ESM output has no `require`; CommonJS dependencies bundled into it still call it.
        // The alias keeps the banner's import from clashing with a bundled `createRequire`.
        banner:
          "import { createRequire as __registryCreateRequire } from 'module'; const require = __registryCreateRequire(import.meta.url);",
        mainFields: ["module", "main"],
        minify: true,
        sourceMap: true,
        // Line mapping is all --enable-source-maps needs; embedding sources only grows the zip.
        sourcesContent: false,
        // Bundled, SDK pinned: external @aws-sdk/* imported 5-6 ms slower (p50), 345 KiB less gzip; bench/results/cold-start-latest.json
        externalModules: [],
      },
    });
  }
}
