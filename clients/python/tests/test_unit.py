"""Pieces that need no registry: references, file collection, verification, errors, encoding, and
the lifecycle methods against a fake API."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple, Union

import botocore.session
import pytest

from model_registry import (
    ENDED_TRANSITION_STATUSES,
    OPEN_TRANSITION_STATUSES,
    STAGES,
    TRANSITION_STATUSES,
    ArtifactsNotVerified,
    AuthenticationFailed,
    ChecksumMismatch,
    Conflict,
    ModelNotFound,
    ModelRegistryError,
    NotFound,
    Registry,
    RegistryError,
    ServerError,
    TransitionAlreadyOpen,
    TransitionFailed,
    TransitionNotFound,
    ValidationFailed,
    WaitTimeout,
    awaits_approvals,
    collect_files,
    hash_file,
    split_version_ref,
    verify_file,
)
from model_registry._http import ApiResponse, artifact_path_of, path_of, query_string
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


# ----------------------------------------------------------------------------------------------
# Stage lifecycle, against a fake API (no network)
# ----------------------------------------------------------------------------------------------

TID = "01JDQ5Z8Y7T3V4W5X6Y7Z8A9BC"


def a_transition(status: str, **extra: Any) -> Dict[str, Any]:
    """A transition as the registry answers it (staging → production, one approval required)."""
    return {
        "id": TID,
        "model": "fraud",
        "version": 7,
        "from": "staging",
        "to": "production",
        "kind": "promotion",
        "status": status,
        "requestedBy": "arn:aws:iam::000000000000:user/publisher",
        "approvalsRequired": 1,
        "allowSelfApproval": False,
        "approvals": [],
        **extra,
    }


class FakeApi:
    """Stands in for the signed API: records each call, answers with ``answer(method, path, query)``."""

    def __init__(self, answer: Callable[[str, str, Dict[str, Any]], Any]) -> None:
        self.answer = answer
        self.calls: List[Tuple[str, str, Any, Dict[str, Any]]] = []

    def request(self, method: str, path: str, *, body: Any = None, query: Any = None, **_: Any) -> ApiResponse:
        sent = {k: v for k, v in (query or {}).items() if v is not None}
        self.calls.append((method, path, body, sent))
        return ApiResponse(200, {}, self.answer(method, path, sent), None)


def offline(answer: Callable[[str, str, Dict[str, Any]], Any]) -> Tuple[Registry, FakeApi]:
    session = botocore.session.Session()
    session.set_credentials("AKIDEXAMPLE", "not-a-secret")
    registry = Registry("http://registry.test", region="us-east-1", session=session)
    api = FakeApi(answer)
    registry._api = api  # type: ignore[assignment]
    return registry, api


def polls(*statuses: Union[str, Dict[str, Any]]) -> Callable[[str, str, Dict[str, Any]], Any]:
    """POSTs answer the transition REQUESTED; each GET the next of ``statuses`` (the last one from then on)."""
    answers = [s if isinstance(s, dict) else a_transition(s) for s in statuses]
    seen = {"gets": 0}

    def answer(method: str, path: str, query: Dict[str, Any]) -> Any:
        if method != "GET":
            return a_transition("REQUESTED")
        index = min(seen["gets"], len(answers) - 1)
        seen["gets"] += 1
        return answers[index]

    return answer


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> List[float]:
    """A fake monotonic clock that ``time.sleep`` moves on; answers the sleeps."""
    now = [0.0]
    sleeps: List[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(time, "sleep", sleep)
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    return sleeps


def test_lifecycle_names() -> None:
    assert ENDED_TRANSITION_STATUSES == ("APPLIED", "REJECTED", "FAILED", "CANCELLED", "TIMED_OUT")
    assert set(OPEN_TRANSITION_STATUSES) | set(ENDED_TRANSITION_STATUSES) == set(TRANSITION_STATUSES)
    assert "production" in STAGES


def test_request_transition_posts_the_stage_and_answers_the_request() -> None:
    registry, api = offline(polls("REQUESTED"))
    answered = registry.request_transition("fraud", 7, "production", "AUC 0.947")
    assert answered["status"] == "REQUESTED"
    assert api.calls == [("POST", "/models/fraud/versions/7/transitions", {"to": "production", "comment": "AUC 0.947"}, {})]
    registry.request_transition("fraud", 7, "staging")
    assert api.calls[-1][2] == {"to": "staging"}


def test_request_transition_wait_polls_with_back_off_until_applied(clock: List[float]) -> None:
    registry, api = offline(polls("REQUESTED", "VALIDATING", "VALIDATING", "VALIDATING", "VALIDATING", "APPLIED"))
    done = registry.request_transition("fraud", 7, "staging", wait=True)
    assert done["status"] == "APPLIED"
    assert [c[:2] for c in api.calls[1:]] == [("GET", f"/models/fraud/transitions/{TID}")] * 6
    assert clock == [0.25, 0.5, 1.0, 2.0, 2.0]


def test_wait_true_stops_while_approvals_are_missing(clock: List[float]) -> None:
    registry, _ = offline(polls("VALIDATING", "AWAITING_APPROVAL"))
    assert registry.request_transition("fraud", 7, "production", wait=True)["status"] == "AWAITING_APPROVAL"
    assert awaits_approvals(a_transition("AWAITING_APPROVAL"))


def test_wait_goes_on_once_the_approvals_needed_are_recorded(clock: List[float]) -> None:
    approved = a_transition("AWAITING_APPROVAL", approvals=[{"by": "arn:approver", "decision": "APPROVED"}])
    assert not awaits_approvals(approved)
    registry, api = offline(polls(approved, approved, "VALIDATING", "APPLIED"))
    done = registry.wait_for_transition("fraud", TID, until=("APPLIED", "AWAITING_APPROVAL"))
    assert done["status"] == "APPLIED" and len(api.calls) == 4


def test_a_transition_that_ends_without_applying_raises_transition_failed(clock: List[float]) -> None:
    rejected = a_transition("REJECTED", reason="rejected by arn:approver: AUC too low")
    registry, _ = offline(polls("VALIDATING", rejected))
    with pytest.raises(TransitionFailed) as caught:
        registry.wait_for_transition("fraud", TID)
    error = caught.value
    assert isinstance(error, ModelRegistryError)
    assert (error.status, error.reason, error.transition_id, error.model) == (
        "REJECTED",
        "rejected by arn:approver: AUC too low",
        TID,
        "fraud",
    )
    assert error.transition == rejected
    assert str(error) == f"transition {TID} of 'fraud' v7 staging → production: REJECTED: rejected by arn:approver: AUC too low"
    # Asking for an ended status answers it instead.
    registry, _ = offline(polls("CANCELLED"))
    assert registry.wait_for_transition("fraud", TID, until=("CANCELLED",))["status"] == "CANCELLED"


def test_wait_for_transition_times_out(clock: List[float]) -> None:
    registry, _ = offline(polls("VALIDATING"))
    with pytest.raises(WaitTimeout, match=r"VALIDATING; still open after 3 s") as caught:
        registry.wait_for_transition("fraud", TID, timeout=3)
    assert isinstance(caught.value, TimeoutError)
    assert clock == [0.25, 0.5, 1.0, 1.25], "never sleeps past the deadline"


def test_lists_follow_next_token_on_their_routes() -> None:
    def paged(method: str, path: str, query: Dict[str, Any]) -> Any:
        if "nextToken" in query:
            return {"items": [{"n": 2}]}
        return {"items": [{"n": 1}], "nextToken": "t1"}

    registry, api = offline(paged)
    assert list(registry.list_transitions("fraud", status="AWAITING_APPROVAL", page_size=1)) == [{"n": 1}, {"n": 2}]
    assert api.calls == [
        ("GET", "/models/fraud/transitions", None, {"status": "AWAITING_APPROVAL", "limit": 1}),
        ("GET", "/models/fraud/transitions", None, {"status": "AWAITING_APPROVAL", "limit": 1, "nextToken": "t1"}),
    ]
    cases = [
        (lambda: registry.list_transitions("fraud", 3), "/models/fraud/versions/3/transitions"),
        (lambda: registry.list_approvals(), "/approvals"),
        (lambda: registry.stage_history("fraud", "production"), "/models/fraud/stages/production/history"),
    ]
    for listing, path in cases:
        api.calls.clear()
        assert list(listing()) == [{"n": 1}, {"n": 2}]
        assert [(c[1], c[3].get("nextToken")) for c in api.calls] == [(path, None), (path, "t1")]
    with pytest.raises(ValueError, match="status filters a model's transitions"):
        registry.list_transitions("fraud", 3, status="APPLIED")


def test_decisions_cancel_and_rollback_send_their_requests() -> None:
    registry, api = offline(polls("AWAITING_APPROVAL"))
    registry.get_transition("fraud", TID)
    registry.approve("fraud", TID)
    registry.approve("fraud", TID, "looks good")
    registry.reject("fraud", TID, "AUC too low")
    registry.cancel("fraud", TID)
    registry.cancel("fraud", TID, force=True)
    registry.rollback("fraud", comment="v7 regressed")
    assert [c[:3] for c in api.calls] == [
        ("GET", f"/models/fraud/transitions/{TID}", None),
        ("POST", f"/models/fraud/transitions/{TID}/approve", {}),
        ("POST", f"/models/fraud/transitions/{TID}/approve", {"comment": "looks good"}),
        ("POST", f"/models/fraud/transitions/{TID}/reject", {"comment": "AUC too low"}),
        ("POST", f"/models/fraud/transitions/{TID}/cancel", {}),
        ("DELETE", f"/models/fraud/transitions/{TID}", None),
        ("POST", "/models/fraud/rollback", {"stage": "production", "comment": "v7 regressed"}),
    ]
    with pytest.raises(ValueError, match="needs a comment"):
        registry.reject("fraud", TID, "")
    with pytest.raises(ValueError, match="takes no comment"):
        registry.cancel("fraud", TID, "why", force=True)
    assert len(api.calls) == 7, "refused before sending"


def test_lifecycle_errors_are_typed() -> None:
    body = {
        "error": {
            "code": "TransitionAlreadyOpen",
            "message": "version 7 of 'fraud' already has an open request",
            "requestId": "r",
            "details": {"transitionId": TID},
        }
    }
    error = from_response(409, body, None)
    assert isinstance(error, TransitionAlreadyOpen) and isinstance(error, Conflict)
    assert error.transition_id == TID
    missing = from_response(404, {"error": {"code": "TransitionNotFound", "message": "m", "requestId": "r"}}, None)
    assert isinstance(missing, TransitionNotFound) and isinstance(missing, NotFound)
    assert isinstance(from_response(409, {"error": {"code": "NothingToRollBack", "message": "", "requestId": "r"}}, None), Conflict)


# ----------------------------------------------------------------------------------------------
# Uploading to a sealed or abandoned version, and abandoning (issue 20, part 2 items 1 and 2)
# ----------------------------------------------------------------------------------------------


def a_version(status: str, data: bytes) -> Dict[str, Any]:
    return {
        "model": "fraud",
        "version": 7,
        "status": status,
        "artifacts": [{"path": "model.onnx", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}],
    }


def test_resume_upload_on_a_ready_version_refuses_local_files_that_differ(tmp_path: Path) -> None:
    from model_registry import VersionSealed

    (tmp_path / "model.onnx").write_bytes(b"retrained weights")
    registry, api = offline(lambda method, path, query: a_version("READY", b"the weights of v7"))
    with pytest.raises(VersionSealed) as refused:
        registry.resume_upload("fraud", 7, tmp_path, progress=False)
    assert "version 7 of 'fraud' is sealed (READY)" in str(refused.value)
    assert "register_version('fraud'" in str(refused.value)
    assert [c[:2] for c in api.calls] == [("GET", "/models/fraud/versions/7")]


def test_resume_upload_on_a_ready_version_answers_it_when_the_files_are_the_declared_ones(tmp_path: Path) -> None:
    (tmp_path / "model.onnx").write_bytes(b"the weights of v7")
    registry, _ = offline(lambda method, path, query: a_version("READY", b"the weights of v7"))
    assert registry.resume_upload("fraud", 7, tmp_path, progress=False)["status"] == "READY"


def test_resume_upload_on_an_abandoned_version_is_refused(tmp_path: Path) -> None:
    from model_registry import VersionAbandoned

    (tmp_path / "model.onnx").write_bytes(b"the weights of v7")
    registry, _ = offline(lambda method, path, query: a_version("ABANDONED", b"the weights of v7"))
    with pytest.raises(VersionAbandoned):
        registry.resume_upload("fraud", 7, tmp_path, progress=False)


def test_abandon_version_posts_the_abandon_route() -> None:
    registry, api = offline(lambda method, path, query: a_version("ABANDONED", b"x"))
    assert registry.abandon_version("fraud", 7)["status"] == "ABANDONED"
    assert [c[:2] for c in api.calls] == [("POST", "/models/fraud/versions/7/abandon")]
