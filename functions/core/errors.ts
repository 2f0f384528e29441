/**
 * Typed domain errors. Each names what went wrong in words a caller can act on; the HTTP
 * layer maps each code to a status in exactly one place (`functions/http/errors.ts`).
 *
 * To add an error: declare the class below with a literal `readonly code = "Name" as const`, and
 * add the class to `domainErrors` at the end of this file. `DomainError.code` only accepts the
 * codes of that list, and the HTTP status table must have an entry for every code, so the
 * type-check fails until the new error has a place in the list and a status.
 */
export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
  /** Extra machine-readable facts for the client (field issues, per-artifact report, ...). */
  readonly details?: unknown;

  constructor(message: string, details?: unknown) {
    super(message);
    this.name = new.target.name;
    if (details !== undefined) this.details = details;
  }
}

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `artifacts.0.sha256`, or `body`. */
  field: string;
  message: string;
}

/** The request is malformed: a field is missing, has the wrong type or breaks a format rule. */
export class ValidationError extends DomainError {
  readonly code = "ValidationError" as const;
  readonly issues: FieldIssue[];
  /**
   * `request`: the fields are named as the caller sent them (`body.tags`, `query.limit`), by
   * the layer that parsed the request. `input`: a use case found a field of its (already
   * parsed) input wrong and names it as the domain does (`lineage.parentVersion`); the layer
   * that built the input says where it came from (see `locatedIn`).
   */
  readonly scope: "request" | "input";

  constructor(issues: FieldIssue[], scope: "request" | "input" = "request") {
    const first = issues[0];
    const summary = first ? `${first.field}: ${first.message}` : "the request is invalid";
    const more =
      issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
    super(`${summary}${more}`, { issues });
    this.issues = issues;
    this.scope = scope;
  }

  static field(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }]);
  }

  /** A use case's verdict on a field of its input, named as the domain names it. */
  static inInput(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }], "input");
  }

  /** The same issues, named as the caller sent them: `locatedIn("body")` turns `lineage.x` into `body.lineage.x`. */
  locatedIn(where: string): ValidationError {
    return new ValidationError(this.issues.map((issue) => ({ ...issue, field: `${where}.${issue.field}` })));
  }
}

export class ModelNotFoundError extends DomainError {
  readonly code = "ModelNotFound" as const;
  constructor(readonly model: string) {
    super(`model '${model}' does not exist`);
  }
}

export class VersionNotFoundError extends DomainError {
  readonly code = "VersionNotFound" as const;
  constructor(
    readonly model: string,
    readonly version: number,
  ) {
    super(`model '${model}' has no version ${version}`);
  }
}

export class AliasNotFoundError extends DomainError {
  readonly code = "AliasNotFound" as const;
  constructor(
    readonly model: string,
    readonly alias: string,
  ) {
    super(`model '${model}' has no alias '${alias}'`);
  }
}

export class ModelAlreadyExistsError extends DomainError {
  readonly code = "ModelAlreadyExists" as const;
  constructor(readonly model: string) {
    super(`a model named '${model}' already exists: pick another name, or create a version of it`);
  }
}

/** Another writer changed the same thing between our read and our write. */
export class ConcurrentModificationError extends DomainError {
  readonly code = "ConcurrentModification" as const;
  constructor(what: string) {
    super(
      `${what} was changed by another request while this one was in flight: read it again and retry (send If-Match with its ETag to make this check explicit)`,
    );
  }
}

/** `If-Match` was given and no longer matches the current ETag. */
export class PreconditionFailedError extends DomainError {
  readonly code = "PreconditionFailed" as const;
  constructor(what: string, expected: string, current: string) {
    super(`${what} has ETag ${current}, not ${expected} as If-Match requires: read it again and retry`);
  }
}

/** The same Idempotency-Key was used earlier for a different request. */
export class IdempotencyKeyReusedError extends DomainError {
  readonly code = "IdempotencyKeyReused" as const;
  constructor(key: string) {
    super(
      `Idempotency-Key '${key}' was already used for a different request (other path or body): use a new key for a new request`,
    );
  }
}

/** A delete or change that would break something depending on the target. */
export class ModelProtectedError extends DomainError {
  readonly code = "ModelProtected" as const;
}

/**
 * A field of a version cannot change now: it is READY (sealed), or the field is evidence a
 * transition checks (an open request, a version holding production).
 */
export class VersionFrozenError extends DomainError {
  readonly code = "VersionFrozen" as const;
  constructor(model: string, version: number, fields: string[], why?: string) {
    super(
      why === undefined
        ? `version ${version} of '${model}' is READY, so ${fields.join(", ")} can no longer change: create a new version instead`
        : `${fields.join(", ")} of version ${version} of '${model}' cannot change now: ${why}`,
    );
  }
}

/** The item would exceed a hard storage limit (DynamoDB's 400 KB item size). */
export class PayloadTooLargeError extends DomainError {
  readonly code = "PayloadTooLarge" as const;
}

/** The version has no artifact declared at that path. */
export class ArtifactNotFoundError extends DomainError {
  readonly code = "ArtifactNotFound" as const;
  constructor(model: string, version: number, path: string) {
    super(`version ${version} of '${model}' declares no artifact '${path}'`);
  }
}

/** Upload URLs or a completion asked for a version that is sealed (VERIFYING or READY). */
export class VersionSealedError extends DomainError {
  readonly code = "VersionSealed" as const;
  constructor(model: string, version: number, status: string) {
    super(
      status === "READY"
        ? `version ${version} of '${model}' is READY: its artifacts can no longer change (create a new version)`
        : `version ${version} of '${model}' is ${status}: its artifacts are being verified, so uploads are closed (if it ends FAILED, upload again and seal again)`,
    );
  }
}

/** An upload, seal or edit asked of a version that was abandoned: it never changes again. */
export class VersionAbandonedError extends DomainError {
  readonly code = "VersionAbandoned" as const;
  constructor(model: string, version: number) {
    super(
      `version ${version} of '${model}' was abandoned: nothing can be uploaded to it, sealed or edited (its number is not reused; create a new version)`,
    );
  }
}

/** Something that needs sealed bytes (a download, an alias) met a version that is not READY. */
export class VersionNotReadyError extends DomainError {
  readonly code = "VersionNotReady" as const;
  constructor(model: string, version: number, status: string, what: string) {
    super(
      `version ${version} of '${model}' is ${status}, not READY: ${what} (upload its artifacts and seal it first)`,
    );
  }
}

/** A multipart upload cannot be completed as asked (unknown upload id, wrong or missing parts). */
export class UploadIncompleteError extends DomainError {
  readonly code = "UploadIncomplete" as const;
}

/**
 * The seal found artifacts missing or different from their declaration; `details.artifacts`
 * is the per-artifact report. The version does not change: upload what is wrong and seal again.
 */
export class ArtifactsNotVerifiedError extends DomainError {
  readonly code = "ArtifactsNotVerified" as const;
}

export class TransitionNotFoundError extends DomainError {
  readonly code = "TransitionNotFound" as const;
  constructor(model: string, id: string) {
    super(`model '${model}' has no transition '${id}'`);
  }
}

/** The allowed-transitions table has no move from the version's stage to the one asked for. */
export class TransitionNotAllowedError extends DomainError {
  readonly code = "TransitionNotAllowed" as const;
}

/** The same version already has an open request for the same target stage. */
export class TransitionAlreadyOpenError extends DomainError {
  readonly code = "TransitionAlreadyOpen" as const;
  constructor(
    model: string,
    version: number,
    to: string,
    readonly transitionId: string,
  ) {
    super(
      `version ${version} of '${model}' already has an open request to move to ${to} (transition ${transitionId}): follow that one, or cancel it first`,
      { transitionId },
    );
  }
}

/** The transition is not in a status that allows this action (approve an applied one, cancel an ended one...). */
export class TransitionStateError extends DomainError {
  readonly code = "TransitionState" as const;
}

/** Approval by the requester where the policy forbids it, or by a principal who already decided. */
export class ApprovalRefusedError extends DomainError {
  readonly code = "ApprovalRefused" as const;
}

/** Only the requester may cancel through this route (an admin cancels any with DELETE). */
export class NotTheRequesterError extends DomainError {
  readonly code = "NotTheRequester" as const;
}

/** A rollback found no earlier holder of the stage that can come back. */
export class NothingToRollBackError extends DomainError {
  readonly code = "NothingToRollBack" as const;
}

/** Every domain error class: the source of `DomainErrorCode` (see the comment at the top). */
export const domainErrors = [
  ValidationError,
  VersionAbandonedError,
  ModelNotFoundError,
  VersionNotFoundError,
  AliasNotFoundError,
  ModelAlreadyExistsError,
  ConcurrentModificationError,
  PreconditionFailedError,
  IdempotencyKeyReusedError,
  ModelProtectedError,
  VersionFrozenError,
  PayloadTooLargeError,
  ArtifactNotFoundError,
  VersionSealedError,
  VersionNotReadyError,
  UploadIncompleteError,
  ArtifactsNotVerifiedError,
  TransitionNotFoundError,
  TransitionNotAllowedError,
  TransitionAlreadyOpenError,
  TransitionStateError,
  ApprovalRefusedError,
  NotTheRequesterError,
  NothingToRollBackError,
] as const;

export type DomainErrorCode = InstanceType<(typeof domainErrors)[number]>["code"];
