/**
 * Every route group's specs in one object, and the id of every operation. The merged document
 * (`../operations.ts`) and the response bodies (`./responses.ts`) both build on it, so neither
 * imports the other. Like `../operations.ts`, for what serves or describes every route: a Lambda
 * handler imports its own group's specs only (a type-only import of `OperationId` is free).
 */
import { aliasOperations } from "./aliases.ts";
import { artifactOperations } from "./artifacts.ts";
import { modelOperations } from "./models.ts";
import { serviceOperations } from "./service.ts";
import type { OperationSpec } from "./spec.ts";
import { transitionOperations } from "./transitions.ts";
import { versionOperations } from "./versions.ts";

export const specs = {
  ...serviceOperations,
  ...modelOperations,
  ...versionOperations,
  ...aliasOperations,
  ...artifactOperations,
  ...transitionOperations,
} satisfies Record<string, OperationSpec>;

export type OperationId = keyof typeof specs;
