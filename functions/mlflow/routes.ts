/**
 * The MLflow-compatible routes (MLflow's REST API 2.0 for the model registry, as the `mlflow`
 * client calls it), as plain data like the native route table (`#http/route-table.ts`): the CDK
 * app creates an API Gateway method for each with AWS_IAM auth, the IAM managed policies grant
 * each to the roles it names, and local mode enforces the same roles. One function (`handler.ts`)
 * serves them all, over the same use cases as the native routes.
 *
 * Roles follow the native routes they stand for: reads for every role, writes for publishers,
 * deletes of models, versions and aliases for admins (a tag's removal is an edit: publishers).
 */

import type { RegistryRole } from "#http/roles.ts";
import type { RouteDefinition } from "#http/route-table.ts";

const READERS: readonly RegistryRole[] = ["reader", "publisher", "approver", "governor", "admin"];
const WRITERS: readonly RegistryRole[] = ["publisher", "admin"];
const ADMINS: readonly RegistryRole[] = ["admin"];

/** Where MLflow's client sends registry calls, under the tracking URI. */
export const MLFLOW_API_PREFIX = "/api/2.0/mlflow";

type MlflowRoute = RouteDefinition<"mlflow">;

const route = <Id extends string>(
  method: MlflowRoute["method"],
  path: string,
  operationId: Id,
  summary: string,
  roles: readonly RegistryRole[],
): MlflowRoute & { operationId: Id } => ({
  method,
  path: `${MLFLOW_API_PREFIX}/${path}`,
  group: "mlflow",
  operationId,
  summary,
  roles,
});

export const mlflowRoutes = [
  route(
    "POST",
    "registered-models/create",
    "mlflowCreateRegisteredModel",
    "MLflow: register a model",
    WRITERS,
  ),
  route("GET", "registered-models/get", "mlflowGetRegisteredModel", "MLflow: get a model", READERS),
  route("GET", "registered-models/search", "mlflowSearchRegisteredModels", "MLflow: search models", READERS),
  route(
    "PATCH",
    "registered-models/update",
    "mlflowUpdateRegisteredModel",
    "MLflow: update a model's description",
    WRITERS,
  ),
  route(
    "DELETE",
    "registered-models/delete",
    "mlflowDeleteRegisteredModel",
    "MLflow: delete a model",
    ADMINS,
  ),
  route(
    "POST",
    "registered-models/rename",
    "mlflowRenameRegisteredModel",
    "MLflow: rename a model (refused: names are never reused here)",
    WRITERS,
  ),
  route(
    "POST",
    "registered-models/set-tag",
    "mlflowSetRegisteredModelTag",
    "MLflow: set a model tag",
    WRITERS,
  ),
  route(
    "DELETE",
    "registered-models/delete-tag",
    "mlflowDeleteRegisteredModelTag",
    "MLflow: remove a model tag",
    WRITERS,
  ),
  route(
    "POST",
    "registered-models/alias",
    "mlflowSetAlias",
    "MLflow: point an alias at a READY version",
    WRITERS,
  ),
  route("DELETE", "registered-models/alias", "mlflowDeleteAlias", "MLflow: delete an alias", ADMINS),
  route(
    "GET",
    "registered-models/alias",
    "mlflowGetVersionByAlias",
    "MLflow: the version an alias points at",
    READERS,
  ),
  route(
    "POST",
    "registered-models/get-latest-versions",
    "mlflowGetLatestVersions",
    "MLflow: the latest version in each stage",
    READERS,
  ),
  route(
    "POST",
    "model-versions/create",
    "mlflowCreateModelVersion",
    "MLflow: create a version (not yet: needs the artifact routes)",
    WRITERS,
  ),
  route("GET", "model-versions/get", "mlflowGetModelVersion", "MLflow: get a version", READERS),
  route("GET", "model-versions/search", "mlflowSearchModelVersions", "MLflow: search versions", READERS),
  route(
    "PATCH",
    "model-versions/update",
    "mlflowUpdateModelVersion",
    "MLflow: update a version's description",
    WRITERS,
  ),
  route(
    "DELETE",
    "model-versions/delete",
    "mlflowDeleteModelVersion",
    "MLflow: delete (abandon) an unsealed version; sealed versions are kept",
    ADMINS,
  ),
  route("POST", "model-versions/set-tag", "mlflowSetModelVersionTag", "MLflow: set a version tag", WRITERS),
  route(
    "DELETE",
    "model-versions/delete-tag",
    "mlflowDeleteModelVersionTag",
    "MLflow: remove a version tag",
    WRITERS,
  ),
  route(
    "GET",
    "model-versions/get-download-uri",
    "mlflowGetDownloadUri",
    "MLflow: where a version's files are",
    READERS,
  ),
  route(
    "POST",
    "model-versions/transition-stage",
    "mlflowTransitionStage",
    "MLflow: request a stage transition (validated, approved where the policy says)",
    WRITERS,
  ),
] as const satisfies readonly MlflowRoute[];

export type MlflowOperationId = (typeof mlflowRoutes)[number]["operationId"];
