/**
 * The transition workflow's task function: every Task state of the state machine
 * (`lib/transition-workflow.ts`) invokes it with `{step, …}` (the contract in
 * `functions/core/lifecycle/workflow-contract.ts`) and gets the step's result back. Local mode's
 * workflow runner invokes this same handler (`local/workflow-runner.ts`).
 *
 * A thrown error fails the Task state; the state machine catches it and runs the `fail` step.
 *
 * It is also the target of the rule for executions that ended without a decision (stopped, timed
 * out, failed): the status change event becomes the `stopped` step of the request the execution
 * owned (`functions/core/lifecycle/execution-ended.ts`).
 */
import type { Context } from "aws-lambda";
import { traceHandler } from "#adapters/tracing.ts";
import { buildCore } from "#composition/build-core.ts";
import { readConfig } from "#composition/config.ts";
import { createLogger } from "#composition/logger.ts";
import { isExecutionStatusChange, stoppedTaskOf } from "#core/lifecycle/execution-ended.ts";
import type {
  StepResult,
  ValidateResult,
  WorkflowStep,
  WorkflowTask,
} from "#core/lifecycle/workflow-contract.ts";
import { runWorkflowStep } from "#core/lifecycle/workflow-steps.ts";

// The steps never list, so the function needs no page-token key (like the verifier).
const logger = createLogger();
const core = await buildCore(readConfig(process.env, { pageTokens: false }), { logger });

/** Every step the contract names: a step missing here fails the type-check. */
const STEPS = {
  validate: true,
  awaitApproval: true,
  apply: true,
  expire: true,
  stopped: true,
  fail: true,
} as const satisfies Record<WorkflowStep, true>;

export const handler = traceHandler(runStep);

async function runStep(input: unknown, context: Context): Promise<ValidateResult | StepResult | undefined> {
  if (isExecutionStatusChange(input)) {
    const stopped = stoppedTaskOf(input);
    if ("ignored" in stopped) {
      logger.addContext(context);
      logger.warn("execution status change ignored", {
        reason: stopped.ignored,
        execution: input.detail.executionArn,
      });
      return undefined;
    }
    return runTask(stopped, context);
  }
  return runTask(input as WorkflowTask, context);
}

async function runTask(task: WorkflowTask, context: Context): Promise<ValidateResult | StepResult> {
  if (typeof task !== "object" || task === null || !Object.hasOwn(STEPS, task.step)) {
    throw new Error(`not a workflow task: ${JSON.stringify(task)?.slice(0, 200)}`);
  }
  logger.addContext(context);
  const transition =
    task.step === "validate"
      ? { model: task.event.detail?.model, transitionId: task.event.detail?.transitionId }
      : { model: task.model, transitionId: task.transitionId };
  // Never the task token: whoever reads the logs could resume the execution with it.
  const where = { step: task.step, ...transition, execution: task.execution };
  const result = await runWorkflowStep(core, task);
  logger.info("workflow step finished", { ...where, next: result.next, status: result.status ?? null });
  return result;
}
