"""The unmodified ``mlflow`` client against the registry's MLflow-compatible routes, signing with
this package's request auth provider (``MLFLOW_TRACKING_AUTH=model-registry-sigv4``).

Versions are created and sealed with the registry's own client (creating one through MLflow
needs the MLflow artifact routes, not built yet); everything else goes through ``MlflowClient``.
"""

from __future__ import annotations

import os
import time
import uuid
import warnings
from pathlib import Path
from typing import Iterator

import pytest

mlflow = pytest.importorskip("mlflow")
from mlflow import MlflowClient  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402

from model_registry import Registry  # noqa: E402
from model_registry.mlflow_auth import PROVIDER_NAME, canonical_query  # noqa: E402

WAIT = 30.0
NEEDS_APPROVAL = {"approvals": {"production": {"required": 1}}}


@pytest.fixture()
def mlflow_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    endpoint = os.environ.get("REGISTRY_ENDPOINT")
    if not endpoint:
        pytest.skip("REGISTRY_ENDPOINT is not set: no registry to test against")
    # The environment a team sets: nothing else changes in their code.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", endpoint)
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", endpoint)
    monkeypatch.setenv("MLFLOW_TRACKING_AUTH", PROVIDER_NAME)
    # Refusals are answered at once: no retries of MLflow's own to wait through.
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    yield endpoint


@pytest.fixture()
def client(mlflow_env: str) -> MlflowClient:
    return MlflowClient()


def as_role(monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    """Signs the following MLflow calls as another local principal (the provider follows the env)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", os.environ[f"REGISTRY_{role.upper()}_ACCESS_KEY_ID"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", os.environ[f"REGISTRY_{role.upper()}_SECRET_ACCESS_KEY"])


def new_name(prefix: str = "mlf") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def ready_version(registry: Registry, model: str, folder: Path, **fields: object) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.bin").write_bytes(uuid.uuid4().bytes * 64)
    version = registry.register_version(model, folder, progress=False, **fields)  # type: ignore[arg-type]
    assert version["status"] == "READY"
    return int(version["version"])


def wait_for_stage(client: MlflowClient, name: str, version: int, stage: str) -> object:
    deadline = time.monotonic() + WAIT
    while True:
        mv = client.get_model_version(name, str(version))
        if mv.current_stage == stage or time.monotonic() > deadline:
            return mv
        time.sleep(0.2)


def test_canonical_query_reads_plus_as_space_and_keeps_repeated_keys() -> None:
    assert canonical_query("filter=name+%3D+%27a+b%27&order_by=name+ASC&order_by=x") == (
        "filter=name%20%3D%20%27a%20b%27&order_by=name%20ASC&order_by=x"
    )
    assert canonical_query("a=%2B&b=~") == "a=%2B&b=~"


def test_registry_crud_through_mlflow_client(
    client: MlflowClient,
    registry: Registry,
    admin: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = new_name()
    created = client.create_registered_model(name, tags={"team": "risk"}, description="card fraud")
    assert (created.name, created.description, created.tags) == (name, "card fraud", {"team": "risk"})
    assert created.creation_timestamp > 1_000_000_000_000  # milliseconds

    client.update_registered_model(name, description="card fraud, EU")
    client.set_registered_model_tag(name, "owner", "risk team")
    client.delete_registered_model_tag(name, "team")
    got = client.get_registered_model(name)
    assert (got.description, got.tags) == ("card fraud, EU", {"owner": "risk team"})

    with pytest.raises(MlflowException, match="never reused"):
        client.rename_registered_model(name, name + "-v2")
    with pytest.raises(MlflowException, match="RESOURCE_ALREADY_EXISTS"):
        client.create_registered_model(name)
    with pytest.raises(MlflowException, match="RESOURCE_DOES_NOT_EXIST"):
        client.get_registered_model(name + "-missing")
    with pytest.raises(MlflowException, match="NOT_IMPLEMENTED"):
        client.create_model_version(name, "s3://elsewhere/model", await_creation_for=0)

    number = ready_version(registry, name, tmp_path / "v1", lineage={"runId": "run-123"})
    mv = client.get_model_version(name, str(number))
    assert (mv.version, mv.status, mv.current_stage, mv.run_id) == (str(number), "READY", "None", "run-123")
    assert mv.source.startswith("s3://") and mv.source.endswith(f"/versions/{number}")
    assert client.get_model_version_download_uri(name, str(number)) == mv.source

    client.update_model_version(name, str(number), description="first")
    client.set_model_version_tag(name, str(number), "dataset", "2026 q3")
    client.set_model_version_tag(name, str(number), "drop", "me")
    client.delete_model_version_tag(name, str(number), "drop")
    mv = client.get_model_version(name, str(number))
    assert (mv.description, mv.tags) == ("first", {"dataset": "2026 q3"})

    client.set_registered_model_alias(name, "champion", str(number))
    assert client.get_model_version_by_alias(name, "champion").version == str(number)
    assert client.get_registered_model(name).aliases == {"champion": str(number)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        latest = client.get_latest_versions(name, stages=["None"])
    assert [v.version for v in latest] == [str(number)]

    # Deletes are the admin's: the publisher is refused by the gateway (IAM in AWS).
    with pytest.raises(MlflowException, match="AccessDenied.*may be called by the roles admin"):
        client.delete_registered_model_alias(name, "champion")
    as_role(monkeypatch, "admin")
    client.delete_registered_model_alias(name, "champion")
    with pytest.raises(MlflowException, match="sealed versions are never deleted"):
        client.delete_model_version(name, str(number))
    client.delete_registered_model(name)
    with pytest.raises(MlflowException, match="RESOURCE_DOES_NOT_EXIST"):
        client.get_registered_model(name)

    # What MLflow did is the registry's history, by the principal who signed each call.
    entries = [(e["action"], e["actor"]) for e in registry.history(name)]
    publisher_arn, admin_arn = registry.whoami()["arn"], admin.whoami()["arn"]
    for entry in [
        ("MODEL_REGISTERED", publisher_arn),
        ("MODEL_UPDATED", publisher_arn),
        ("VERSION_UPDATED", publisher_arn),
        ("ALIAS_SET", publisher_arn),
        ("ALIAS_DELETED", admin_arn),
        ("MODEL_DELETED", admin_arn),
    ]:
        assert entry in entries


def test_search_filters_with_spaces_and_two_order_by_keys(
    client: MlflowClient, registry: Registry, tmp_path: Path
) -> None:
    prefix = new_name("mlfs")
    names = [f"{prefix}-a", f"{prefix}-b", f"{prefix}-c"]
    for n in names:
        client.create_registered_model(n, tags={"team": "risk team" if n != names[1] else "other"})
    # The last one updated comes first; the name breaks ties.
    client.update_registered_model(names[0], description="touched last")

    found = client.search_registered_models(
        filter_string=f"name LIKE '{prefix}-%' AND tags.team = 'risk team'",
        order_by=["last_updated_timestamp DESC", "name ASC"],
    )
    assert [m.name for m in found] == [names[0], names[2]]

    page = client.search_registered_models(filter_string=f"name ILIKE '{prefix.upper()}%'", max_results=2)
    assert [m.name for m in page] == names[:2] and page.token
    rest = client.search_registered_models(
        filter_string=f"name ILIKE '{prefix.upper()}%'", max_results=2, page_token=page.token
    )
    assert [m.name for m in rest] == names[2:] and not rest.token

    for i in range(2):
        ready_version(registry, names[0], tmp_path / f"v{i}", lineage={"runId": f"run {i}"})
    versions = client.search_model_versions(
        f"name = '{names[0]}' AND version_number >= 1 AND run_id IN ('run 0', 'run 1')",
        order_by=["version_number ASC", "last_updated_timestamp DESC"],
    )
    assert [(v.version, v.run_id) for v in versions] == [("1", "run 0"), ("2", "run 1")]

    with pytest.raises(MlflowException, match="needs a condition on name"):
        client.search_model_versions("run_id = 'run 0'")
    with pytest.raises(MlflowException, match="cannot filter on 'source_path'"):
        client.search_model_versions(f"name = '{names[0]}' AND source_path = 'x'")


def test_an_alias_on_an_unsealed_version_is_refused_with_the_reason(
    client: MlflowClient, registry: Registry
) -> None:
    name = new_name()
    registry.create_model(name)
    created = registry.create_version(name, [{"path": "model.bin", "size": 3, "sha256": "0" * 64}])
    number = str(created["version"])
    assert client.get_model_version(name, number).status == "PENDING_REGISTRATION"
    with pytest.raises(MlflowException, match="PENDING_UPLOAD, not READY"):
        client.set_registered_model_alias(name, "champion", number)


def test_production_under_a_policy_needing_approval_stays_in_staging_until_approved(
    client: MlflowClient, registry: Registry, approver: Registry, tmp_path: Path
) -> None:
    name = new_name()
    registry.create_model(name, policy=NEEDS_APPROVAL)
    number = ready_version(registry, name, tmp_path / "v1")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLflow deprecates stages; the registry governs them
        client.transition_model_version_stage(name, str(number), "Staging")
        assert wait_for_stage(client, name, number, "Staging").current_stage == "Staging"
        answer = client.transition_model_version_stage(name, str(number), "production")
    # The answer is the version as it stands: the move waits for an approver.
    assert answer.current_stage == "Staging"
    [waiting] = [t for t in registry.list_transitions(name, number) if t["to"] == "production"]
    waiting = registry.wait_for_transition(name, waiting["id"], until=("AWAITING_APPROVAL",), timeout=WAIT)
    assert waiting["status"] == "AWAITING_APPROVAL"
    assert client.get_model_version(name, str(number)).current_stage == "Staging"

    approver.approve(name, waiting["id"], "ship it")
    assert wait_for_stage(client, name, number, "Production").current_stage == "Production"

    # The same version through the native API: the stage moves were requested by the signer.
    me = registry.whoami()["arn"]
    requested = [e for e in registry.history(name) if e["action"] == "TRANSITION_REQUESTED"]
    assert len(requested) == 2 and all(e["actor"] == me for e in requested)


def test_mlflow_builtin_sigv4_switch_is_refused_exactly_where_documented(
    mlflow_env: str, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MLflow's own ``MLFLOW_TRACKING_AWS_SIGV4=true`` signs a query's ``+`` as a literal ``+``:
    the gateway (API Gateway, and local mode alike) refuses every query with a space; a request
    with no space in its query passes. docs/mlflow.md says so."""
    name = new_name()
    registry.create_model(name)
    monkeypatch.delenv("MLFLOW_TRACKING_AUTH")
    monkeypatch.setenv("MLFLOW_TRACKING_AWS_SIGV4", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", os.environ["AWS_REGION"])
    builtin = MlflowClient()
    assert builtin.get_registered_model(name).name == name
    with pytest.raises(MlflowException, match="SignatureDoesNotMatch"):
        builtin.search_registered_models(filter_string=f"name = '{name}'")
    with pytest.raises(MlflowException, match="SignatureDoesNotMatch"):
        builtin.search_model_versions(f"name='{name}'", order_by=["version_number", "name"])
    # No space and no repeated key: signed alike, it reaches the registry.
    with pytest.raises(MlflowException, match="RESOURCE_DOES_NOT_EXIST"):
        builtin.get_model_version_by_alias(name, "nosuch")
