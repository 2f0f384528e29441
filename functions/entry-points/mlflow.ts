/**
 * The function that serves the MLflow-compatible routes (`routes.ts`), over the same core as the
 * native route groups (`#composition/build-core.ts`).
 */
import { buildCore, usageReporting } from "#composition/build-core.ts";
import { createMlflowHandler } from "../mlflow/api.ts";

const core = await buildCore();

export const handler = createMlflowHandler(core, { meter: usageReporting });
