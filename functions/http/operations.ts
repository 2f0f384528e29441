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
import type * as z from "zod/mini";
import { type OperationId, specs } from "./operations/all-specs.ts";
import { modelBodies } from "./operations/models-bodies.ts";
import { responses } from "./operations/responses.ts";
import { isDeferred, type OperationSpec } from "./operations/spec.ts";
import { versionBodies } from "./operations/versions-bodies.ts";

export type { OperationId, OperationSpec };

/** The bodies handlers build on first use (`deferredBody`), here statically for the document. */
const deferredBodies: Partial<Record<OperationId, z.ZodMiniType>> = { ...modelBodies, ...versionBodies };

/** An operation's spec as the document describes it: every schema built. */
export type DocumentedSpec = Omit<OperationSpec, "body"> & { body?: z.ZodMiniType };

/** Every operation's spec with its response schemas. */
export const operations = Object.fromEntries(
  Object.entries(specs).map(([id, spec]: [string, OperationSpec]) => {
    const bodies = responses[id as OperationId];
    const body = spec.body && isDeferred(spec.body) ? deferredBodies[id as OperationId] : spec.body;
    if (spec.body && !body) throw new Error(`${id} defers its body, which no module of bodies holds`);
    const { body: _deferred, ...rest } = spec;
    const documented: DocumentedSpec = {
      ...rest,
      ...(body && { body }),
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
) as Record<OperationId, DocumentedSpec>;

export type Operations = typeof operations;
