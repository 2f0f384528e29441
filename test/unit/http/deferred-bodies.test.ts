/**
 * A request body built on first use (`deferredBody`) must be the very schema the OpenAPI document
 * describes: the handler loads it from the group's bodies module, the merged `operations` imports
 * that module statically.
 */
import { describe, expect, it } from "vitest";
import { modelOperations } from "#http/operations/models.ts";
import { isDeferred, type OperationSpec } from "#http/operations/spec.ts";
import { versionOperations } from "#http/operations/versions.ts";
import { operations } from "#http/operations.ts";

const deferred = Object.entries({ ...modelOperations, ...versionOperations } as Record<
  string,
  OperationSpec
>).filter(([, spec]) => spec.body !== undefined && isDeferred(spec.body));

describe("request bodies built on first use", () => {
  it("are the creates and updates of models and versions, and a model's policy", () => {
    expect(deferred.map(([id]) => id).sort()).toEqual([
      "createModel",
      "createVersion",
      "setModelPolicy",
      "updateModel",
      "updateVersion",
    ]);
  });

  it.each(deferred)("%s loads the schema the document describes", async (id, spec) => {
    const loaded = spec.body && isDeferred(spec.body) ? await spec.body.load() : undefined;
    expect(loaded).toBeDefined();
    expect(loaded).toBe(operations[id as keyof typeof operations].body);
  });
});
