/**
 * The function that serves the MLflow-compatible routes (`routes.ts`), over the same core as the
 * native route groups (`#http/composition.ts`).
 */
import { buildCore, usageReporting } from "#http/composition.ts";
import { createMlflowHandler } from "./api.ts";

const core = await buildCore();

export const handler = createMlflowHandler(core, { meter: usageReporting });
