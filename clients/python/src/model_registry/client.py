"""The registry client: thin methods per API route, plus register / resume / download in one call."""

from __future__ import annotations

import re
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import botocore.session
from botocore.credentials import Credentials

from ._http import ApiResponse, Pools, QueryValue, SignedApi, artifact_path_of, path_of
from ._progress import Progress
from ._transfer import (
    FilesOrFolder,
    LocalArtifact,
    MultipartJob,
    SingleJob,
    Uploader,
    collect_files,
    download_to,
    hash_file,
    md5_etag,
    safe_destination,
)
from .errors import (
    ArtifactsNotVerified,
    ChecksumMismatch,
    ModelRegistryError,
    TransitionFailed,
    UploadIncomplete,
    UploadInterrupted,
    VerificationFailed,
    VersionAbandoned,
    VersionSealed,
    WaitTimeout,
)
from .lifecycle import ENDED_TRANSITION_STATUSES, awaits_approvals, describe_transition

VersionRef = Union[int, str]
JsonDict = Dict[str, Any]

_REGION_IN_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com", re.IGNORECASE)
_DIGITS = re.compile(r"^[0-9]+$")
#: Seal-report statuses that mean "upload this artifact (again)".
_NEEDS_UPLOAD = ("missing", "sizeMismatch", "checksumMismatch")
#: What ``wait=True`` of a transition request or rollback waits for: applied, or waiting for approvers.
_SETTLED = ("APPLIED", "AWAITING_APPROVAL")


def split_version_ref(ref: VersionRef) -> Tuple[Optional[int], Optional[str]]:
    """``(version, None)`` for an int or an all-digit string, else ``(None, alias)``."""
    if isinstance(ref, bool):
        raise TypeError("a version is an int or an alias name, not a bool")
    if isinstance(ref, int):
        return ref, None
    text = str(ref)
    if _DIGITS.match(text):
        return int(text), None
    return None, text


def _drop_none(**fields: Any) -> JsonDict:
    return {k: v for k, v in fields.items() if v is not None}


class Registry:
    """A client of one model registry endpoint.

    Args:
        endpoint: the API's base URL, e.g. ``https://abc.execute-api.eu-west-1.amazonaws.com/v1``
            or ``http://127.0.0.1:8787`` in local mode.
        region: the region requests are signed for; default the session's region, else the one in
            an ``execute-api`` host name.
        session: a ``botocore.session.Session`` (or a ``boto3.Session``) whose credential chain
            signs the requests: environment, profile, SSO, container or instance role (SageMaker).
        max_attempts: attempts per API call where a retry is safe (GET/PUT/DELETE, and POSTs,
            which always carry an ``Idempotency-Key``).

    Every method raises a :class:`~model_registry.errors.RegistryError` subclass for an error
    answer (``NotFound``, ``Conflict``, ``ValidationFailed``, ``AccessDenied`` ...).
    """

    def __init__(
        self,
        endpoint: str,
        region: Optional[str] = None,
        session: Optional[Any] = None,
        *,
        max_attempts: int = 5,
        max_connections: int = 16,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self._session = session if session is not None else botocore.session.Session()
        self.region = region or self._session_region() or self._endpoint_region()
        if not self.region:
            raise ValueError(
                "no region: pass region=..., set AWS_REGION, or configure the profile's region"
            )
        self._credentials: Optional[Credentials] = None
        self._credentials_lock = threading.Lock()
        self._pools = Pools(maxsize=max_connections)
        self._api = SignedApi(self.endpoint, self.region, self._get_credentials, self._pools, max_attempts)

    def __repr__(self) -> str:
        return f"Registry({self.endpoint!r}, region={self.region!r})"

    def _session_region(self) -> Optional[str]:
        region = getattr(self._session, "region_name", None)
        if region:
            return str(region)
        getter = getattr(self._session, "get_config_variable", None)
        return getter("region") if getter else None

    def _endpoint_region(self) -> Optional[str]:
        match = _REGION_IN_HOST.search(self.endpoint)
        return match.group(1) if match else None

    def _get_credentials(self) -> Optional[Credentials]:
        with self._credentials_lock:
            if self._credentials is None:
                self._credentials = self._session.get_credentials()
            return self._credentials

    def close(self) -> None:
        """Closes pooled connections."""
        self._pools.clear()

    def __enter__(self) -> "Registry":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------
    # Raw access
    # ------------------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Optional[Mapping[str, QueryValue]] = None,
        headers: Optional[Mapping[str, str]] = None,
        idempotency_key: Optional[str] = None,
    ) -> ApiResponse:
        """A signed call to any route (``path`` already encoded, e.g. from :func:`path_of`)."""
        return self._api.request(
            method, path, body=body, query=query, headers=headers, idempotency_key=idempotency_key
        )

    def _paginate(self, path: str, query: Mapping[str, QueryValue]) -> Iterator[JsonDict]:
        token: Optional[str] = None
        while True:
            page = self._api.request("GET", path, query={**query, "nextToken": token}).body
            yield from page.get("items", [])
            token = page.get("nextToken")
            if not token:
                return

    def health(self) -> JsonDict:
        """``GET /health``."""
        return self._api.request("GET", "/health").body

    def whoami(self) -> JsonDict:
        """``GET /whoami``: ``{arn, account, roles}``, the principal the registry records on your
        writes; ``roles`` is ``None`` where IAM alone decides (in AWS)."""
        return self._api.request("GET", "/whoami").body

    def openapi(self) -> JsonDict:
        """The served OpenAPI document."""
        return self._api.request("GET", "/openapi.json").body

    # ------------------------------------------------------------------------------------------
    # Models
    # ------------------------------------------------------------------------------------------

    def create_model(
        self,
        name: str,
        *,
        description: Optional[str] = None,
        owner: Optional[str] = None,
        tags: Optional[Mapping[str, str]] = None,
        policy: Optional[Mapping[str, Any]] = None,
        idempotency_key: Optional[str] = None,
    ) -> JsonDict:
        """``POST /models``: registers a model (``ModelAlreadyExists`` when the name is taken)."""
        body = _drop_none(name=name, description=description, owner=owner, tags=tags, policy=policy)
        return self._api.request("POST", "/models", body=body, idempotency_key=idempotency_key).body

    def get_model(self, name: str) -> JsonDict:
        """``GET /models/{model}``: with ``latestVersion``, ``stages``, ``aliases``, ``etag``."""
        return self._api.request("GET", path_of("models", name)).body

    def list_models(
        self,
        *,
        prefix: Optional[str] = None,
        tag: Optional[str] = None,
        owner: Optional[str] = None,
        page_size: int = 100,
    ) -> Iterator[JsonDict]:
        """Every model (following ``nextToken``); ``tag`` is ``key=value``."""
        return self._paginate("/models", {"prefix": prefix, "tag": tag, "owner": owner, "limit": page_size})

    def update_model(
        self,
        name: str,
        *,
        description: Optional[str] = None,
        owner: Optional[str] = None,
        tags: Optional[Mapping[str, str]] = None,
        if_match: Optional[str] = None,
    ) -> JsonDict:
        """``PATCH /models/{model}``; ``if_match`` guards against concurrent edits (412 when stale).

        The promotion policy is not edited here: see ``set_model_policy``."""
        body = _drop_none(description=description, owner=owner, tags=tags)
        headers = {"if-match": if_match} if if_match else None
        return self._api.request("PATCH", path_of("models", name), body=body, headers=headers).body

    def get_model_policy(self, name: str) -> JsonDict:
        """``GET /models/{model}/policy``: the model's policy, the floor, the effective policy and its digest."""
        return self._api.request("GET", path_of("models", name, "policy")).body

    def set_model_policy(
        self, name: str, policy: Mapping[str, Any], *, if_match: Optional[str] = None
    ) -> JsonDict:
        """``PUT /models/{model}/policy`` (governor or admin): replaces the model's promotion policy."""
        headers = {"if-match": if_match} if if_match else None
        return self._api.request("PUT", path_of("models", name, "policy"), body=dict(policy), headers=headers).body

    def delete_model(self, name: str, *, if_match: Optional[str] = None) -> None:
        """``DELETE /models/{model}`` (admin only)."""
        headers = {"if-match": if_match} if if_match else None
        self._api.request("DELETE", path_of("models", name), headers=headers)

    def history(self, name: str, page_size: int = 100) -> Iterator[JsonDict]:
        """The model's history, newest first."""
        return self._paginate(path_of("models", name, "history"), {"limit": page_size})

    # ------------------------------------------------------------------------------------------
    # Versions
    # ------------------------------------------------------------------------------------------

    def create_version(
        self,
        model: str,
        artifacts: Sequence[Mapping[str, Any]],
        *,
        description: Optional[str] = None,
        metrics: Optional[Mapping[str, float]] = None,
        params: Optional[Mapping[str, str]] = None,
        tags: Optional[Mapping[str, str]] = None,
        lineage: Optional[Mapping[str, Any]] = None,
        signature: Optional[Mapping[str, Any]] = None,
        framework: Optional[str] = None,
        format: Optional[str] = None,
        semver: Optional[str] = None,
        idempotency_key: Optional[str] = None,
    ) -> JsonDict:
        """``POST /models/{model}/versions``: declares ``artifacts`` (``[{path, size, sha256}]``).

        Answers the version (``PENDING_UPLOAD``) with ``uploads[]``, one instruction per artifact.
        A retry with the same ``idempotency_key`` answers the first response, not a new version.
        """
        body = _drop_none(
            description=description,
            metrics=metrics,
            params=params,
            tags=tags,
            lineage=lineage,
            signature=signature,
            framework=framework,
            format=format,
            semver=semver,
            artifacts=[dict(a) for a in artifacts],
        )
        path = path_of("models", model, "versions")
        return self._api.request("POST", path, body=body, idempotency_key=idempotency_key).body

    def get_version(self, model: str, version: VersionRef) -> JsonDict:
        """A version by number, or the version an alias points at."""
        number, alias = split_version_ref(version)
        if alias is not None:
            return self.get_alias(model, alias)["modelVersion"]
        return self._api.request("GET", path_of("models", model, "versions", number)).body

    def list_versions(
        self,
        model: str,
        *,
        stage: Optional[str] = None,
        status: Optional[str] = None,
        page_size: int = 100,
    ) -> Iterator[JsonDict]:
        """Every version of the model, newest first (following ``nextToken``)."""
        return self._paginate(
            path_of("models", model, "versions"), {"stage": stage, "status": status, "limit": page_size}
        )

    def update_version(
        self,
        model: str,
        version: int,
        *,
        if_match: Optional[str] = None,
        **fields: Any,
    ) -> JsonDict:
        """``PATCH …/versions/{version}``: ``description``, ``tags``, ``modelCard`` (others until READY)."""
        headers = {"if-match": if_match} if if_match else None
        body = _drop_none(**fields)
        path = path_of("models", model, "versions", version)
        return self._api.request("PATCH", path, body=body, headers=headers).body

    def compare_versions(self, model: str, base: int, other: int) -> JsonDict:
        """Metric deltas, parameter and signature differences between two versions."""
        return self._api.request("GET", path_of("models", model, "versions", base, "compare", other)).body

    # ------------------------------------------------------------------------------------------
    # Aliases
    # ------------------------------------------------------------------------------------------

    def set_alias(self, model: str, alias: str, version: int) -> JsonDict:
        """Points (or moves) ``alias`` at a READY version."""
        return self._api.request("PUT", path_of("models", model, "aliases", alias), body={"version": version}).body

    def get_alias(self, model: str, alias: str) -> JsonDict:
        """``{alias, version, modelVersion}``."""
        return self._api.request("GET", path_of("models", model, "aliases", alias)).body

    def delete_alias(self, model: str, alias: str) -> None:
        """Deletes an alias (admin only)."""
        self._api.request("DELETE", path_of("models", model, "aliases", alias))

    # ------------------------------------------------------------------------------------------
    # Artifacts
    # ------------------------------------------------------------------------------------------

    def request_uploads(
        self,
        model: str,
        version: int,
        path: str,
        parts: Optional[Union[Sequence[int], Mapping[str, int]]] = None,
    ) -> JsonDict:
        """``POST …/uploads``: a fresh PUT URL, or part URLs (``parts`` as a list or ``{from, count}``;
        default the parts S3 does not have yet, at most 100, with ``missingParts``)."""
        body: JsonDict = {"path": path}
        if parts is not None:
            body["parts"] = dict(parts) if isinstance(parts, Mapping) else list(parts)
        return self._api.request("POST", path_of("models", model, "versions", version, "uploads"), body=body).body

    def complete_upload(
        self, model: str, version: int, path: str, upload_id: str, parts: Sequence[Mapping[str, Any]]
    ) -> JsonDict:
        """``POST …/uploads/complete`` with every part's ETag (``[{partNumber, etag}]``)."""
        body = {"path": path, "uploadId": upload_id, "parts": [dict(p) for p in parts]}
        route = path_of("models", model, "versions", version, "uploads", "complete")
        return self._api.request("POST", route, body=body).body

    def seal(self, model: str, version: int) -> JsonDict:
        """``POST …/seal``: the version, ``READY`` or ``VERIFYING``.

        Raises :class:`ArtifactsNotVerified` (its ``artifacts_report``) when files are missing
        or of the wrong size.
        """
        return self._api.request("POST", path_of("models", model, "versions", version, "seal")).body

    def abandon_version(self, model: str, version: int, *, idempotency_key: Optional[str] = None) -> JsonDict:
        """``POST …/abandon``: gives up an unsealed version (``PENDING_UPLOAD`` or ``FAILED``).

        It ends ``ABANDONED`` for good (history and an event say so), its multipart uploads are
        aborted and its number is never reused. Abandoning an ``ABANDONED`` version answers it as
        it is; a sealed one raises :class:`VersionSealed`.
        """
        route = path_of("models", model, "versions", version, "abandon")
        return self._api.request("POST", route, idempotency_key=idempotency_key).body

    def get_download(self, model: str, version: VersionRef, path: str) -> JsonDict:
        """``{url, expiresAt, size, sha256}``: a presigned GET of one artifact of a READY version,
        by number (``…/versions/{v}/artifacts/{path}``) or alias (``…/aliases/{a}/artifacts/{path}``)."""
        number, alias = split_version_ref(version)
        route = (
            path_of("models", model, "versions", number, "artifacts")
            if alias is None
            else path_of("models", model, "aliases", alias, "artifacts")
        )
        return self._api.request("GET", f"{route}/{artifact_path_of(path)}").body

    def wait_until_ready(
        self,
        model: str,
        version: int,
        *,
        timeout: float = 3600.0,
        poll_interval: float = 0.25,
        max_poll_interval: float = 5.0,
    ) -> JsonDict:
        """Polls the version (with back-off) until ``READY``; raises :class:`VerificationFailed` on
        ``FAILED`` (with the per-artifact report) and :class:`WaitTimeout` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        delay = poll_interval
        while True:
            record = self.get_version(model, version)
            status = record.get("status")
            if status == "READY":
                return record
            if status == "FAILED":
                report = (record.get("verification") or {}).get("artifacts") or []
                raise VerificationFailed(model, version, report, record)
            if status == "PENDING_UPLOAD":
                raise ModelRegistryError(f"version {version} of '{model}' is PENDING_UPLOAD: seal it first")
            if time.monotonic() + delay > deadline:
                raise WaitTimeout(f"version {version} of '{model}' is still {status} after {timeout:.0f} s")
            time.sleep(delay)
            delay = min(max_poll_interval, delay * 1.5)

    # ------------------------------------------------------------------------------------------
    # Stage lifecycle
    # ------------------------------------------------------------------------------------------

    def request_transition(
        self,
        model: str,
        version: int,
        to: str,
        comment: Optional[str] = None,
        *,
        wait: bool = False,
        timeout: float = 600.0,
        idempotency_key: Optional[str] = None,
    ) -> JsonDict:
        """``POST …/versions/{version}/transitions``: asks to move the version to stage ``to``.

        The registry answers at once with the request, ``REQUESTED``; its workflow validates it,
        waits for approvals where the model's policy asks, then applies it. With ``wait`` this
        polls (:meth:`wait_for_transition`) until the transition is ``APPLIED`` or waits for
        approvers (``AWAITING_APPROVAL`` with approvals missing), and answers it then; it raises
        :class:`TransitionFailed` if the request ends otherwise, :class:`WaitTimeout` after
        ``timeout`` seconds. :class:`TransitionAlreadyOpen` names the open request
        (``.transition_id``) when the version already has one to the same stage.
        """
        route = path_of("models", model, "versions", version, "transitions")
        body = _drop_none(to=to, comment=comment)
        transition = self._api.request("POST", route, body=body, idempotency_key=idempotency_key).body
        if not wait:
            return transition
        return self.wait_for_transition(model, transition["id"], timeout=timeout, until=_SETTLED)

    def get_transition(self, model: str, transition_id: str) -> JsonDict:
        """A transition request, with its ``validation`` report, ``approvals`` and ``reason``."""
        return self._api.request("GET", path_of("models", model, "transitions", transition_id)).body

    def list_transitions(
        self,
        model: str,
        version: Optional[int] = None,
        status: Optional[str] = None,
        *,
        page_size: int = 100,
    ) -> Iterator[JsonDict]:
        """Every transition of the model (or of one ``version``), newest first (following ``nextToken``).

        ``status`` filters the model's transitions (the API does not filter a version's: pass one
        or the other, else ``ValueError``).
        """
        if version is None:
            route = path_of("models", model, "transitions")
            return self._paginate(route, {"status": status, "limit": page_size})
        if status is not None:
            raise ValueError("status filters a model's transitions; a version's are not filtered (pass one)")
        return self._paginate(path_of("models", model, "versions", version, "transitions"), {"limit": page_size})

    def approve(
        self,
        model: str,
        transition_id: str,
        comment: Optional[str] = None,
        *,
        idempotency_key: Optional[str] = None,
    ) -> JsonDict:
        """Approves a transition ``AWAITING_APPROVAL`` (approver or admin; not your own request
        unless the policy allows it). The approval that completes the count resumes the workflow:
        follow it with :meth:`wait_for_transition`."""
        route = path_of("models", model, "transitions", transition_id, "approve")
        return self._api.request("POST", route, body=_drop_none(comment=comment), idempotency_key=idempotency_key).body

    def reject(
        self,
        model: str,
        transition_id: str,
        comment: str,
        *,
        idempotency_key: Optional[str] = None,
    ) -> JsonDict:
        """Rejects a transition ``AWAITING_APPROVAL``; ``comment`` (required) tells the requester why."""
        if not comment:
            raise ValueError("reject needs a comment: the requester reads why")
        route = path_of("models", model, "transitions", transition_id, "reject")
        return self._api.request("POST", route, body={"comment": comment}, idempotency_key=idempotency_key).body

    def cancel(
        self,
        model: str,
        transition_id: str,
        comment: Optional[str] = None,
        *,
        force: bool = False,
        idempotency_key: Optional[str] = None,
    ) -> JsonDict:
        """Cancels an open transition request: your own (``POST …/cancel``), or with ``force`` anyone's
        (``DELETE``, admins only, which takes no comment)."""
        if force:
            if comment is not None or idempotency_key is not None:
                raise ValueError("cancel(force=True) is a DELETE: it takes no comment and no idempotency key")
            return self._api.request("DELETE", path_of("models", model, "transitions", transition_id)).body
        route = path_of("models", model, "transitions", transition_id, "cancel")
        return self._api.request("POST", route, body=_drop_none(comment=comment), idempotency_key=idempotency_key).body

    def list_approvals(self, *, page_size: int = 100) -> Iterator[JsonDict]:
        """Every transition awaiting approval, across all models, oldest first: an approver's queue."""
        return self._paginate("/approvals", {"limit": page_size})

    def rollback(
        self,
        model: str,
        stage: str = "production",
        comment: Optional[str] = None,
        *,
        wait: bool = False,
        timeout: float = 600.0,
        idempotency_key: Optional[str] = None,
    ) -> JsonDict:
        """``POST /models/{model}/rollback``: requests the stage's previous holder back into it.

        A transition of kind ``rollback`` through the same workflow (requirements skipped,
        approvals kept). ``wait`` as in :meth:`request_transition`. ``NothingToRollBack`` (a
        :class:`Conflict`) when no other version ever held the stage.
        """
        route = path_of("models", model, "rollback")
        body = _drop_none(stage=stage, comment=comment)
        transition = self._api.request("POST", route, body=body, idempotency_key=idempotency_key).body
        if not wait:
            return transition
        return self.wait_for_transition(model, transition["id"], timeout=timeout, until=_SETTLED)

    def stage_history(self, model: str, stage: str, *, page_size: int = 100) -> Iterator[JsonDict]:
        """The stage's tenures, newest first: ``{version, from, until?, enteredBy, approvedBy, …}``;
        the one without ``until`` is the current holder."""
        return self._paginate(path_of("models", model, "stages", stage, "history"), {"limit": page_size})

    def wait_for_transition(
        self,
        model: str,
        transition_id: str,
        *,
        timeout: float = 600.0,
        until: Sequence[str] = ("APPLIED",),
        poll_interval: float = 0.25,
        max_poll_interval: float = 2.0,
    ) -> JsonDict:
        """Polls the transition (0.25 s, doubling up to 2 s) until its status is in ``until`` or
        ``APPLIED``, and answers it.

        ``AWAITING_APPROVAL`` in ``until`` counts only while approvals are missing: once the last
        one needed is recorded the wait goes on until the change is applied. A transition that ends
        ``REJECTED``, ``FAILED``, ``CANCELLED`` or ``TIMED_OUT`` (not in ``until``) raises
        :class:`TransitionFailed` (``.transition``, ``.status``, ``.reason``); still open after
        ``timeout`` seconds raises :class:`WaitTimeout`.
        """
        wanted = set(until)
        deadline = time.monotonic() + timeout
        delay = poll_interval
        while True:
            transition = self.get_transition(model, transition_id)
            status = transition.get("status")
            if status in wanted and (status != "AWAITING_APPROVAL" or awaits_approvals(transition)):
                return transition
            if status == "APPLIED":
                return transition
            if status in ENDED_TRANSITION_STATUSES:
                raise TransitionFailed(transition)
            left = deadline - time.monotonic()
            if left <= 0:
                raise WaitTimeout(
                    f"{describe_transition(transition)}; still open after {timeout:.0f} s: "
                    f"wait again with wait_for_transition({model!r}, {transition_id!r})"
                )
            time.sleep(min(delay, left))
            delay = min(max_poll_interval, delay * 2)

    # ------------------------------------------------------------------------------------------
    # One-call workflows
    # ------------------------------------------------------------------------------------------

    def hash_files(
        self, files_or_folder: FilesOrFolder, *, parallelism: int = 4, progress: bool = True
    ) -> List[LocalArtifact]:
        """Size and SHA-256 of every file (streamed, 8 MiB at a time), as artifacts to declare."""
        pairs = collect_files(files_or_folder)
        total = sum(local.stat().st_size for _, local in pairs)
        with Progress(total, "sha256", progress) as bar:
            with ThreadPoolExecutor(max_workers=max(1, min(parallelism, len(pairs)))) as pool:
                hashed = list(pool.map(lambda pair: hash_file(pair[1], bar), pairs))
        return [LocalArtifact(name, local, size, sha) for (name, local), (size, sha) in zip(pairs, hashed)]

    def register_version(
        self,
        model: str,
        files_or_folder: FilesOrFolder,
        *,
        metrics: Optional[Mapping[str, float]] = None,
        params: Optional[Mapping[str, str]] = None,
        tags: Optional[Mapping[str, str]] = None,
        lineage: Optional[Mapping[str, Any]] = None,
        signature: Optional[Mapping[str, Any]] = None,
        framework: Optional[str] = None,
        format: Optional[str] = None,
        description: Optional[str] = None,
        semver: Optional[str] = None,
        parallelism: int = 4,
        progress: bool = True,
        wait: bool = True,
        timeout: float = 3600.0,
        idempotency_key: Optional[str] = None,
    ) -> JsonDict:
        """Registers a version from local files in one call and answers it (``READY`` with ``wait``).

        Hashes every file (streamed), declares them (paths relative to the folder, with ``/``),
        uploads each as instructed (one PUT with exactly the signed headers, or parts in parallel,
        read by offset from disk), completes multipart uploads, seals, and waits for ``READY``.
        ``files_or_folder`` is a folder, a file, a list of them, or ``{artifact path: local file}``.

        The create carries an ``Idempotency-Key`` (``idempotency_key``, else a fresh one), so its
        retries never create a second version. If an upload fails, :class:`UploadInterrupted`
        says which version to pass to :meth:`resume_upload`.
        """
        artifacts = self.hash_files(files_or_folder, parallelism=parallelism, progress=progress)
        created = self.create_version(
            model,
            [a.declaration() for a in artifacts],
            description=description,
            metrics=metrics,
            params=params,
            tags=tags,
            lineage=lineage,
            signature=signature,
            framework=framework,
            format=format,
            semver=semver,
            idempotency_key=idempotency_key or str(uuid.uuid4()),
        )
        number = int(created["version"])
        uploader = Uploader(self, self._pools, model, number, parallelism, progress)
        by_path = {a.path: a for a in artifacts}
        singles: List[SingleJob] = []
        multiparts: List[MultipartJob] = []
        for instruction in created.get("uploads", []):
            artifact = by_path[instruction["path"]]
            if instruction.get("uploadId"):
                multiparts.append(uploader.multipart_job(artifact, instruction))
            else:
                singles.append(SingleJob.from_instruction(artifact, instruction))
        self._run_uploads(uploader, singles, multiparts, model, number)
        return self._seal_and_wait(model, number, wait, timeout)

    def resume_upload(
        self,
        model: str,
        version: int,
        files_or_folder: FilesOrFolder,
        *,
        parallelism: int = 4,
        progress: bool = True,
        wait: bool = True,
        timeout: float = 3600.0,
        verify_local: bool = True,
    ) -> JsonDict:
        """Finishes the upload of a version that is not READY yet, from the same local files.

        Multipart artifacts: asks ``POST …/uploads`` for the parts S3 lacks (from ``ListParts``),
        uploads only those, then completes (ETags of parts sent earlier are their MD5, as S3 gives
        them; if the bucket disagrees those parts are sent again). Single-PUT artifacts: the ones a
        seal reports ``missing`` or of the wrong size (or that a FAILED verification rejected) are
        uploaded again. Then seals and waits. With ``verify_local``, each local file's SHA-256 is
        checked against the declaration first.
        """
        record = self.get_version(model, version)
        status = record.get("status")
        if status == "ABANDONED":
            raise VersionAbandoned(
                "VersionAbandoned",
                f"version {version} of '{model}' was abandoned: nothing can be uploaded to it. "
                f"Register a new version: registry.register_version({model!r}, <files>)",
                status=409,
            )
        if status in ("READY", "VERIFYING"):
            # A sealed version's bytes never change: local files that differ are an error, not a
            # success that leaves the old bytes in place (a retrained model.onnx).
            self._assert_same_files(record, files_or_folder, parallelism, progress)
        if status == "READY":
            return record
        if status == "VERIFYING":
            return self.wait_until_ready(model, version, timeout=timeout) if wait else record
        local = self._local_artifacts_for(record, files_or_folder, verify_local, parallelism, progress)
        failed_paths = set()
        if status == "FAILED":
            report = (record.get("verification") or {}).get("artifacts") or []
            failed_paths = {a["path"] for a in report if a.get("status") in _NEEDS_UPLOAD}
        declared = {a["path"]: a for a in record.get("artifacts", [])}

        # 1. Multipart artifacts: rounds of "the parts S3 lacks" until none is missing, then complete.
        session_etags: Dict[str, Dict[int, str]] = {}
        open_uploads = [p for p, a in declared.items() if a.get("upload")]
        while open_uploads:
            uploader = Uploader(self, self._pools, model, version, parallelism, progress)
            jobs: List[MultipartJob] = []
            still_open: List[str] = []
            for path in open_uploads:
                try:
                    answer = self.request_uploads(model, version, path)
                except UploadIncomplete:
                    if path in failed_paths:
                        raise ModelRegistryError(
                            f"'{path}' of version {version} was completed with the wrong bytes and its "
                            "multipart upload is closed: register a new version"
                        ) from None
                    continue  # completed earlier: S3 holds the object
                artifact = local[path]
                missing = [int(p["partNumber"]) for p in answer.get("parts") or []]
                job = uploader.multipart_job(artifact, answer, missing)
                job.etags.update(session_etags.get(path, {}))
                final = int(answer.get("missingParts", len(missing))) <= len(missing)
                if final:
                    for n in range(1, job.part_count + 1):
                        if n not in job.etags and n not in missing:
                            job.etags[n] = md5_etag(artifact.file, *job.part_range(n))
                            job.guessed.add(n)
                else:
                    job.complete = False  # more rounds to go: complete after the last one
                    still_open.append(path)
                jobs.append(job)
            self._run_uploads(uploader, [], jobs, model, version)
            for job in jobs:
                session_etags.setdefault(job.artifact.path, {}).update(job.etags)
            open_uploads = still_open

        # 2. Single-PUT artifacts: the seal's report says which S3 lacks; FAILED ones go again too.
        singles = [p for p in failed_paths if not declared[p].get("upload")]
        sealed: JsonDict = {}
        for attempt in range(2):
            if singles:
                uploader = Uploader(self, self._pools, model, version, parallelism, progress)
                self._run_uploads(uploader, [SingleJob(local[p]) for p in sorted(singles)], [], model, version)
            try:
                sealed = self.seal(model, version)
                break
            except ArtifactsNotVerified as refused:
                wrong = [a["path"] for a in refused.artifacts_report if a.get("status") in _NEEDS_UPLOAD]
                singles = [p for p in wrong if not declared[p].get("upload")]
                if attempt == 1 or not singles or len(singles) < len(wrong):
                    raise
        return self._finish(model, version, sealed, wait, timeout)

    def download(
        self,
        model: str,
        version_or_alias: VersionRef,
        to_dir: Union[str, "Path"],
        *,
        paths: Optional[Sequence[str]] = None,
        parallelism: int = 4,
        progress: bool = True,
        skip_existing: bool = True,
    ) -> List[Path]:
        """Downloads every artifact (or ``paths``) of a version or alias into ``to_dir``.

        An alias is resolved once, so all files come from one version even if the alias moves
        meanwhile. Each file streams to disk and its SHA-256 and size are checked against the
        registry's record: a difference raises :class:`ChecksumMismatch` and leaves no file.
        Files already present with the right SHA-256 are kept (``skip_existing``). Answers the
        local paths, in the version's artifact order.
        """
        record = self.get_version(model, version_or_alias)
        number = int(record["version"])
        root = Path(to_dir)
        wanted = record.get("artifacts", [])
        if paths is not None:
            known = {a["path"] for a in wanted}
            unknown = [p for p in paths if p not in known]
            if unknown:
                raise ValueError(f"version {number} of '{model}' has no artifact {unknown[0]!r}")
            wanted = [a for a in wanted if a["path"] in set(paths)]
        targets = [(a, safe_destination(root, a["path"])) for a in wanted]
        todo = []
        for artifact, target in targets:
            if skip_existing and target.is_file() and target.stat().st_size == artifact["size"]:
                if hash_file(target)[1] == artifact["sha256"]:
                    continue
            todo.append((artifact, target))
        cancel = threading.Event()
        with Progress(sum(a["size"] for a, _ in todo), f"download v{number}", progress) as bar:

            def fetch(item: Tuple[JsonDict, Path]) -> Path:
                artifact, target = item
                return download_to(
                    self._pools,
                    lambda: self.get_download(model, number, artifact["path"]),
                    target,
                    artifact["sha256"],
                    artifact["size"],
                    artifact["path"],
                    bar,
                    cancel,
                )

            executor = ThreadPoolExecutor(max_workers=max(1, min(parallelism, len(todo) or 1)))
            try:
                list(executor.map(fetch, todo))
            except BaseException:
                cancel.set()
                raise
            finally:
                executor.shutdown(wait=True)
        return [target for _, target in targets]

    # ------------------------------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------------------------------

    def _run_uploads(
        self,
        uploader: Uploader,
        singles: Sequence[SingleJob],
        multiparts: Sequence[MultipartJob],
        model: str,
        version: int,
    ) -> None:
        try:
            uploader.run(singles, multiparts)
        except KeyboardInterrupt:
            print(
                f"\nupload of version {version} of '{model}' interrupted: resume it with "
                f"registry.resume_upload({model!r}, {version}, <same files>), "
                f"or give it up with registry.abandon_version({model!r}, {version})",
                file=sys.stderr,
            )
            raise
        except (ChecksumMismatch, ValueError):
            raise
        except Exception as error:
            raise UploadInterrupted(model, version, error) from error

    def _seal_and_wait(self, model: str, version: int, wait: bool, timeout: float) -> JsonDict:
        return self._finish(model, version, self.seal(model, version), wait, timeout)

    def _finish(self, model: str, version: int, sealed: JsonDict, wait: bool, timeout: float) -> JsonDict:
        if sealed.get("status") == "READY" or not wait:
            return sealed
        return self.wait_until_ready(model, version, timeout=timeout)

    def _assert_same_files(
        self, record: Mapping[str, Any], files_or_folder: FilesOrFolder, parallelism: int, progress: bool
    ) -> None:
        """Raises :class:`VersionSealed` when a local file differs from the sealed declaration."""
        model, number = record.get("model"), record.get("version")
        files = dict(collect_files(files_or_folder))
        declared = {a["path"]: a for a in record.get("artifacts", [])}
        stray = [p for p in files if p not in declared]
        if stray:
            raise ValueError(
                f"version {number} of '{model}' declares no {', '.join(repr(p) for p in stray[:5])}; "
                f"it declares {', '.join(declared)}"
            )
        hashed = self.hash_files(files, parallelism=parallelism, progress=progress)
        differ = [
            f"{a.file} ({a.size} bytes, SHA-256 {a.sha256}) is not its declared {a.path} "
            f"({declared[a.path]['size']} bytes, SHA-256 {declared[a.path]['sha256']})"
            for a in hashed
            if a.size != declared[a.path]["size"] or a.sha256 != declared[a.path]["sha256"]
        ]
        if differ:
            message = (
                f"version {number} of '{model}' is sealed ({record.get('status')}) and its bytes never change: "
                + "; ".join(differ)
                + f". To publish these files, register a new version: registry.register_version({model!r}, <files>)"
            )
            raise VersionSealed("VersionSealed", message, status=409)

    def _local_artifacts_for(
        self,
        record: Mapping[str, Any],
        files_or_folder: FilesOrFolder,
        verify_local: bool,
        parallelism: int,
        progress: bool,
    ) -> Dict[str, LocalArtifact]:
        files = dict(collect_files(files_or_folder))
        declared = record.get("artifacts", [])
        absent = [a["path"] for a in declared if a["path"] not in files]
        if absent:
            raise ValueError(f"no local file for artifact(s) {', '.join(absent[:5])} of version {record.get('version')}")
        result: Dict[str, LocalArtifact] = {}
        if verify_local:
            hashed = self.hash_files({a["path"]: files[a["path"]] for a in declared}, parallelism=parallelism, progress=progress)
            for artifact in hashed:
                expected = next(a for a in declared if a["path"] == artifact.path)
                if artifact.size != expected["size"] or artifact.sha256 != expected["sha256"]:
                    raise ChecksumMismatch(
                        f"{artifact.file} (artifact '{artifact.path}')",
                        expected["sha256"],
                        artifact.sha256,
                        expected["size"],
                        artifact.size,
                    )
                result[artifact.path] = artifact
            return result
        for a in declared:
            local = files[a["path"]]
            size = local.stat().st_size
            if size != a["size"]:
                raise ChecksumMismatch(str(local), a["sha256"], None, a["size"], size)
            result[a["path"]] = LocalArtifact(a["path"], local, size, a["sha256"])
        return result


__all__ = ["Registry", "split_version_ref", "VersionRef"]
