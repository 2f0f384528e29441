"""Moving bytes: local files, streaming hashes, parallel presigned uploads, verified downloads.

Memory stays constant whatever the file size: hashes read 8 MiB chunks into one reused buffer,
uploads stream each file (or each part, read by offset) from disk in small blocks, downloads
stream to disk while hashing.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Set,
    Tuple,
    Union,
)

import urllib3

from ._http import RETRYABLE_STATUSES, TRANSIENT_ERRORS, Pools, backoff_delay
from ._progress import Progress
from .errors import ChecksumMismatch, ModelRegistryError, TransferError, UploadIncomplete



class UploadCalls(Protocol):
    """The two API calls an upload makes besides its PUTs: ``Registry`` has them. Named here, not
    imported from ``client``, which imports this module: the two modules make no circle."""

    def request_uploads(
        self,
        model: str,
        version: int,
        path: str,
        parts: Optional[Union[Sequence[int], Mapping[str, int]]] = None,
    ) -> Dict[str, Any]: ...

    def complete_upload(
        self, model: str, version: int, path: str, upload_id: str, parts: Sequence[Mapping[str, Any]]
    ) -> Dict[str, Any]: ...

MiB = 1024 * 1024
#: Bytes read per step while hashing (one reused buffer per thread).
HASH_CHUNK = 8 * MiB
#: Bytes per step while streaming a download to disk.
DOWNLOAD_CHUNK = 1 * MiB
#: A presigned URL this close to its expiry is refreshed before use.
EXPIRY_MARGIN_SECONDS = 30.0
#: Part URLs asked for at once (the API's maximum per call).
PART_URL_PAGE = 100

FilesOrFolder = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]], Mapping[str, Any]]


class Cancelled(ModelRegistryError):
    """Raised inside transfer threads once another transfer failed or the user interrupted."""


# --------------------------------------------------------------------------------------------
# Local files
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalArtifact:
    """A local file and the artifact path it is declared as (relative, ``/``-separated)."""

    path: str
    file: Path
    size: int
    sha256: str

    def declaration(self) -> Dict[str, Any]:
        return {"path": self.path, "size": self.size, "sha256": self.sha256}


def collect_files(files_or_folder: FilesOrFolder) -> List[Tuple[str, Path]]:
    """``(artifact path, local file)`` pairs, sorted by artifact path.

    - a folder: every regular file below it, its path relative to the folder (``a/b.bin``);
    - a file: the file, as its name;
    - a list of files and folders: files as their names, folders as ``<folder name>/<relative path>``;
    - a mapping ``{artifact path: local file}``: exactly that.
    """
    pairs: List[Tuple[str, Path]] = []
    if isinstance(files_or_folder, Mapping):
        pairs = [(str(k), Path(v)) for k, v in files_or_folder.items()]
    elif isinstance(files_or_folder, (str, os.PathLike)):
        root = Path(files_or_folder)
        pairs = _folder_files(root, "") if root.is_dir() else [(root.name, root)]
    else:
        for item in files_or_folder:
            p = Path(item)
            pairs.extend(_folder_files(p, p.resolve().name + "/") if p.is_dir() else [(p.name, p)])
    if not pairs:
        raise ValueError(f"no files found in {files_or_folder!r}")
    seen: Dict[str, Path] = {}
    for name, local in pairs:
        if not local.is_file():
            raise FileNotFoundError(f"{local} is not a file")
        if name in seen:
            raise ValueError(f"two files would be artifact '{name}': {seen[name]} and {local}")
        seen[name] = local
    return sorted(pairs)


def _folder_files(root: Path, prefix: str) -> List[Tuple[str, Path]]:
    found = []
    for directory, subdirs, files in os.walk(root):
        subdirs.sort()
        for name in sorted(files):
            local = Path(directory) / name
            found.append((prefix + local.relative_to(root).as_posix(), local))
    return found


def hash_file(
    file: Union[str, "os.PathLike[str]"],
    progress: Optional[Progress] = None,
    chunk_size: int = HASH_CHUNK,
    cancel: Optional[threading.Event] = None,
) -> Tuple[int, str]:
    """``(size, SHA-256 hex)`` of a file, read in ``chunk_size`` steps into one reused buffer."""
    digest = hashlib.sha256()
    buffer = bytearray(chunk_size)
    view = memoryview(buffer)
    size = 0
    with open(file, "rb", buffering=0) as f:
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled("cancelled")
            n = f.readinto(buffer)
            if not n:
                break
            digest.update(view[:n])
            size += n
            if progress is not None:
                progress.update(n)
    view.release()
    return size, digest.hexdigest()


def sha256_file(file: Union[str, "os.PathLike[str]"]) -> str:
    """The SHA-256 (hex) of a file, streamed."""
    return hash_file(file)[1]


def verify_file(
    file: Union[str, "os.PathLike[str]"],
    sha256: str,
    size: Optional[int] = None,
    *,
    name: Optional[str] = None,
) -> None:
    """Raises :class:`ChecksumMismatch` unless the file has this SHA-256 (and size, when given)."""
    actual_size, actual_sha = hash_file(file)
    if (size is not None and actual_size != size) or actual_sha != sha256.lower():
        raise ChecksumMismatch(name or str(file), sha256.lower(), actual_sha, size, actual_size)


def md5_etag(file: Path, offset: int, length: int) -> str:
    """The ETag S3 gives a part uploaded without SSE-KMS: the quoted MD5 of its bytes."""
    try:
        digest = hashlib.md5(usedforsecurity=False)  # type: ignore[call-arg]
    except TypeError:  # pragma: no cover - Python < 3.9 signature
        digest = hashlib.md5()
    remaining = length
    with open(file, "rb") as f:
        f.seek(offset)
        while remaining > 0:
            block = f.read(min(MiB, remaining))
            if not block:
                break
            digest.update(block)
            remaining -= len(block)
    return f'"{digest.hexdigest()}"'


class FileSlice:
    """A file-like view of ``length`` bytes from ``offset``: what urllib3 streams as a request body.

    It reads in the small blocks the HTTP connection asks for, counts progress, and stops the
    transfer (raising :class:`Cancelled`) once ``cancel`` is set.
    """

    def __init__(
        self,
        file: Path,
        offset: int,
        length: int,
        progress: Optional[Progress] = None,
        cancel: Optional[threading.Event] = None,
    ) -> None:
        self._f = open(file, "rb")
        self._f.seek(offset)
        self._remaining = length
        self._progress = progress
        self._cancel = cancel
        self.sent = 0

    def read(self, n: int = -1) -> bytes:
        if self._cancel is not None and self._cancel.is_set():
            raise Cancelled("cancelled")
        if self._remaining <= 0:
            return b""
        n = self._remaining if n is None or n < 0 else min(n, self._remaining)
        data = self._f.read(n)
        self._remaining -= len(data)
        self.sent += len(data)
        if self._progress is not None:
            self._progress.update(len(data))
        return data

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> "FileSlice":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------------------------
# Uploads
# --------------------------------------------------------------------------------------------


def parse_time(value: Optional[str]) -> float:
    """An ISO-8601 instant as a POSIX timestamp (``0`` when absent or unreadable)."""
    if not value:
        return 0.0
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc).timestamp()
    except ValueError:
        return 0.0


def expiring(expires_at: float) -> bool:
    return expires_at - EXPIRY_MARGIN_SECONDS <= time.time()


def url_expired(response: urllib3.BaseHTTPResponse) -> bool:
    """S3 refuses an expired presigned URL (or an expired session token) with a 403 saying so."""
    return response.status in (400, 403) and b"expired" in (response.data or b"").lower()


def part_spec(numbers: Sequence[int]) -> Union[Dict[str, int], List[int]]:
    """The ``parts`` of a ``POST …/uploads``: ``{from, count}`` for a run, else the list."""
    ordered = sorted(numbers)
    if ordered and ordered == list(range(ordered[0], ordered[0] + len(ordered))):
        return {"from": ordered[0], "count": len(ordered)}
    return ordered


class PartUrls:
    """Presigned part URLs of one multipart upload, fetched 100 at a time when a part needs one."""

    def __init__(self, registry: UploadCalls, model: str, version: int, path: str, part_count: int) -> None:
        self._registry = registry
        self._model = model
        self._version = version
        self._path = path
        self._part_count = part_count
        self._urls: Dict[int, Tuple[str, float]] = {}
        self._lock = threading.Lock()
        self.requests = 0

    def add(self, answer: Mapping[str, Any]) -> None:
        expiry = parse_time(answer.get("expiresAt"))
        for part in answer.get("parts") or []:
            self._urls[int(part["partNumber"])] = (str(part["url"]), expiry)

    def get(self, number: int, stale: Optional[str] = None) -> str:
        """The URL for part ``number``; a fresh one when the known one is ``stale`` or expiring."""
        with self._lock:
            known = self._urls.get(number)
            if known is not None and known[0] != stale and not expiring(known[1]):
                return known[0]
            count = min(PART_URL_PAGE, self._part_count - number + 1)
            answer = self._registry.request_uploads(
                self._model, self._version, self._path, parts={"from": number, "count": count}
            )
            self.requests += 1
            self.add(answer)
            if number not in self._urls:
                raise TransferError(f"the registry gave no URL for part {number} of '{self._path}'")
            return self._urls[number][0]


@dataclass
class SingleJob:
    """One file, one presigned PUT with exactly the returned headers."""

    artifact: LocalArtifact
    url: Optional[str] = None
    headers: Dict[str, str] = field(default_factory=dict)
    expires_at: float = 0.0

    @classmethod
    def from_instruction(cls, artifact: LocalArtifact, instruction: Optional[Mapping[str, Any]]) -> "SingleJob":
        job = cls(artifact)
        if instruction and instruction.get("url"):
            job.url = str(instruction["url"])
            job.headers = dict(instruction.get("headers") or {})
            job.expires_at = parse_time(instruction.get("expiresAt"))
        return job


@dataclass
class MultipartJob:
    """One file in parts: which parts to PUT, the ETags known so far, which of them are guesses."""

    artifact: LocalArtifact
    upload_id: str
    part_size: int
    part_count: int
    urls: PartUrls
    todo: List[int]
    etags: Dict[int, str] = field(default_factory=dict)
    #: Parts uploaded before this session: their ETag is the MD5 S3 gives unencrypted/SSE-S3 parts.
    guessed: Set[int] = field(default_factory=set)
    remaining: int = 0
    #: False while later rounds still have parts to upload (resume of more than 100 missing parts).
    complete: bool = True

    def part_range(self, number: int) -> Tuple[int, int]:
        offset = (number - 1) * self.part_size
        return offset, min(self.part_size, self.artifact.size - offset)


class Uploader:
    """Runs single and multipart uploads of one version on a pool of ``parallelism`` threads."""

    def __init__(
        self,
        registry: UploadCalls,
        pools: Pools,
        model: str,
        version: int,
        parallelism: int = 4,
        progress: bool = True,
        max_attempts: int = 6,
    ) -> None:
        if parallelism < 1:
            raise ValueError("parallelism must be at least 1")
        self.registry = registry
        self.pools = pools
        self.model = model
        self.version = version
        self.parallelism = parallelism
        self.show_progress = progress
        self.max_attempts = max_attempts
        #: Set: transfers in flight stop at once (their bytes are abandoned).
        self.cancel = threading.Event()
        #: Set: transfers not yet started do not start.
        self.stopping = threading.Event()
        self._progress: Optional[Progress] = None

    # -- building jobs -----------------------------------------------------------------------

    def multipart_job(
        self, artifact: LocalArtifact, instruction: Mapping[str, Any], todo: Optional[Iterable[int]] = None
    ) -> MultipartJob:
        part_count = int(instruction["partCount"])
        urls = PartUrls(self.registry, self.model, self.version, artifact.path, part_count)
        urls.add(instruction)
        parts = sorted(todo) if todo is not None else list(range(1, part_count + 1))
        return MultipartJob(
            artifact=artifact,
            upload_id=str(instruction["uploadId"]),
            part_size=int(instruction["partSize"]),
            part_count=part_count,
            urls=urls,
            todo=parts,
        )

    # -- running -----------------------------------------------------------------------------

    def run(self, singles: Sequence[SingleJob], multiparts: Sequence[MultipartJob]) -> None:
        """Uploads everything; completes each multipart upload once its parts are in."""
        total = sum(j.artifact.size for j in singles)
        for job in multiparts:
            total += sum(job.part_range(n)[1] for n in job.todo)
        self._progress = Progress(total, f"upload v{self.version}", self.show_progress)
        executor = ThreadPoolExecutor(max_workers=self.parallelism, thread_name_prefix="registry-upload")
        pending: Dict[Future, Tuple[Any, int]] = {}
        try:
            for single in singles:
                pending[executor.submit(self._put_single, single)] = (single, 0)
            for job in multiparts:
                self._schedule(executor, pending, job, job.todo)
                if not job.todo and job.complete:
                    self._schedule(executor, pending, job, self._complete(job))
            while pending:
                done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                for future in done:
                    job, number = pending.pop(future)
                    result = future.result()  # raises the transfer's error
                    if isinstance(job, MultipartJob):
                        job.etags[number] = result
                        job.remaining -= 1
                        if job.remaining == 0 and job.complete:
                            retry = self._complete(job)
                            if retry:
                                self._schedule(executor, pending, job, retry)
        except BaseException as error:
            # Start nothing new. A failed transfer lets the ones in flight finish (less to resume);
            # an interrupt (Ctrl-C) aborts them at once.
            self.stopping.set()
            if not isinstance(error, Exception):
                self.cancel.set()
            for future in pending:
                future.cancel()
            raise
        finally:
            try:
                executor.shutdown(wait=True)
            except KeyboardInterrupt:
                self.cancel.set()
                executor.shutdown(wait=True)
                raise
            finally:
                self._progress.close()

    def _schedule(self, executor: ThreadPoolExecutor, pending: Dict[Future, Tuple[Any, int]], job: MultipartJob, parts: Sequence[int]) -> None:
        job.remaining += len(parts)
        for number in parts:
            pending[executor.submit(self._put_part, job, number)] = (job, number)

    def _complete(self, job: MultipartJob) -> List[int]:
        """Completes the upload; answers parts to upload again when guessed ETags were wrong."""
        parts = [{"partNumber": n, "etag": job.etags[n]} for n in sorted(job.etags)]
        try:
            self.registry.complete_upload(self.model, self.version, job.artifact.path, job.upload_id, parts)
        except UploadIncomplete:
            if not job.guessed:
                raise
            # The bucket's ETags are not plain MD5s (SSE-KMS): send those parts again.
            retry = sorted(job.guessed)
            job.guessed = set()
            if self._progress is not None:
                self._progress.grow(sum(job.part_range(n)[1] for n in retry))
            return retry
        return []

    def _put_single(self, job: SingleJob) -> None:
        self._check_stopping()
        artifact = job.artifact
        stale = False
        for attempt in range(self.max_attempts):
            if job.url is None or stale or expiring(job.expires_at):
                fresh = self.registry.request_uploads(self.model, self.version, artifact.path)
                job.url = str(fresh["url"])
                job.headers = dict(fresh.get("headers") or {})
                job.expires_at = parse_time(fresh.get("expiresAt"))
                stale = False
            headers = dict(job.headers)
            headers["Content-Length"] = str(artifact.size)
            outcome = self._put(job.url, artifact.file, 0, artifact.size, headers)
            if isinstance(outcome, str):
                return
            if outcome.status == 412 and any(h.lower() == "if-none-match" for h in job.headers):
                return  # an earlier attempt went through; the seal checks the bytes
            if url_expired(outcome):
                stale = True
                continue
            self._raise_unless_retryable(outcome, artifact.path, attempt)
        raise TransferError(f"gave up uploading '{artifact.path}' after {self.max_attempts} attempts")

    def _put_part(self, job: MultipartJob, number: int) -> str:
        self._check_stopping()
        offset, length = job.part_range(number)
        stale: Optional[str] = None
        for attempt in range(self.max_attempts):
            url = job.urls.get(number, stale)
            outcome = self._put(url, job.artifact.file, offset, length, {"Content-Length": str(length)})
            if isinstance(outcome, str):
                return outcome
            if url_expired(outcome):
                stale = url
                continue
            self._raise_unless_retryable(outcome, f"{job.artifact.path} part {number}", attempt)
        raise TransferError(f"gave up uploading part {number} of '{job.artifact.path}' after {self.max_attempts} attempts")

    def _put(
        self, url: str, file: Path, offset: int, length: int, headers: Dict[str, str]
    ) -> Union[str, urllib3.BaseHTTPResponse, None]:
        """One PUT streamed from disk: the ETag on success, else the response (``None``: a network error)."""
        body = FileSlice(file, offset, length, self._progress, self.cancel)
        try:
            response = self.pools.request("PUT", url, body=body, headers=headers)
        except TRANSIENT_ERRORS:
            if self._progress is not None:
                self._progress.update(-body.sent)
            return _NetworkFailure
        finally:
            body.close()
        if 200 <= response.status < 300:
            return response.headers.get("ETag") or ""
        if self._progress is not None:
            self._progress.update(-body.sent)
        return response

    def _check_stopping(self) -> None:
        if self.stopping.is_set():
            raise Cancelled("not started: another transfer failed")

    def _raise_unless_retryable(self, outcome: Any, what: str, attempt: int) -> None:
        if self.cancel.is_set() or self.stopping.is_set():
            raise Cancelled("cancelled")
        if outcome is _NetworkFailure or outcome.status in RETRYABLE_STATUSES:
            time.sleep(backoff_delay(attempt, base=0.5))
            return
        text = (outcome.data or b"")[:1000].decode("utf-8", "replace")
        raise TransferError(f"S3 refused '{what}': HTTP {outcome.status} {text}", outcome.status, text)


class _NetworkFailureType:
    status = 0
    data = b""


_NetworkFailure: Any = _NetworkFailureType()


# --------------------------------------------------------------------------------------------
# Downloads
# --------------------------------------------------------------------------------------------


def safe_destination(root: Path, artifact_path: str) -> Path:
    """``root/artifact_path``, refusing paths that would leave ``root``."""
    target = (root / artifact_path).resolve()
    base = root.resolve()
    if target != base and base not in target.parents:
        raise ModelRegistryError(f"artifact path {artifact_path!r} leaves {root}")
    return target


def download_to(
    pools: Pools,
    link: Callable[[], Mapping[str, Any]],
    destination: Path,
    expected_sha256: str,
    expected_size: Optional[int],
    name: str,
    progress: Optional[Progress] = None,
    cancel: Optional[threading.Event] = None,
    max_attempts: int = 6,
) -> Path:
    """Streams a presigned GET to ``destination`` while hashing; verifies size and SHA-256.

    The bytes go to a temporary file beside the destination, renamed only once verified; on a
    difference the temporary file is deleted and :class:`ChecksumMismatch` raised.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    current = link()
    if str(current.get("sha256", expected_sha256)).lower() != expected_sha256.lower():
        raise ChecksumMismatch(name, expected_sha256, str(current.get("sha256")), expected_size, current.get("size"))
    for attempt in range(max_attempts):
        if cancel is not None and cancel.is_set():
            raise Cancelled("cancelled")
        if expiring(parse_time(current.get("expiresAt"))) and current.get("expiresAt"):
            current = link()
        temporary = destination.with_name(f".{destination.name}.{uuid.uuid4().hex[:8]}.partial")
        written = 0
        try:
            response = pools.request("GET", str(current["url"]), preload_content=False, decode_content=False)
        except TRANSIENT_ERRORS:
            time.sleep(backoff_delay(attempt, base=0.5))
            continue
        try:
            if response.status != 200:
                body = response.read()
                if response.status in (400, 403) and b"expired" in body.lower():
                    current = link()
                    continue
                if response.status in RETRYABLE_STATUSES:
                    time.sleep(backoff_delay(attempt, base=0.5))
                    continue
                text = body[:1000].decode("utf-8", "replace")
                raise TransferError(f"S3 refused the download of '{name}': HTTP {response.status} {text}", response.status, text)
            digest = hashlib.sha256()
            try:
                with open(temporary, "wb") as out:
                    for chunk in response.stream(DOWNLOAD_CHUNK, decode_content=False):
                        if cancel is not None and cancel.is_set():
                            raise Cancelled("cancelled")
                        digest.update(chunk)
                        out.write(chunk)
                        written += len(chunk)
                        if progress is not None:
                            progress.update(len(chunk))
            except TRANSIENT_ERRORS:
                _unlink(temporary)
                if progress is not None:
                    progress.update(-written)
                time.sleep(backoff_delay(attempt, base=0.5))
                continue
            except BaseException:
                _unlink(temporary)
                raise
        finally:
            response.release_conn()
        actual = digest.hexdigest()
        if (expected_size is not None and written != expected_size) or actual != expected_sha256.lower():
            _unlink(temporary)
            raise ChecksumMismatch(name, expected_sha256.lower(), actual, expected_size, written)
        os.replace(temporary, destination)
        return destination
    raise TransferError(f"gave up downloading '{name}' after {max_attempts} attempts")


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
