"""SigV4 signing for the ``mlflow`` client: a request auth provider named ``model-registry-sigv4``.

Installed with the ``mlflow`` extra (``pip install "model-registry-client[mlflow]"``), it is
registered in MLflow's entry point group ``mlflow.request_auth_provider``; MLflow uses it when
``MLFLOW_TRACKING_AUTH=model-registry-sigv4``. Credentials come from botocore's normal chain
(environment, profile, SSO, container and instance roles, SageMaker), the region from
``AWS_REGION`` / ``AWS_DEFAULT_REGION``, the profile, or the ``execute-api`` host name.

Why not MLflow's own ``MLFLOW_TRACKING_AWS_SIGV4=true``: it signs a query's ``+`` (the form
encoding of a space, which is how ``requests`` sends one) as a literal ``+``, and keeps only the
last of repeated query keys, while API Gateway reads ``+`` as a space and keeps every key. So
every search whose filter has a space, and every search with two ``order_by`` keys, is refused
with 403. This provider first rewrites the query in SigV4's canonical form (spaces as ``%20``,
every key kept, in order) and signs exactly what is sent.
"""

from __future__ import annotations

import os
import re
import threading
from typing import Any, Optional
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

try:  # MLflow is only needed to register the provider, not to sign.
    from mlflow.tracking.request_auth.abstract_request_auth_provider import (
        RequestAuthProvider as _Base,
    )
except ImportError:  # pragma: no cover - exercised only without mlflow installed
    _Base = object  # type: ignore[misc,assignment]

import requests

PROVIDER_NAME = "model-registry-sigv4"
SERVICE = "execute-api"
_REGION_IN_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com")
#: Headers signed besides ``host`` and the ``x-amz-*`` ones botocore adds.
_SIGNED_HEADERS = ("content-type",)


def canonical_query(query: str) -> str:
    """The query with ``+`` read as a space (as API Gateway reads it) and every key and value
    encoded as SigV4 wants them (RFC 3986, a space as ``%20``), in the order sent."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)


class RegistrySigV4(requests.auth.AuthBase):
    """A ``requests`` auth that signs each request with SigV4 for ``execute-api``."""

    def __init__(
        self,
        session: Optional[Any] = None,
        region: Optional[str] = None,
        service: str = SERVICE,
    ) -> None:
        self._session = session if session is not None else botocore.session.Session()
        self._region = region
        self._service = service
        self._lock = threading.Lock()
        self._credentials: Optional[Credentials] = None

    def _region_for(self, host: str) -> str:
        region = (
            self._region
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or self._session.get_config_variable("region")
        )
        if not region:
            match = _REGION_IN_HOST.search(host)
            region = match.group(1) if match else None
        if not region:
            raise RuntimeError(
                "model-registry-sigv4: no region to sign for: set AWS_REGION, or the profile's region"
            )
        return str(region)

    def _frozen_credentials(self):
        with self._lock:
            if self._credentials is None:
                self._credentials = self._session.get_credentials()
            if self._credentials is None:
                raise RuntimeError(
                    "model-registry-sigv4: no AWS credentials found: set AWS_ACCESS_KEY_ID/"
                    "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, log in with `aws sso login`, or run where "
                    "an execution role is attached"
                )
            return self._credentials.get_frozen_credentials()

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(request.url)
        if parts.query:
            request.url = urlunsplit(parts._replace(query=canonical_query(parts.query)))
        body = request.body if request.body is not None else b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() in _SIGNED_HEADERS
        }
        signed = AWSRequest(method=request.method, url=request.url, data=body, headers=headers)
        SigV4Auth(self._frozen_credentials(), self._service, self._region_for(parts.netloc)).add_auth(
            signed
        )
        for name, value in signed.headers.items():
            request.headers[name] = value
        return request


#: The environment variables that choose which credentials the chain finds first.
_CHAIN_SELECTORS = ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_FULL_URI")


class RegistrySigV4Provider(_Base):  # type: ignore[misc,valid-type]
    """MLflow's request auth provider ``model-registry-sigv4`` (entry point group
    ``mlflow.request_auth_provider``).

    MLflow asks for an auth object on every request: the signer (and with it the credentials
    the chain resolved, which refresh themselves when they are temporary) is kept, and made anew
    only when the environment names other credentials (another key or profile)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._auth: Optional[RegistrySigV4] = None
        self._selected: Optional[tuple] = None

    def get_name(self) -> str:
        return PROVIDER_NAME

    def get_auth(self) -> RegistrySigV4:
        selected = tuple(os.environ.get(name) for name in _CHAIN_SELECTORS)
        with self._lock:
            if self._auth is None or selected != self._selected:
                self._auth = RegistrySigV4()
                self._selected = selected
            return self._auth
