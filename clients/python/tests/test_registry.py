"""The client against a running registry (local mode: SigV4 gateway, DynamoDB Local, s3rver)."""

from __future__ import annotations

import filecmp
import hashlib
import tracemalloc
from pathlib import Path
from typing import Any, Dict, List
from urllib.parse import parse_qs, urlsplit

import pytest
import urllib3

from model_registry import (
    AccessDenied,
    ArtifactNotFound,
    ChecksumMismatch,
    ModelAlreadyExists,
    ModelNotFound,
    NotFound,
    Registry,
    RegistryError,
    UploadIncomplete,
    UploadInterrupted,
    ValidationFailed,
    VersionNotReady,
    sha256_file,
)
from model_registry import _transfer
from model_registry._transfer import LocalArtifact, Uploader

MiB = 1024 * 1024
#: The registry's smallest part (the test registry's parts are exactly this).
PART_SIZE = 8 * MiB
BIG = "weights/model.bin"


def parts_of(size: int) -> int:
    """Parts of a multipart artifact of ``size`` bytes (8 MiB parts up to 78 GiB)."""
    return -(-size // PART_SIZE)
#: Plain HTTP to presigned URLs and to the S3 emulator (works with urllib3 1.26 and 2.x).
S3 = urllib3.PoolManager()


def same_tree(a: Path, b: Path, paths: List[str]) -> bool:
    return all(filecmp.cmp(a / p, b / p, shallow=False) for p in paths)


def test_register_folder_ready_then_download_through_alias(
    registry: Registry, reader: Registry, model: str, model_folder: Path, tmp_path: Path, big_size: int
) -> None:
    version = registry.register_version(
        model,
        model_folder,
        metrics={"auc": 0.91, "flops": 3e21},
        params={"lr": "0.01"},
        tags={"team": "fraud"},
        lineage={"runId": "run-1", "gitCommit": "abcdef1"},
        framework="sklearn",
        format="ONNX",
        description="from a folder",
        progress=False,
    )
    assert version["status"] == "READY"
    assert version["version"] == 1
    assert version["metrics"] == {"auc": 0.91, "flops": 3e21}
    assert version["format"] == "onnx"
    artifacts = {a["path"]: a for a in version["artifacts"]}
    assert set(artifacts) == {"config.json", BIG}
    assert artifacts[BIG]["size"] == big_size
    assert artifacts[BIG]["upload"]["partCount"] == parts_of(big_size) >= 3, "the big file went up in parts"
    assert "upload" not in artifacts["config.json"], "the small one with one PUT"
    assert artifacts[BIG]["sha256"] == sha256_file(model_folder / BIG)

    registry.set_alias(model, "champion", 1)
    out = tmp_path / "out"
    paths = reader.download(model, "champion", out, progress=False)
    assert paths == [(out / "config.json").resolve(), (out / BIG).resolve()]
    assert same_tree(model_folder, out, ["config.json", BIG])
    assert not [p for p in out.rglob("*") if p.name.endswith(".partial")]

    # By number too, and through the alias route of the API.
    assert reader.get_version(model, "1")["version"] == 1
    link = reader.get_download(model, "champion", BIG)
    assert link["sha256"] == artifacts[BIG]["sha256"] and link["size"] == big_size


def test_upload_memory_stays_bounded(registry: Registry, model: str, model_folder: Path, big_size: int) -> None:
    parallelism = 2
    bound = PART_SIZE * parallelism + 2 * MiB
    assert big_size > bound, "the file must be larger than the bound, or the test proves nothing"
    tracemalloc.start()
    try:
        version = registry.register_version(
            model, {"model.bin": model_folder / BIG}, parallelism=parallelism, progress=False
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert version["status"] == "READY"
    print(f"\npeak traced memory while hashing + uploading {big_size / MiB:.1f} MiB: {peak / MiB:.2f} MiB")
    assert peak < bound
    # Streaming: the peak is the 8 MiB hash buffer, not the file nor a part per thread.
    assert peak < big_size / 2


def test_tampered_bytes_are_detected_on_download(
    registry: Registry, reader: Registry, model: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("the declared bytes\n")
    (src / "b.txt").write_text("untouched\n")
    registry.register_version(model, src, progress=False)
    # Other bytes arrive for a.txt (a proxy, a corrupted transfer): the registry's downloads are
    # pinned to the sealed S3 version and the local S3 refuses writes by anyone but the registry,
    # so the swap happens on the way: a.txt's download link serves b.txt's bytes.
    real_get_download = Registry.get_download

    def swapped(self: Registry, model: str, version: Any, path: str) -> Any:
        link = real_get_download(self, model, version, path)
        if path == "a.txt":
            link = {**link, "url": real_get_download(self, model, version, "b.txt")["url"]}
        return link

    monkeypatch.setattr(Registry, "get_download", swapped)
    out = tmp_path / "out"
    with pytest.raises(ChecksumMismatch) as caught:
        reader.download(model, 1, out, progress=False, parallelism=1)
    assert caught.value.path == "a.txt"
    assert caught.value.expected_sha256 == sha256_file(src / "a.txt")
    assert not (out / "a.txt").exists(), "no file is left behind"
    assert not [p for p in out.rglob("*") if p.name.endswith(".partial")]


def test_a_failed_register_is_resumed(
    registry: Registry,
    model: str,
    model_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    big_size: int,
) -> None:
    real_put_part = Uploader._put_part

    def flaky(self: Uploader, job: Any, number: int) -> str:
        if number == 3:
            raise _transfer.TransferError("network gone", None)
        return real_put_part(self, job, number)

    monkeypatch.setattr(Uploader, "_put_part", flaky)
    with pytest.raises(UploadInterrupted) as caught:
        # One thread: config.json, parts 1 and 2 go up before part 3 fails.
        registry.register_version(model, model_folder, progress=False, parallelism=1)
    assert (caught.value.model, caught.value.version) == (model, 1)
    assert registry.get_version(model, 1)["status"] == "PENDING_UPLOAD"
    monkeypatch.undo()

    asked = spy_uploads(registry, monkeypatch)
    version = registry.resume_upload(model, 1, model_folder, progress=False)
    assert version["status"] == "READY"
    # Parts 1 and 2 went up before part 3 failed (a part already in flight may have finished too).
    again = [a["parts"] for a in asked if a.get("uploadId")][0]
    assert again[0] == 3 and set(again) <= set(range(3, parts_of(big_size) + 1)), "only missing parts go again"
    out = tmp_path / "out"
    registry.download(model, 1, out, progress=False)
    assert same_tree(model_folder, out, ["config.json", BIG])


def declare_folder(registry: Registry, model: str, folder: Path):
    """Hashes the folder and creates a version declaring it (nothing uploaded yet): the files,
    the created version, and the upload instruction of the big, multipart file."""
    files = registry.hash_files(folder, progress=False)
    created = registry.create_version(model, [f.declaration() for f in files])
    big = next(u for u in created["uploads"] if u["path"] == BIG)
    return files, created, big


def test_resume_after_only_part_one_was_uploaded(
    registry: Registry, model: str, model_folder: Path, monkeypatch: pytest.MonkeyPatch, big_size: int
) -> None:
    files, created, big = declare_folder(registry, model, model_folder)
    count = parts_of(big_size)
    assert [p["partNumber"] for p in big["parts"]] == list(range(1, min(count, 10) + 1))
    with open(model_folder / BIG, "rb") as f:
        first = f.read(big["partSize"])
    assert S3.request("PUT", big["parts"][0]["url"], body=first).status == 200
    del first
    # config.json was never uploaded either: the seal's report finds it missing.

    asked = spy_uploads(registry, monkeypatch)
    completions = spy_completions(registry, monkeypatch)
    version = registry.resume_upload(model, created["version"], model_folder, progress=False)
    assert version["status"] == "READY"
    assert len(completions) == 1, "part 1's ETag (its MD5) was right the first time"
    assert completions[0][0]["etag"].strip('"') == hashlib.md5(first_bytes_md5_source(model_folder, big["partSize"])).hexdigest()
    multipart_answers = [a for a in asked if a.get("uploadId")]
    assert multipart_answers[0]["missingParts"] == count - 1
    assert multipart_answers[0]["parts"] == list(range(2, count + 1))
    assert any(a.get("path") == "config.json" for a in asked)
    assert registry.get_download(model, created["version"], BIG)["sha256"] == sha256_file(model_folder / BIG)

    # READY: resuming again changes nothing.
    assert registry.resume_upload(model, created["version"], model_folder, progress=False)["status"] == "READY"


def test_expired_urls_are_refreshed_and_5xx_retried(
    registry: Registry, model: str, model_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first PUT to each URL answers S3's "Request has expired"; one more answers 503."""
    pools = registry._pools
    real_request = pools.request
    seen: Dict[str, int] = {}

    def faulty(method: str, url: str, **kwargs: Any) -> Any:
        if method == "PUT":
            part = parse_qs(urlsplit(url).query).get("partNumber", [""])[0]
            key = urlsplit(url).path + (f"#part{part}" if part else "")
            seen[key] = seen.get(key, 0) + 1
            if seen[key] == 1:
                body = kwargs["body"]
                body.read(1000)  # a little was sent before S3 refused it
                return urllib3.HTTPResponse(
                    body=b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                    status=403,
                )
            if seen[key] == 2 and "#part" in key:
                return urllib3.HTTPResponse(body=b"<Error><Code>SlowDown</Code></Error>", status=503)
        return real_request(method, url, **kwargs)

    monkeypatch.setattr(pools, "request", faulty)
    asked = spy_uploads(registry, monkeypatch)
    version = registry.register_version(model, model_folder, progress=False)
    assert version["status"] == "READY"
    assert any(a.get("path") == "config.json" and a.get("url") for a in asked), "a fresh single-PUT URL"
    assert any(a.get("uploadId") for a in asked), "fresh part URLs"


def test_typed_errors_carry_code_message_and_request_id(registry: Registry, reader: Registry, model: str) -> None:
    with pytest.raises(ModelNotFound) as missing:
        reader.get_model("no-such-model-here")
    error = missing.value
    assert isinstance(error, NotFound) and isinstance(error, RegistryError)
    assert (error.code, error.status) == ("ModelNotFound", 404)
    assert "no-such-model-here" in error.message
    assert error.request_id and error.request_id in str(error)

    with pytest.raises(ModelAlreadyExists) as taken:
        registry.create_model(model)
    assert taken.value.status == 409

    with pytest.raises(ValidationFailed) as invalid:
        registry.create_model("bad name!")
    assert invalid.value.issues and invalid.value.issues[0]["field"] == "body.name"

    with pytest.raises(AccessDenied) as denied:
        reader.create_model(model + "-reader")
    assert (denied.value.code, denied.value.status) == ("AccessDenied", 403)

    with pytest.raises(NotFound):
        reader.download(model, "no-such-alias", "unused", progress=False)

    src = {"m.bin": Path(__file__)}
    version = registry.register_version(model, src, progress=False, wait=True)
    with pytest.raises(ArtifactNotFound):
        reader.get_download(model, version["version"], "other.bin")
    pending = registry.create_version(model, [{"path": "x.bin", "size": 1, "sha256": "0" * 64}])
    with pytest.raises(VersionNotReady):
        reader.get_download(model, pending["version"], "x.bin")


def test_create_version_is_idempotent(registry: Registry, model: str, tmp_path: Path) -> None:
    (tmp_path / "w.bin").write_bytes(b"weights")
    files = registry.hash_files(tmp_path, progress=False)
    key = f"retry-{model}"
    first = registry.create_version(model, [f.declaration() for f in files], idempotency_key=key)
    again = registry.create_version(model, [f.declaration() for f in files], idempotency_key=key)
    assert first["version"] == again["version"] == 1
    assert [v["version"] for v in registry.list_versions(model)] == [1]


def first_bytes_md5_source(folder: Path, size: int) -> bytes:
    with open(folder / BIG, "rb") as f:
        return f.read(size)


def spy_completions(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> List[List[Dict[str, Any]]]:
    """Records the parts of every ``POST …/uploads/complete``."""
    calls: List[List[Dict[str, Any]]] = []
    real = registry.complete_upload

    def spy(model: str, version: int, path: str, upload_id: str, parts: Any) -> Dict[str, Any]:
        calls.append([dict(p) for p in parts])
        return real(model, version, path, upload_id, parts)

    monkeypatch.setattr(registry, "complete_upload", spy)
    return calls


def test_parts_sent_again_when_guessed_etags_are_refused(
    registry: Registry, model: str, model_folder: Path, monkeypatch: pytest.MonkeyPatch, big_size: int
) -> None:
    """A bucket with SSE-KMS gives parts ETags that are not their MD5: the client re-sends them."""
    files, created, big = declare_folder(registry, model, model_folder)
    assert S3.request("PUT", big["parts"][0]["url"], body=first_bytes_md5_source(model_folder, big["partSize"])).status == 200
    wrong = '"00000000000000000000000000000000"'
    monkeypatch.setattr("model_registry.client.md5_etag", lambda *a: wrong)
    completions = spy_completions(registry, monkeypatch)
    # s3rver does not check ETags at completion; S3 answers InvalidPart, which the API reports so:
    spied = registry.complete_upload

    def like_s3(model: str, version: int, path: str, upload_id: str, parts: Any) -> Dict[str, Any]:
        if any(p["etag"] == wrong for p in parts):
            raise UploadIncomplete("UploadIncomplete", "cannot be completed: InvalidPart", "r", 422)
        return spied(model, version, path, upload_id, parts)

    monkeypatch.setattr(registry, "complete_upload", like_s3)
    asked = spy_uploads(registry, monkeypatch)
    version = registry.resume_upload(model, created["version"], model_folder, progress=False)
    assert version["status"] == "READY"
    assert len(completions) == 1 and all(p["etag"] != wrong for p in completions[0])
    multipart_answers = [a["parts"] for a in asked if a.get("uploadId")]
    assert multipart_answers[0] == list(range(2, parts_of(big_size) + 1))
    assert 1 in multipart_answers[1], "then a URL for part 1 again"


def spy_uploads(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> List[Dict[str, Any]]:
    """Records every answer of ``POST …/uploads`` (part numbers only, for easy comparison)."""
    answers: List[Dict[str, Any]] = []
    real = registry.request_uploads

    def spy(*args: Any, **kwargs: Any) -> Dict[str, Any]:
        answer = real(*args, **kwargs)
        answers.append({**answer, "parts": [p["partNumber"] for p in answer.get("parts") or []]})
        return answer

    monkeypatch.setattr(registry, "request_uploads", spy)
    return answers


def test_local_artifact_declaration() -> None:
    artifact = LocalArtifact("a/b.bin", Path("x"), 3, "ab" * 32)
    assert artifact.declaration() == {"path": "a/b.bin", "size": 3, "sha256": "ab" * 32}
