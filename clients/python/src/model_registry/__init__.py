"""Python client for the serverless model registry.

>>> from model_registry import Registry
>>> registry = Registry("https://abc.execute-api.eu-west-1.amazonaws.com/v1")
>>> version = registry.register_version("fraud", "out/model", metrics={"auc": 0.91})
>>> registry.set_alias("fraud", "champion", version["version"])
>>> registry.download("fraud", "champion", "/tmp/fraud")
>>> registry.request_transition("fraud", version["version"], "staging", wait=True)["status"]
'APPLIED'
"""

from __future__ import annotations

from ._transfer import LocalArtifact, collect_files, hash_file, sha256_file, verify_file
from ._version import __version__
from .client import Registry, split_version_ref
from .lifecycle import (
    ENDED_TRANSITION_STATUSES,
    OPEN_TRANSITION_STATUSES,
    STAGES,
    TRANSITION_STATUSES,
    awaits_approvals,
    describe_transition,
)
from .errors import (
    AccessDenied,
    AliasNotFound,
    ArtifactNotFound,
    ArtifactsNotVerified,
    AuthenticationFailed,
    ChecksumMismatch,
    Conflict,
    IdempotencyKeyReused,
    ModelAlreadyExists,
    ModelNotFound,
    ModelRegistryError,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    RegistryError,
    ServerError,
    TooManyRequests,
    TransferError,
    TransitionAlreadyOpen,
    TransitionFailed,
    TransitionNotFound,
    Unprocessable,
    UploadIncomplete,
    UploadInterrupted,
    ValidationFailed,
    VerificationFailed,
    VersionNotFound,
    VersionNotReady,
    VersionAbandoned,
    VersionSealed,
    WaitTimeout,
)

__all__ = [
    "Registry",
    "split_version_ref",
    "LocalArtifact",
    "collect_files",
    "hash_file",
    "sha256_file",
    "verify_file",
    "__version__",
    "STAGES",
    "TRANSITION_STATUSES",
    "OPEN_TRANSITION_STATUSES",
    "ENDED_TRANSITION_STATUSES",
    "awaits_approvals",
    "describe_transition",
    "AccessDenied",
    "AliasNotFound",
    "ArtifactNotFound",
    "ArtifactsNotVerified",
    "AuthenticationFailed",
    "ChecksumMismatch",
    "Conflict",
    "IdempotencyKeyReused",
    "ModelAlreadyExists",
    "ModelNotFound",
    "ModelRegistryError",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "RegistryError",
    "ServerError",
    "TooManyRequests",
    "TransferError",
    "TransitionAlreadyOpen",
    "TransitionFailed",
    "TransitionNotFound",
    "Unprocessable",
    "UploadIncomplete",
    "UploadInterrupted",
    "ValidationFailed",
    "VerificationFailed",
    "VersionNotFound",
    "VersionNotReady",
    "VersionAbandoned",
    "VersionSealed",
    "WaitTimeout",
]
