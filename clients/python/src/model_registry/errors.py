"""Typed exceptions.

Every error the registry API answers becomes a :class:`RegistryError` (or a subclass chosen by
the error code, else by the HTTP status) carrying the API's ``code``, ``message``, ``requestId``
(quote it when reporting a problem), the HTTP ``status`` and any extra ``details`` (``issues`` of
a validation error, the per-artifact report of a seal, ...).

Failures on the client side (a download whose bytes differ, an S3 transfer that keeps failing, a
version whose verification failed, a wait that timed out) have their own classes; all share the
base :class:`ModelRegistryError`.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Type

from .lifecycle import describe_transition


class ModelRegistryError(Exception):
    """Base class of every exception this package raises."""


class RegistryError(ModelRegistryError):
    """An error answered by the registry API.

    Attributes:
        code: the API's error code, e.g. ``ModelNotFound``.
        message: the API's message (it names the field or the rule).
        request_id: the request id (``error.requestId`` or the ``x-amzn-requestid`` header).
        status: the HTTP status.
        details: everything else the error body carried (``issues``, ``details``), possibly empty.
    """

    def __init__(
        self,
        code: str,
        message: str,
        request_id: Optional[str] = None,
        status: Optional[int] = None,
        details: Optional[Mapping[str, Any]] = None,
    ) -> None:
        self.code = code
        self.message = message
        self.request_id = request_id
        self.status = status
        self.details: Dict[str, Any] = dict(details or {})
        super().__init__(code, message, request_id, status, self.details)

    def __str__(self) -> str:
        facts = []
        if self.status is not None:
            facts.append(f"HTTP {self.status}")
        if self.request_id:
            facts.append(f"requestId {self.request_id}")
        suffix = f" ({', '.join(facts)})" if facts else ""
        return f"{self.code}: {self.message}{suffix}"

    @property
    def issues(self) -> List[Dict[str, Any]]:
        """The ``issues`` of a validation error (``[{field, message}]``), else ``[]``."""
        issues = self.details.get("issues")
        return list(issues) if isinstance(issues, list) else []

    @property
    def artifacts_report(self) -> List[Dict[str, Any]]:
        """The per-artifact report (``details.artifacts``) of a refused seal, else ``[]``."""
        inner = self.details.get("details")
        if isinstance(inner, Mapping) and isinstance(inner.get("artifacts"), list):
            return list(inner["artifacts"])
        return []


class ValidationFailed(RegistryError):
    """400: the body or a parameter is invalid (``ValidationError``, ``InvalidJson``)."""


class AccessDenied(RegistryError):
    """403: the caller's role may not call this route, or the request is not signed right."""


class AuthenticationFailed(AccessDenied):
    """403 with a signature code (``SignatureDoesNotMatch``, ``RequestExpired``, ``UnknownAccessKey``...)."""


class NotFound(RegistryError):
    """404: the model, version, alias, artifact or route does not exist."""


class ModelNotFound(NotFound):
    """404 ``ModelNotFound``."""


class VersionNotFound(NotFound):
    """404 ``VersionNotFound``."""


class AliasNotFound(NotFound):
    """404 ``AliasNotFound``."""


class ArtifactNotFound(NotFound):
    """404 ``ArtifactNotFound``: the version declares no such path."""


class TransitionNotFound(NotFound):
    """404 ``TransitionNotFound``: the model has no transition of that id."""


class Conflict(RegistryError):
    """409: name taken, lost race, protected, frozen, sealed, not READY."""


class ModelAlreadyExists(Conflict):
    """409 ``ModelAlreadyExists``."""


class VersionSealed(Conflict):
    """409 ``VersionSealed``: the version is VERIFYING or READY, so uploads are closed."""


class VersionAbandoned(Conflict):
    """409 ``VersionAbandoned``: the version was abandoned; nothing is uploaded to it again."""


class VersionNotReady(Conflict):
    """409 ``VersionNotReady``: downloads and aliases need a READY version."""


class TransitionAlreadyOpen(Conflict):
    """409 ``TransitionAlreadyOpen``: the version already has an open request to the same stage.

    :attr:`transition_id` names it: follow it (``wait_for_transition``) or cancel it first.
    """

    @property
    def transition_id(self) -> Optional[str]:
        inner = self.details.get("details")
        found = inner.get("transitionId") if isinstance(inner, Mapping) else self.details.get("transitionId")
        return str(found) if found else None


class PreconditionFailed(RegistryError):
    """412: the ``If-Match`` ETag is stale."""


class PayloadTooLarge(RegistryError):
    """413: an item would exceed DynamoDB's 400 KB."""


class Unprocessable(RegistryError):
    """422: well-formed but refused by a rule."""


class ArtifactsNotVerified(Unprocessable):
    """422 ``ArtifactsNotVerified``: the seal found artifacts missing or of the wrong size.

    :attr:`artifacts_report` lists ``{path, status, expected, actual}`` for every artifact.
    """


class UploadIncomplete(Unprocessable):
    """422 ``UploadIncomplete``: a multipart upload cannot be completed (missing parts, closed)."""


class IdempotencyKeyReused(Unprocessable):
    """422 ``IdempotencyKeyReused``: the same key was sent with another body."""


class TooManyRequests(RegistryError):
    """429: throttled."""


class ServerError(RegistryError):
    """5xx: the registry failed; quote the request id."""


class ChecksumMismatch(ModelRegistryError):
    """A file's bytes differ from the SHA-256 (or size) the registry recorded."""

    def __init__(
        self,
        path: str,
        expected_sha256: str,
        actual_sha256: Optional[str],
        expected_size: Optional[int] = None,
        actual_size: Optional[int] = None,
    ) -> None:
        self.path = path
        self.expected_sha256 = expected_sha256
        self.actual_sha256 = actual_sha256
        self.expected_size = expected_size
        self.actual_size = actual_size
        if expected_size is not None and actual_size is not None and expected_size != actual_size:
            what = f"{actual_size} bytes, expected {expected_size}"
        else:
            what = f"SHA-256 {actual_sha256}, expected {expected_sha256}"
        super().__init__(f"{path}: {what}")


class TransferError(ModelRegistryError):
    """An S3 transfer (presigned PUT or GET) failed after its retries."""

    def __init__(self, message: str, status: Optional[int] = None, body: str = "") -> None:
        self.status = status
        self.body = body
        super().__init__(message)


class VerificationFailed(ModelRegistryError):
    """The version ended ``FAILED``: :attr:`report` says which artifact and why."""

    def __init__(self, model: str, version: int, report: List[Dict[str, Any]], record: Dict[str, Any]) -> None:
        self.model = model
        self.version = version
        self.report = report
        self.record = record
        wrong = [a for a in report if a.get("status") not in ("verified", "needsHashing")]
        listed = "; ".join(f"{a.get('path')}: {a.get('status')}" for a in wrong[:5]) or "no report"
        super().__init__(
            f"version {version} of '{model}' FAILED verification ({listed}); "
            f"upload the right bytes with resume_upload('{model}', {version}, ...)"
        )


class WaitTimeout(ModelRegistryError, TimeoutError):
    """The version did not reach READY (or FAILED) in time; it may still get there."""


class TransitionFailed(ModelRegistryError):
    """A transition ended without applying: ``REJECTED``, ``FAILED``, ``CANCELLED`` or ``TIMED_OUT``.

    :attr:`transition` is the transition as the registry answered it (``validation`` holds the
    report of a failed check, ``approvals`` the rejection and its comment); :attr:`status` and
    :attr:`reason` are copied from it.
    """

    def __init__(self, transition: Mapping[str, Any]) -> None:
        self.transition: Dict[str, Any] = dict(transition)
        self.status: str = str(transition.get("status"))
        self.reason: Optional[str] = transition.get("reason")
        self.model: Optional[str] = transition.get("model")
        self.transition_id: Optional[str] = transition.get("id")
        super().__init__(describe_transition(transition))


class UploadInterrupted(ModelRegistryError):
    """An upload of a created version failed; :attr:`model` and :attr:`version` say what to resume.

    The cause is chained (``__cause__``). Resume with
    ``registry.resume_upload(err.model, err.version, files_or_folder)``.
    """

    def __init__(self, model: str, version: int, cause: BaseException) -> None:
        self.model = model
        self.version = version
        super().__init__(
            f"uploading version {version} of '{model}' failed: {cause}. "
            f"Resume with registry.resume_upload({model!r}, {version}, <same files>)"
        )


_BY_CODE: Dict[str, Type[RegistryError]] = {
    "ValidationError": ValidationFailed,
    "InvalidJson": ValidationFailed,
    "AccessDenied": AccessDenied,
    "MissingIdentity": AccessDenied,
    "MissingAuthenticationToken": AuthenticationFailed,
    "InvalidSignature": AuthenticationFailed,
    "SignatureDoesNotMatch": AuthenticationFailed,
    "IncompleteSignature": AuthenticationFailed,
    "UnknownAccessKey": AuthenticationFailed,
    "ExpiredToken": AuthenticationFailed,
    "RequestExpired": AuthenticationFailed,
    "ModelNotFound": ModelNotFound,
    "VersionNotFound": VersionNotFound,
    "AliasNotFound": AliasNotFound,
    "ArtifactNotFound": ArtifactNotFound,
    "TransitionNotFound": TransitionNotFound,
    "TransitionAlreadyOpen": TransitionAlreadyOpen,
    "RouteNotFound": NotFound,
    "ModelAlreadyExists": ModelAlreadyExists,
    "VersionSealed": VersionSealed,
    "VersionAbandoned": VersionAbandoned,
    "VersionNotReady": VersionNotReady,
    "PreconditionFailed": PreconditionFailed,
    "PayloadTooLarge": PayloadTooLarge,
    "RequestTooLarge": PayloadTooLarge,
    "ArtifactsNotVerified": ArtifactsNotVerified,
    "UploadIncomplete": UploadIncomplete,
    "IdempotencyKeyReused": IdempotencyKeyReused,
    "TooManyRequests": TooManyRequests,
}

_BY_STATUS: Dict[int, Type[RegistryError]] = {
    400: ValidationFailed,
    403: AccessDenied,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    422: Unprocessable,
    429: TooManyRequests,
}


def error_class(code: str, status: Optional[int]) -> Type[RegistryError]:
    """The exception class for an error code and HTTP status (code first, then status)."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    if status is not None and status in _BY_STATUS:
        return _BY_STATUS[status]
    if status is not None and status >= 500:
        return ServerError
    return RegistryError


def from_response(status: int, body: Any, request_id: Optional[str]) -> RegistryError:
    """Builds the typed exception for an error response (``{"error": {code, message, requestId}}``)."""
    error = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        code = "InternalError" if status >= 500 else f"Http{status}"
        text = body if isinstance(body, str) else ""
        return error_class(code, status)(code, text[:500] or f"HTTP {status}", request_id, status, {})
    code = str(error.get("code") or f"Http{status}")
    message = str(error.get("message") or "")
    rid = error.get("requestId") or request_id
    details = {k: v for k, v in error.items() if k not in ("code", "message", "requestId")}
    return error_class(code, status)(code, message, rid, status, details)
