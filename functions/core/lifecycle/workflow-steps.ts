/**
 * The steps of the transition workflow, one per Task state of the state machine
 * (`workflow-contract.ts`). Each step reads the request afresh and acts only if the execution
 * running it owns the request (`execution`) and the request is where the step expects it: a
 * redelivered event, a duplicate execution or a request cancelled meanwhile ends quietly. Every
 * change is one transaction with its history entries, like any API mutation.
 */
import type { CoreDeps } from "../kernel/deps.ts";
import { apply } from "./steps/apply.ts";
import { awaitApproval } from "./steps/await-approval.ts";
import { expire } from "./steps/expire.ts";
import { fail } from "./steps/fail.ts";
import { stopped } from "./steps/stopped.ts";
import { validate } from "./steps/validate.ts";
import type { StepResult, ValidateResult, WorkflowTask } from "./workflow-contract.ts";

export async function runWorkflowStep(
  deps: CoreDeps,
  task: WorkflowTask,
): Promise<ValidateResult | StepResult> {
  switch (task.step) {
    case "validate":
      return validate(deps, task);
    case "awaitApproval":
      return awaitApproval(deps, task);
    case "apply":
      return apply(deps, task);
    case "expire":
      return expire(deps, task);
    case "stopped":
      return stopped(deps, task);
    case "fail":
      return fail(deps, task);
  }
}
