/**
 * The schemas of every operation: path parameters, query, body and responses. Handlers parse
 * requests with them, and the OpenAPI document is generated from them, so the two cannot drift.
 *
 * The specs live in a module per route group (`./operations/<group>.ts`): a handler imports only
 * its group's, so its bundle leaves out the other groups' specs and the schemas only they use.
 * Response bodies are described apart (`./operations/responses.ts`), since no handler parses its
 * own replies. This merge is for what serves or describes every route: the OpenAPI document, the
 * local gateway, the tests. A Lambda handler must not import it.
 */
import { aliasOperations } from "./operations/aliases.ts";
import { artifactOperations } from "./operations/artifacts.ts";
import { modelOperations } from "./operations/models.ts";
import { responses } from "./operations/responses.ts";
import { serviceOperations } from "./operations/service.ts";
import type { OperationSpec } from "./operations/spec.ts";
import { transitionOperations } from "./operations/transitions.ts";
import { versionOperations } from "./operations/versions.ts";

export type { OperationSpec };

const specs = {
  ...serviceOperations,
  ...modelOperations,
  ...versionOperations,
  ...aliasOperations,
  ...artifactOperations,
  ...transitionOperations,
} satisfies Record<string, OperationSpec>;

export type OperationId = keyof typeof specs;

/** Every operation's spec with its response schemas. */
export const operations = Object.fromEntries(
  Object.entries(specs).map(([id, spec]: [string, OperationSpec]) => {
    const bodies = responses[id as OperationId];
    const documented: OperationSpec = {
      ...spec,
      success: { ...spec.success, ...(bodies.success && { schema: bodies.success }) },
      ...(spec.alternatives && {
        alternatives: spec.alternatives.map((alt) => {
          const schema = bodies.alternatives?.[alt.status];
          return { ...alt, ...(schema && { schema }) };
        }),
      }),
    };
    return [id, documented];
  }),
) as Record<OperationId, OperationSpec>;

export type Operations = typeof operations;
