"""Fixtures: clients of the running local registry (endpoint and keys from the environment).

``REGISTRY_ENDPOINT``, ``AWS_REGION``, ``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY`` (the
publisher) are required by the integration tests; ``REGISTRY_READER_ACCESS_KEY_ID`` /
``REGISTRY_READER_SECRET_ACCESS_KEY``, ``REGISTRY_APPROVER_*`` and ``REGISTRY_ADMIN_*`` (the same
two names) sign as the reader, the approver and the admin (a test that uses one fails, with that
message, when its keys are not given); and
``REGISTRY_MULTIPART_THRESHOLD_BYTES`` states the registry's threshold (default 16 MiB, the test
registry's). Without ``REGISTRY_ENDPOINT`` those tests are skipped; the unit tests still run.

``--fail-on-skip`` (which the registry's own test command, ``npm test``, passes) turns any skipped
test into a failed run: there, every test must have run.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

import botocore.session
import pytest

from model_registry import Registry

MiB = 1024 * 1024
PART_SIZE = 8 * MiB


def _endpoint() -> str:
    endpoint = os.environ.get("REGISTRY_ENDPOINT")
    if not endpoint:
        pytest.skip("REGISTRY_ENDPOINT is not set: no registry to test against")
    return endpoint


def _session(access_key: str, secret_key: str) -> botocore.session.Session:
    session = botocore.session.Session()
    session.set_credentials(access_key, secret_key)
    return session


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fail-on-skip",
        action="store_true",
        help="fail the run when any test was skipped (or xfailed): every test must run",
    )


_SKIPPED: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if session.config.getoption("--fail-on-skip") and _SKIPPED and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # noqa: ANN001
    if config.getoption("--fail-on-skip") and _SKIPPED:
        terminalreporter.write_line(
            f"--fail-on-skip: {len(_SKIPPED)} test(s) skipped, so the run fails: {', '.join(_SKIPPED)}",
            red=True,
        )


@pytest.fixture(scope="session")
def registry() -> Iterator[Registry]:
    """The publisher, signing with the default credential chain (the AWS_* variables)."""
    client = Registry(_endpoint(), region=os.environ.get("AWS_REGION"))
    yield client
    client.close()


def _principal(role: str) -> Registry:
    key = os.environ.get(f"REGISTRY_{role.upper()}_ACCESS_KEY_ID")
    secret = os.environ.get(f"REGISTRY_{role.upper()}_SECRET_ACCESS_KEY")
    endpoint = _endpoint()
    if not key or not secret:
        pytest.fail(
            f"REGISTRY_{role.upper()}_ACCESS_KEY_ID and REGISTRY_{role.upper()}_SECRET_ACCESS_KEY are not set: "
            f"the lifecycle tests need the {role}'s keys (local mode prints them at start)"
        )
    return Registry(endpoint, region=os.environ.get("AWS_REGION"), session=_session(key, secret))


@pytest.fixture(scope="session")
def reader() -> Iterator[Registry]:
    """A read-only principal: reads what the publisher wrote, and is refused writes."""
    client = _principal("reader")
    yield client
    client.close()


@pytest.fixture(scope="session")
def approver() -> Iterator[Registry]:
    """The approver: approves and rejects transitions (never the publisher: four eyes)."""
    client = _principal("approver")
    yield client
    client.close()


@pytest.fixture(scope="session")
def admin() -> Iterator[Registry]:
    """The admin: cancels anyone's transition request (``cancel(force=True)``)."""
    client = _principal("admin")
    yield client
    client.close()


@pytest.fixture(scope="session")
def threshold() -> int:
    return int(os.environ.get("REGISTRY_MULTIPART_THRESHOLD_BYTES", str(16 * MiB)))


@pytest.fixture(scope="session")
def big_size(threshold: int) -> int:
    """Above the multipart threshold: with 8 MiB parts, 16 MiB + 4 MiB + a bit is 3 parts."""
    return threshold + 4 * MiB + 12345


def write_random(path: Path, size: int) -> Path:
    """A file of ``size`` random bytes, written 1 MiB at a time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        left = size
        while left:
            block = os.urandom(min(MiB, left))
            f.write(block)
            left -= len(block)
    return path


@pytest.fixture(scope="session")
def model_folder(tmp_path_factory: pytest.TempPathFactory, big_size: int) -> Path:
    """``config.json`` (small, one PUT) and ``weights/model.bin`` (multipart, 3 parts)."""
    root = tmp_path_factory.mktemp("model")
    (root / "config.json").write_text('{"layers": 3}\n')
    write_random(root / "weights" / "model.bin", big_size)
    return root


@pytest.fixture
def model(registry: Registry) -> str:
    """A new model, named so that tests never collide."""
    name = f"py-{uuid.uuid4().hex[:10]}"
    registry.create_model(name, description="python client test")
    return name
