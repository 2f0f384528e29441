/**
 * What every workflow step shares: a step's task type, the result that ends the execution, and
 * the read of the request with its model.
 */
import type { CoreDeps } from "../../kernel/deps.ts";
import type { ModelRecord, TransitionRecord } from "../../records.ts";
import type { StepResult, WorkflowTask } from "../workflow-contract.ts";

export type Task<S extends WorkflowTask["step"]> = Extract<WorkflowTask, { step: S }>;

export const end = (status: string): StepResult => ({ next: "end", status });

/** Reads the request and its model together; undefined when either is gone. */
export async function read(
  deps: CoreDeps,
  name: string,
  id: string,
): Promise<{ model: ModelRecord; transition: TransitionRecord } | undefined> {
  const [model, transition] = await Promise.all([
    deps.store.getModel(name),
    deps.store.getTransition(name, id),
  ]);
  if (!model || !transition) return undefined;
  return { model, transition };
}
