"""Pieces that need no registry: references, file collection, verification, errors, encoding."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from model_registry import (
    ArtifactsNotVerified,
    AuthenticationFailed,
    ChecksumMismatch,
    Conflict,
    ModelNotFound,
    NotFound,
    RegistryError,
    ServerError,
    ValidationFailed,
    collect_files,
    hash_file,
    split_version_ref,
    verify_file,
)
from model_registry._http import artifact_path_of, path_of, query_string
from model_registry._transfer import FileSlice, md5_etag, part_spec, safe_destination
from model_registry.errors import from_response


def test_version_numbers_and_aliases() -> None:
    assert split_version_ref(3) == (3, None)
    assert split_version_ref("12") == (12, None)
    assert split_version_ref("champion") == (None, "champion")
    assert split_version_ref("v2") == (None, "v2")
    with pytest.raises(TypeError):
        split_version_ref(True)


def test_collect_files_from_a_folder_a_list_and_a_mapping(tmp_path: Path) -> None:
    (tmp_path / "m" / "sub" / "deep").mkdir(parents=True)
    (tmp_path / "m" / "a.txt").write_text("a")
    (tmp_path / "m" / "sub" / "deep" / "b.bin").write_text("b")
    assert [p for p, _ in collect_files(tmp_path / "m")] == ["a.txt", "sub/deep/b.bin"]
    assert [p for p, _ in collect_files([tmp_path / "m" / "a.txt", tmp_path / "m" / "sub"])] == [
        "a.txt",
        "sub/deep/b.bin",
    ]
    assert collect_files({"x/y.txt": tmp_path / "m" / "a.txt"}) == [("x/y.txt", tmp_path / "m" / "a.txt")]
    with pytest.raises(ValueError, match="two files"):
        collect_files([tmp_path / "m" / "a.txt", tmp_path / "m" / "a.txt"])
    with pytest.raises(FileNotFoundError):
        collect_files({"x": tmp_path / "missing"})


def test_verify_file_and_streaming_hash(tmp_path: Path) -> None:
    data = bytes(range(256)) * 5000
    f = tmp_path / "f.bin"
    f.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    assert hash_file(f, chunk_size=1000) == (len(data), digest)
    verify_file(f, digest, len(data))
    verify_file(f, digest.upper())
    with pytest.raises(ChecksumMismatch) as wrong_hash:
        verify_file(f, "0" * 64, name="f.bin")
    assert (wrong_hash.value.path, wrong_hash.value.actual_sha256) == ("f.bin", digest)
    with pytest.raises(ChecksumMismatch, match="bytes, expected"):
        verify_file(f, digest, len(data) + 1)


def test_file_slices_and_part_etags(tmp_path: Path) -> None:
    f = tmp_path / "f.bin"
    f.write_bytes(b"0123456789")
    with FileSlice(f, 3, 4) as part:
        assert part.read(3) + part.read(100) + part.read(1) == b"3456"
    assert md5_etag(f, 3, 4) == '"%s"' % hashlib.md5(b"3456").hexdigest()
    assert part_spec([4, 2, 3]) == {"from": 2, "count": 3}
    assert part_spec([1, 3]) == [1, 3]


def test_destinations_stay_inside_the_folder(tmp_path: Path) -> None:
    assert safe_destination(tmp_path, "a/b.txt") == (tmp_path / "a" / "b.txt").resolve()
    with pytest.raises(Exception, match="leaves"):
        safe_destination(tmp_path, "../x")


def test_paths_and_queries_are_rfc3986_encoded() -> None:
    assert path_of("models", "a.b-c_d", "versions", 3) == "/models/a.b-c_d/versions/3"
    assert artifact_path_of("dir x/a+b=c@d.bin") == "dir%20x/a%2Bb%3Dc%40d.bin"
    assert query_string({"tag": "team=fraud", "limit": 5, "nextToken": None}) == "tag=team%3Dfraud&limit=5"
    with pytest.raises(ValueError):
        path_of("models", "..")


def test_errors_are_typed_by_code_then_status() -> None:
    body = {"error": {"code": "ModelNotFound", "message": "model 'x' does not exist", "requestId": "r-1"}}
    error = from_response(404, body, None)
    assert isinstance(error, ModelNotFound) and isinstance(error, NotFound)
    assert (error.code, error.message, error.request_id, error.status) == (
        "ModelNotFound",
        "model 'x' does not exist",
        "r-1",
        404,
    )
    assert str(error) == "ModelNotFound: model 'x' does not exist (HTTP 404, requestId r-1)"
    issues = {"error": {"code": "ValidationError", "message": "m", "requestId": "r", "issues": [{"field": "body.name"}]}}
    assert from_response(400, issues, None).issues == [{"field": "body.name"}]
    assert isinstance(from_response(400, issues, None), ValidationFailed)
    report = {"artifacts": [{"path": "a", "status": "missing"}]}
    refused = from_response(422, {"error": {"code": "ArtifactsNotVerified", "message": "m", "requestId": "r", "details": report}}, None)
    assert isinstance(refused, ArtifactsNotVerified) and refused.artifacts_report == report["artifacts"]
    assert isinstance(from_response(403, {"error": {"code": "SignatureDoesNotMatch", "message": "", "requestId": "r"}}, None), AuthenticationFailed)
    assert isinstance(from_response(409, {"error": {"code": "SomethingNew", "message": "", "requestId": "r"}}, None), Conflict)
    unknown = from_response(502, "<html>bad gateway</html>", "hdr-id")
    assert isinstance(unknown, ServerError) and isinstance(unknown, RegistryError)
    assert unknown.request_id == "hdr-id"
