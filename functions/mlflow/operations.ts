/**
 * The MLflow registry operations, each over the registry's own use cases (the same validation,
 * history entries and events as the native routes): this module only translates MLflow's
 * requests and answers (`mapping.ts`) and decides nothing the core decides.
 */
import { PreconditionFailedError } from "#core/errors.ts";
import type { RequestContext } from "#core/kernel/context.ts";
import type { CoreDeps } from "#core/kernel/deps.ts";
import {
  AliasName,
  CreateModelInput,
  Description,
  type Model,
  ModelName,
  type ModelVersion,
  StoredAliasName,
  Tags,
  UpdateModelInput,
  UpdateVersionInput,
} from "#core/schemas.ts";
import * as aliases from "#core/use-cases/aliases.ts";
import * as artifacts from "#core/use-cases/artifacts.ts";
import * as models from "#core/use-cases/models.ts";
import * as transitions from "#core/use-cases/transitions.ts";
import * as versions from "#core/use-cases/versions.ts";
import { parseInput } from "#core/validation.ts";
import { invalidParameter, MlflowApiError } from "./errors.ts";
import {
  fromMlflowStage,
  fromMlflowTags,
  MLFLOW_STAGES,
  type MlflowTag,
  toMlflowModel,
  toMlflowVersion,
  versionNumberOf,
} from "./mapping.ts";
import type { MlflowOperationId } from "./routes.ts";
import { searchModels, searchVersions } from "./search.ts";

/** The request's parameters: the JSON body, or (GET) the query string, repeated keys as lists. */
export type MlflowInput = Record<string, unknown>;

export type MlflowOperation = (core: CoreDeps, input: MlflowInput, ctx: RequestContext) => Promise<unknown>;

// --- reading MLflow's parameters -------------------------------------------------------------

function single(input: MlflowInput, key: string): unknown {
  const value = input[key];
  return Array.isArray(value) ? value.at(-1) : value;
}

function requiredString(input: MlflowInput, key: string): string {
  const value = single(input, key);
  if (value === undefined || value === null || value === "") {
    throw invalidParameter(`Missing value for required parameter '${key}'.`);
  }
  if (typeof value !== "string")
    throw invalidParameter(`'${key}' must be a string, not ${JSON.stringify(value)}`);
  return value;
}

function optionalString(input: MlflowInput, key: string): string | undefined {
  const value = single(input, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string")
    throw invalidParameter(`'${key}' must be a string, not ${JSON.stringify(value)}`);
  return value;
}

function stringList(input: MlflowInput, key: string): string[] {
  const value = input[key];
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  if (list.some((v) => typeof v !== "string")) throw invalidParameter(`'${key}' must be a list of strings`);
  return list as string[];
}

function modelName(input: MlflowInput, key = "name"): string {
  return parseInput(ModelName, requiredString(input, key), key);
}

function versionNumber(input: MlflowInput): number {
  const raw = single(input, "version");
  if (raw === undefined || raw === null || raw === "") {
    throw invalidParameter("Missing value for required parameter 'version'.");
  }
  const n = versionNumberOf(raw as string | number);
  if (n === undefined)
    throw invalidParameter(`version must be a whole number above 0, not ${JSON.stringify(raw)}`);
  return n;
}

function maxResults(input: MlflowInput, fallback: number, most: number): number {
  const raw = single(input, "max_results");
  if (raw === undefined || raw === null || raw === "") return fallback;
  const n = typeof raw === "number" ? raw : /^[0-9]{1,9}$/.test(String(raw)) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > most) {
    throw invalidParameter(
      `max_results must be a whole number from 1 to ${most}, not ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

function tagsOf(input: MlflowInput): Record<string, string> | undefined {
  const value = input.tags;
  if (value === undefined || value === null) return undefined;
  if (
    !Array.isArray(value) ||
    value.some(
      (t) =>
        typeof t !== "object" ||
        t === null ||
        typeof (t as MlflowTag).key !== "string" ||
        typeof (t as MlflowTag).value !== "string",
    )
  ) {
    throw invalidParameter("tags must be a list of {key, value} strings");
  }
  return fromMlflowTags(value as MlflowTag[]);
}

// --- answers ----------------------------------------------------------------------------------

const sourceOf = (core: CoreDeps, v: ModelVersion) =>
  core.artifacts.uri(v.model, v.version, "").replace(/\/$/, "");
const versionView = (core: CoreDeps, v: ModelVersion) => toMlflowVersion(v, sourceOf(core, v));

/** The model with the newest version of each stage that has one (MLflow's `latest_versions`). */
async function modelWithLatest(core: CoreDeps, model: Model) {
  return toMlflowModel(model, await latestPerStage(core, model.name));
}

async function latestPerStage(core: CoreDeps, name: string, stages = MLFLOW_STAGES as readonly string[]) {
  const found = await Promise.all(
    stages.map(async (label) => {
      const stage = fromMlflowStage(label);
      if (!stage) {
        throw invalidParameter(`stages: '${label}' is not a stage: use ${MLFLOW_STAGES.join(", ")}`);
      }
      const page = await versions.listVersions(core, name, { stage, limit: 1 });
      return page.items[0];
    }),
  );
  return found.filter((v): v is ModelVersion => v !== undefined).map((v) => versionView(core, v));
}

/**
 * A read-modify-write of a model's or version's tags, conditioned on the ETag that was read (so
 * two tag edits at once never lose one): retried a few times when another edit came between.
 */
async function withRetry<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof PreconditionFailedError) || i >= 5) throw error;
    }
  }
}

async function editModelTags(
  core: CoreDeps,
  input: MlflowInput,
  ctx: RequestContext,
  edit: (tags: Record<string, string>, key: string) => Record<string, string>,
) {
  const name = modelName(input);
  const key = requiredString(input, "key");
  await withRetry(async () => {
    const model = await models.getModel(core, name);
    const tags = parseInput(Tags, edit({ ...model.tags }, key), "tags");
    await models.updateModel(core, name, parseInput(UpdateModelInput, { tags }), {
      ...ctx,
      ifMatch: model.etag,
    });
  });
  return {};
}

async function editVersionTags(
  core: CoreDeps,
  input: MlflowInput,
  ctx: RequestContext,
  edit: (tags: Record<string, string>, key: string) => Record<string, string>,
) {
  const name = modelName(input);
  const number = versionNumber(input);
  const key = requiredString(input, "key");
  await withRetry(async () => {
    const version = await versions.getVersion(core, name, number);
    const tags = parseInput(Tags, edit({ ...version.tags }, key), "tags");
    await versions.updateVersion(core, name, number, parseInput(UpdateVersionInput, { tags }), {
      ...ctx,
      ifMatch: version.etag,
    });
  });
  return {};
}

const setTag = (input: MlflowInput) => (tags: Record<string, string>, key: string) => ({
  ...tags,
  [key]: requiredValue(input),
});
const requiredValue = (input: MlflowInput) => {
  const value = single(input, "value");
  if (typeof value !== "string") throw invalidParameter("Missing value for required parameter 'value'.");
  return value;
};
const removeTag = (tags: Record<string, string>, key: string) => {
  if (!Object.hasOwn(tags, key))
    throw new MlflowApiError("RESOURCE_DOES_NOT_EXIST", `no tag '${key}' to delete`);
  const { [key]: _removed, ...rest } = tags;
  return rest;
};

// --- the operations ---------------------------------------------------------------------------

export const mlflowOperations: Record<MlflowOperationId, MlflowOperation> = {
  async mlflowCreateRegisteredModel(core, input, ctx) {
    const created = await models.createModel(
      core,
      parseInput(CreateModelInput, {
        name: requiredString(input, "name"),
        ...(optionalString(input, "description") && { description: optionalString(input, "description") }),
        ...(tagsOf(input) && { tags: tagsOf(input) }),
      }),
      ctx,
    );
    return { registered_model: toMlflowModel(created.value) };
  },

  async mlflowGetRegisteredModel(core, input) {
    return { registered_model: await modelWithLatest(core, await models.getModel(core, modelName(input))) };
  },

  async mlflowSearchRegisteredModels(core, input) {
    const page = await searchModels(core, {
      filter: optionalString(input, "filter"),
      orderBy: stringList(input, "order_by"),
      maxResults: maxResults(input, 100, 1000),
      pageToken: optionalString(input, "page_token"),
    });
    return {
      registered_models: page.items.map((m) => toMlflowModel(m)),
      ...(page.nextPageToken && { next_page_token: page.nextPageToken }),
    };
  },

  async mlflowUpdateRegisteredModel(core, input, ctx) {
    const name = modelName(input);
    const description = parseInput(Description, optionalString(input, "description") ?? "", "description");
    const model = await models.updateModel(core, name, parseInput(UpdateModelInput, { description }), ctx);
    return { registered_model: toMlflowModel(model) };
  },

  async mlflowDeleteRegisteredModel(core, input, ctx) {
    await models.deleteModel(core, modelName(input), ctx);
    return {};
  },

  async mlflowRenameRegisteredModel(_core, input) {
    const name = modelName(input);
    const newName = requiredString(input, "new_name");
    throw invalidParameter(
      `cannot rename '${name}' to '${newName}': model names are never reused or moved in this registry (versions, events and deploy pipelines refer to models by name, and a name's history is its audit trail). Register '${newName}' as a new model instead`,
    );
  },

  mlflowSetRegisteredModelTag: (core, input, ctx) => editModelTags(core, input, ctx, setTag(input)),
  mlflowDeleteRegisteredModelTag: (core, input, ctx) => editModelTags(core, input, ctx, removeTag),

  async mlflowSetAlias(core, input, ctx) {
    const name = modelName(input);
    const alias = parseInput(AliasName, requiredString(input, "alias"), "alias");
    await aliases.setAlias(core, name, alias, versionNumber(input), ctx);
    return {};
  },

  async mlflowDeleteAlias(core, input, ctx) {
    const name = modelName(input);
    await aliases.deleteAlias(
      core,
      name,
      parseInput(StoredAliasName, requiredString(input, "alias"), "alias"),
      ctx,
    );
    return {};
  },

  async mlflowGetVersionByAlias(core, input) {
    const found = await aliases.getAlias(
      core,
      modelName(input),
      parseInput(AliasName, requiredString(input, "alias"), "alias"),
    );
    return { model_version: versionView(core, found.modelVersion) };
  },

  async mlflowGetLatestVersions(core, input) {
    const name = modelName(input);
    await models.getModel(core, name);
    const stages = stringList(input, "stages");
    return { model_versions: await latestPerStage(core, name, stages.length > 0 ? stages : MLFLOW_STAGES) };
  },

  async mlflowCreateModelVersion(_core, input) {
    const name = modelName(input);
    throw new MlflowApiError(
      "NOT_IMPLEMENTED",
      `creating a version of '${name}' through the MLflow API is not built yet: it needs the registry's MLflow artifact routes (/api/2.0/mlflow-artifacts), so that the registry can hash the files it seals. Create the version with the registry's own API (POST /models/${name}/versions, or the model_registry Python client); MLflow then reads, tags, aliases and transitions it`,
    );
  },

  async mlflowGetModelVersion(core, input) {
    return {
      model_version: versionView(
        core,
        await versions.getVersion(core, modelName(input), versionNumber(input)),
      ),
    };
  },

  async mlflowSearchModelVersions(core, input) {
    const page = await searchVersions(core, {
      filter: optionalString(input, "filter"),
      orderBy: stringList(input, "order_by"),
      maxResults: maxResults(input, 10_000, 200_000),
      pageToken: optionalString(input, "page_token"),
    });
    return {
      model_versions: page.items.map((v) => versionView(core, v)),
      ...(page.nextPageToken && { next_page_token: page.nextPageToken }),
    };
  },

  async mlflowUpdateModelVersion(core, input, ctx) {
    const name = modelName(input);
    const number = versionNumber(input);
    const description = parseInput(Description, optionalString(input, "description") ?? "", "description");
    const version = await versions.updateVersion(
      core,
      name,
      number,
      parseInput(UpdateVersionInput, { description }),
      ctx,
    );
    return { model_version: versionView(core, version) };
  },

  async mlflowDeleteModelVersion(core, input, ctx) {
    const name = modelName(input);
    const number = versionNumber(input);
    const version = await versions.getVersion(core, name, number);
    if (version.status === "READY" || version.status === "VERIFYING") {
      throw new MlflowApiError(
        "RESOURCE_CONFLICT",
        `version ${number} of '${name}' is ${version.status === "READY" ? "sealed (READY)" : "being verified (VERIFYING)"}: sealed versions are never deleted in this registry, their files and history are the audit trail that deployments and rollbacks rely on. Move it to Archived (transition-stage), or delete the whole model (admin). Unsealed versions are deleted (abandoned), and their numbers are never reused`,
      );
    }
    await artifacts.abandonVersion(core, name, number, ctx);
    return {};
  },

  mlflowSetModelVersionTag: (core, input, ctx) => editVersionTags(core, input, ctx, setTag(input)),
  mlflowDeleteModelVersionTag: (core, input, ctx) => editVersionTags(core, input, ctx, removeTag),

  async mlflowGetDownloadUri(core, input) {
    const version = await versions.getVersion(core, modelName(input), versionNumber(input));
    return { artifact_uri: sourceOf(core, version) };
  },

  async mlflowTransitionStage(core, input, ctx) {
    const name = modelName(input);
    const number = versionNumber(input);
    const label = requiredString(input, "stage");
    const to = fromMlflowStage(label);
    if (!to) throw invalidParameter(`stage: '${label}' is not a stage: use ${MLFLOW_STAGES.join(", ")}`);
    await transitions.requestTransition(
      core,
      name,
      number,
      { to, comment: "requested through the MLflow API" },
      ctx,
    );
    // The request is validated and, where the policy asks, waits for approval: the answer is
    // the version as it stands now, still in its stage until the workflow applies the move.
    return { model_version: versionView(core, await versions.getVersion(core, name, number)) };
  },
};
