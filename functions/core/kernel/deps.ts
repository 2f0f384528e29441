/**
 * What every use case is given: the ports it may use and the policies of the unit of work.
 * Built once per function instance by the composition root (`functions/composition/build-core.ts`);
 * tests build it with the in-memory store.
 */
import { defaultUploadPolicy, type UploadPolicy } from "../artifacts/upload-plan.ts";
import type { PersonBoundRole } from "../identity.ts";
import type { PolicyValue } from "../lifecycle/policy.ts";
import type {
  ArtifactStorage,
  ArtifactVerification,
  Clock,
  CustomValidator,
  Logger,
  RegistryStore,
  WorkflowControl,
} from "../ports.ts";

/** Settings of the stage lifecycle. */
export interface LifecyclePolicy {
  /** How long a transition waits for its approvals before it ends TIMED_OUT (default 7 days). */
  approvalTimeoutSeconds: number;
  /** Where an approver reviews a transition (the `link` of `Approval Requested`). */
  approvalLink(model: string, transitionId: string): string;
}

/** The organisation's rules of governance, from the deployment's configuration (docs/governance.md). */
export interface Governance {
  /** The minimum every model's policy is held to (`policyFloor`): checks use the stricter of the two. */
  policyFloor: PolicyValue;
  /** Roles whose session name AWS sets to a person's name (`personBoundRoles`). */
  personBoundRoles: readonly PersonBoundRole[];
}

export const noGovernance: Governance = { policyFloor: {}, personBoundRoles: [] };

export interface RetryPolicy {
  /** How many times a mutation is decided again after losing a race before giving up with a 409. */
  attempts: number;
  /** Upper bound of the random back-off before attempt `n` (1-based), in milliseconds. */
  backoffMs(attempt: number): number;
}

export interface CoreDeps {
  store: RegistryStore;
  artifacts: ArtifactStorage;
  /** Starts the verifier after a seal that S3's checksums cannot settle. */
  verification: ArtifactVerification;
  uploadPolicy: UploadPolicy;
  /**
   * A version VERIFYING for longer than this (the verifier's timeout plus a margin) is assumed
   * abandoned (a lost asynchronous invoke, a crashed verifier): sealing it again restarts it.
   */
  verificationStaleAfterMs: number;
  /** Resumes or stops a workflow execution waiting for approvals. */
  workflow: WorkflowControl;
  /** Runs a policy's custom validation function. */
  customValidator: CustomValidator;
  lifecycle: LifecyclePolicy;
  governance: Governance;
  clock: Clock;
  retry: RetryPolicy;
  logger: Logger;
}

export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 7 * 24 * 60 * 60;

/** The API path of a transition: the approval link when no public URL is configured. */
export const transitionPath = (model: string, transitionId: string) =>
  `/models/${encodeURIComponent(model)}/transitions/${transitionId}`;

export const defaultLifecycle: LifecyclePolicy = {
  approvalTimeoutSeconds: DEFAULT_APPROVAL_TIMEOUT_SECONDS,
  approvalLink: transitionPath,
};

/** A function that has no workflow to talk to (only transitions and the workflow tasks do). */
const noWorkflow: WorkflowControl = {
  resume: async () => {
    throw new Error("this function cannot resume workflows: approve through the transitions route group");
  },
  fail: async () => {
    throw new Error("this function cannot stop workflows: reject through the transitions route group");
  },
  restart: async () => {
    throw new Error("this function cannot start workflows: approve through the transitions route group");
  },
};

/** Without a configured invoker a custom validation cannot run: the check fails and says so. */
const noCustomValidator: CustomValidator = {
  validate: async () => {
    throw new Error("custom validation functions are not available here");
  },
};

export const defaultRetry: RetryPolicy = {
  attempts: 80,
  backoffMs: (attempt) => Math.min(100, 4 * 1.5 ** Math.min(attempt, 12)),
};

const systemClock: Clock = { now: () => new Date() };

const consoleLogger: Logger = {
  error: (message, ...extra) =>
    console.error(JSON.stringify(Object.assign({ level: "ERROR", message }, ...extra))),
};

/** A function that never seals (only the artifacts group does) gets this instead of a verifier. */
const noVerifier: ArtifactVerification = {
  start: async () => {
    throw new Error("this function has no artifact verifier: seal through the artifacts route group");
  },
};

export function createCoreDeps(
  deps: Pick<CoreDeps, "store" | "artifacts"> & Partial<Omit<CoreDeps, "store" | "artifacts">>,
): CoreDeps {
  return {
    verification: noVerifier,
    uploadPolicy: defaultUploadPolicy,
    verificationStaleAfterMs: 20 * 60 * 1000,
    workflow: noWorkflow,
    customValidator: noCustomValidator,
    lifecycle: defaultLifecycle,
    governance: noGovernance,
    clock: systemClock,
    retry: defaultRetry,
    logger: consoleLogger,
    ...deps,
  };
}
