"""The stage lifecycle against a running registry: the publisher requests, the approver decides,
the registry's workflow (in local mode, the workflow runner of ``npm start`` and of the test
setup) validates and applies. Each wait is bounded (``WAIT`` seconds)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from model_registry import (
    AccessDenied,
    Conflict,
    Registry,
    TransitionAlreadyOpen,
    TransitionFailed,
    TransitionNotFound,
)

#: Seconds a test waits for the workflow to move a transition on.
WAIT = 30.0
NEEDS_APPROVAL = {"approvals": {"production": {"required": 1}}}


def new_model(registry: Registry, policy: object = None) -> str:
    name = f"py-life-{uuid.uuid4().hex[:10]}"
    registry.create_model(name, description="python lifecycle test", policy=policy)  # type: ignore[arg-type]
    return name


def ready_version(registry: Registry, model: str, folder: Path) -> int:
    """Uploads and seals a one-file version (its bytes differ per call) and answers its number."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.bin").write_bytes(uuid.uuid4().bytes * 64)
    version = registry.register_version(model, folder, metrics={"auc": 0.95}, progress=False)
    assert version["status"] == "READY"
    return int(version["version"])


def test_staging_then_approved_production_then_stage_history(
    registry: Registry, approver: Registry, reader: Registry, tmp_path: Path
) -> None:
    model = new_model(registry, NEEDS_APPROVAL)
    version = ready_version(registry, model, tmp_path / "v1")

    staging = registry.request_transition(model, version, "staging", "for evaluation", wait=True, timeout=WAIT)
    assert (staging["status"], staging["from"], staging["to"]) == ("APPLIED", "development", "staging")

    requested = registry.request_transition(model, version, "production", "AUC 0.95 on holdout")
    assert requested["status"] == "REQUESTED" and requested["approvalsRequired"] == 1
    waiting = registry.wait_for_transition(model, requested["id"], until=("AWAITING_APPROVAL",), timeout=WAIT)
    assert waiting["status"] == "AWAITING_APPROVAL"
    assert waiting["validation"]["passed"] is True
    assert requested["id"] in [t["id"] for t in approver.list_approvals()]

    # Four eyes: the publisher has no approve route.
    with pytest.raises(AccessDenied):
        registry.approve(model, requested["id"])
    approved = approver.approve(model, requested["id"], "ship it")
    assert [a["decision"] for a in approved["approvals"]] == ["APPROVED"]
    applied = registry.wait_for_transition(model, requested["id"], timeout=WAIT)
    assert (applied["status"], applied["to"]) == ("APPLIED", "production")
    assert reader.get_model(model)["stages"] == {"production": version}

    tenures = list(reader.stage_history(model, "production"))
    assert len(tenures) == 1
    assert tenures[0]["version"] == version and "until" not in tenures[0]
    assert tenures[0]["enteredWith"] == requested["id"]
    assert len(tenures[0]["approvedBy"]) == 1
    assert [t["id"] for t in reader.list_transitions(model, version)] == [requested["id"], staging["id"]]
    assert [t["id"] for t in reader.list_transitions(model, status="APPLIED")] == [requested["id"], staging["id"]]


def test_a_rejection_raises_transition_failed_with_the_reason(
    registry: Registry, approver: Registry, tmp_path: Path
) -> None:
    model = new_model(registry, NEEDS_APPROVAL)
    version = ready_version(registry, model, tmp_path / "v1")
    registry.request_transition(model, version, "staging", wait=True, timeout=WAIT)
    waiting = registry.request_transition(model, version, "production", wait=True, timeout=WAIT)
    assert waiting["status"] == "AWAITING_APPROVAL", "wait=True stops where approvers are needed"

    approver.reject(model, waiting["id"], "AUC below the November holdout")
    with pytest.raises(TransitionFailed) as caught:
        registry.wait_for_transition(model, waiting["id"], timeout=WAIT)
    failed = caught.value
    assert failed.status == "REJECTED"
    assert failed.reason and "AUC below the November holdout" in failed.reason
    assert failed.transition["approvals"][-1]["decision"] == "REJECTED"
    assert "REJECTED" in str(failed)


def test_cancel_own_request_admin_cancel_and_typed_errors(
    registry: Registry, admin: Registry, reader: Registry, tmp_path: Path
) -> None:
    model = new_model(registry, NEEDS_APPROVAL)
    first = ready_version(registry, model, tmp_path / "v1")
    second = ready_version(registry, model, tmp_path / "v2")
    for version in (first, second):
        registry.request_transition(model, version, "staging", wait=True, timeout=WAIT)

    open_one = registry.request_transition(model, first, "production")
    with pytest.raises(TransitionAlreadyOpen) as already:
        registry.request_transition(model, first, "production")
    assert already.value.transition_id == open_one["id"]
    cancelled = registry.cancel(model, open_one["id"], "wrong version")
    assert cancelled["status"] == "CANCELLED"
    with pytest.raises(TransitionFailed) as ended:
        registry.wait_for_transition(model, open_one["id"], timeout=WAIT)
    assert ended.value.status == "CANCELLED"

    other = registry.request_transition(model, second, "production", wait=True, timeout=WAIT)
    assert other["status"] == "AWAITING_APPROVAL"
    with pytest.raises(AccessDenied):
        reader.cancel(model, other["id"])
    forced = admin.cancel(model, other["id"], force=True)
    assert forced["status"] == "CANCELLED"
    assert {t["id"] for t in reader.list_transitions(model, status="CANCELLED")} == {open_one["id"], other["id"]}

    with pytest.raises(TransitionNotFound):
        reader.get_transition(model, "01JDQ5Z8Y7T3V4W5X6Y7Z8A9BC")


def test_rollback_restores_the_previous_production_version(registry: Registry, tmp_path: Path) -> None:
    model = new_model(registry)  # no policy: production needs no approval
    with pytest.raises(Conflict) as nothing:
        registry.rollback(model)
    assert nothing.value.code == "NothingToRollBack"
    for n in (1, 2):
        version = ready_version(registry, model, tmp_path / f"v{n}")
        registry.request_transition(model, version, "staging", wait=True, timeout=WAIT)
        assert registry.request_transition(model, version, "production", wait=True, timeout=WAIT)["status"] == "APPLIED"

    rollback = registry.rollback(model, comment="v2 regressed", wait=True, timeout=WAIT)
    assert (rollback["status"], rollback["kind"], rollback["version"], rollback["previous"]) == (
        "APPLIED",
        "rollback",
        1,
        2,
    )
    tenures = list(registry.stage_history(model, "production"))
    assert [t["version"] for t in tenures] == [1, 2, 1]
    assert tenures[0]["enteredWith"] == rollback["id"] and "until" not in tenures[0]
