/**
 * Every Lambda function of the registry's own and its entry file (relative to the repository
 * root): the one list the CDK stacks (`lib/api-stack.ts`, `lib/event-publisher.ts`) and local
 * mode (`local/handler-modules.ts`) both read. Every other module of this folder is an entry
 * listed here, and nothing else is (`test/unit/entry-points.test.ts`).
 *
 * The functions themselves never import this list: it is for whoever deploys or runs them.
 */
import type { FunctionGroup } from "#http/route-table.ts";

/** The API's route groups and the MLflow-compatible routes (one function each), and the three workers. */
export type RegistryFunctionName =
  | FunctionGroup
  | "verify-artifacts"
  | "transition-tasks"
  | "publish-history";

export const FUNCTION_ENTRIES = {
  service: "functions/entry-points/service.ts",
  models: "functions/entry-points/models.ts",
  versions: "functions/entry-points/versions.ts",
  aliases: "functions/entry-points/aliases.ts",
  artifacts: "functions/entry-points/artifacts.ts",
  transitions: "functions/entry-points/transitions.ts",
  /** The MLflow-compatible registry routes (functions/mlflow/). */
  mlflow: "functions/entry-points/mlflow.ts",
  /** Hashes a sealed version's artifacts (invoked asynchronously after a seal). */
  "verify-artifacts": "functions/entry-points/verify-artifacts.ts",
  /** The transition workflow's Task states. */
  "transition-tasks": "functions/entry-points/transition-tasks.ts",
  /** The table stream's history inserts → EventBridge. */
  "publish-history": "functions/entry-points/publish-history.ts",
} as const satisfies Record<RegistryFunctionName, `functions/entry-points/${string}.ts`>;
