/**
 * The schemas of every operation: path parameters, query, body and responses. Handlers parse
 * requests with them, and the OpenAPI document is generated from them, so the two cannot drift.
 *
 * The specs live in a module per route group (`./operations/<group>.ts`): a handler imports only
 * its group's, so its bundle leaves out the other groups' specs and the schemas only they use.
 * This merge is for what serves or describes every route: the OpenAPI document, the local
 * gateway, the tests. A Lambda handler must not import it.
 */
import { aliasOperations } from "./operations/aliases.ts";
import { artifactOperations } from "./operations/artifacts.ts";
import { modelOperations } from "./operations/models.ts";
import { serviceOperations } from "./operations/service.ts";
import type { OperationSpec } from "./operations/spec.ts";
import { transitionOperations } from "./operations/transitions.ts";
import { versionOperations } from "./operations/versions.ts";

export type { OperationSpec };

export const operations = {
  ...serviceOperations,
  ...modelOperations,
  ...versionOperations,
  ...aliasOperations,
  ...artifactOperations,
  ...transitionOperations,
} satisfies Record<string, OperationSpec>;

export type Operations = typeof operations;
export type OperationId = keyof Operations;
