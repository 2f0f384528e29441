"""HTTP plumbing: SigV4-signed JSON calls to the registry API, plain calls to presigned S3 URLs.

Signing uses botocore (``SigV4Auth``, service ``execute-api``) with credentials from the normal
AWS chain; the bytes go through urllib3, which botocore already depends on.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Tuple, TypeVar, Union
from urllib.parse import quote, urlsplit

import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ._version import __version__
from .errors import ModelRegistryError, from_response

SERVICE = "execute-api"
USER_AGENT = f"model-registry-client-python/{__version__}"

#: HTTP statuses worth another attempt (throttling and transient server failures).
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Methods that may be sent again as they are; a POST only with an ``Idempotency-Key``.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

T = TypeVar("T")
QueryValue = Union[str, int, float, bool, None]


def encode_segment(value: Union[str, int]) -> str:
    """RFC 3986 encoding of one path segment: only ``A-Za-z0-9-_.~`` stay as they are."""
    text = str(value)
    if text in ("", ".", ".."):
        raise ValueError(f"invalid path segment {text!r}")
    return quote(text, safe="")


def path_of(*segments: Union[str, int]) -> str:
    """``/models/a.b/versions/3`` from segments, each encoded whole."""
    return "".join("/" + encode_segment(s) for s in segments)


def artifact_path_of(path: str) -> str:
    """An artifact path (``weights/model.onnx``) as URL segments, keeping its ``/``."""
    return "/".join(encode_segment(s) for s in path.split("/"))


def query_string(query: Optional[Mapping[str, QueryValue]]) -> str:
    """An RFC 3986-encoded query string, in the given order; ``None`` values are dropped."""
    if not query:
        return ""
    pairs = []
    for key, value in query.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        pairs.append(f"{quote(str(key), safe='')}={quote(str(value), safe='')}")
    return "&".join(pairs)


def backoff_delay(attempt: int, base: float = 0.25, cap: float = 8.0) -> float:
    """Exponential back-off with full jitter: a random delay up to ``base * 2**attempt`` (capped)."""
    return random.uniform(0, min(cap, base * (2**attempt)))


@dataclass
class ApiResponse:
    """A registry API answer: status, lower-cased headers, parsed JSON body (``None`` when empty)."""

    status: int
    headers: Dict[str, str]
    body: Any
    request_id: Optional[str]


class Pools:
    """urllib3 pools shared by API and S3 calls, honouring ``HTTPS_PROXY``/``NO_PROXY`` and ``AWS_CA_BUNDLE``."""

    def __init__(self, maxsize: int = 16, connect_timeout: float = 10.0, read_timeout: float = 300.0) -> None:
        self._kwargs: Dict[str, Any] = {
            "num_pools": 20,
            "maxsize": maxsize,
            "block": False,
            "timeout": urllib3.Timeout(connect=connect_timeout, read=read_timeout),
            "retries": False,
        }
        ca = os.environ.get("AWS_CA_BUNDLE") or os.environ.get("REQUESTS_CA_BUNDLE")
        if ca:
            self._kwargs["ca_certs"] = ca
        self._direct = urllib3.PoolManager(**self._kwargs)
        self._proxied: Dict[str, urllib3.ProxyManager] = {}
        self._proxies = urllib.request.getproxies()
        self._lock = threading.Lock()

    def for_url(self, url: str) -> urllib3.PoolManager:
        parts = urlsplit(url)
        proxy = self._proxies.get(parts.scheme)
        if not proxy or urllib.request.proxy_bypass(parts.hostname or ""):
            return self._direct
        with self._lock:
            if proxy not in self._proxied:
                self._proxied[proxy] = urllib3.ProxyManager(proxy, **self._kwargs)
            return self._proxied[proxy]

    def request(self, method: str, url: str, **kwargs: Any) -> urllib3.BaseHTTPResponse:
        kwargs.setdefault("retries", False)
        return self.for_url(url).request(method, url, **kwargs)

    def clear(self) -> None:
        self._direct.clear()
        for manager in self._proxied.values():
            manager.clear()


TRANSIENT_ERRORS: Tuple[type, ...] = (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError)


class SignedApi:
    """SigV4-signed JSON requests to the registry, with retries where a retry is safe."""

    def __init__(
        self,
        endpoint: str,
        region: str,
        credentials_provider: Callable[[], Optional[Credentials]],
        pools: Pools,
        max_attempts: int = 5,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self._credentials = credentials_provider
        self._pools = pools
        self.max_attempts = max_attempts

    def _sign(self, method: str, url: str, body: bytes, headers: Dict[str, str]) -> Dict[str, str]:
        credentials = self._credentials()
        if credentials is None:
            raise ModelRegistryError(
                "no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, "
                "log in with `aws sso login`, or run where an execution role is attached"
            )
        request = AWSRequest(method=method, url=url, data=body, headers=headers)
        SigV4Auth(credentials.get_frozen_credentials(), SERVICE, self.region).add_auth(request)
        return dict(request.headers.items())

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Optional[Mapping[str, QueryValue]] = None,
        headers: Optional[Mapping[str, str]] = None,
        idempotency_key: Optional[str] = None,
        ok: Iterable[int] = (),
    ) -> ApiResponse:
        """Sends one API call; answers the response, or raises the typed :class:`RegistryError`.

        ``ok`` lists error statuses to answer instead of raising. A POST gets an
        ``Idempotency-Key`` (``idempotency_key``, else a fresh UUID) so that its retries are safe.
        """
        method = method.upper()
        qs = query_string(query)
        url = self.endpoint + path + (f"?{qs}" if qs else "")
        data = b"" if body is None else json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
        base_headers = {"accept": "application/json", "user-agent": USER_AGENT}
        if body is not None:
            base_headers["content-type"] = "application/json"
        if method == "POST":
            base_headers["idempotency-key"] = idempotency_key or str(uuid.uuid4())
        for key, value in (headers or {}).items():
            base_headers[key.lower()] = value
        retry_safe = method in IDEMPOTENT_METHODS or "idempotency-key" in base_headers
        attempt = 0
        while True:
            signed = self._sign(method, url, data, dict(base_headers))
            try:
                response = self._pools.request(method, url, body=data or None, headers=signed)
            except TRANSIENT_ERRORS:
                if not retry_safe or attempt + 1 >= self.max_attempts:
                    raise
                time.sleep(backoff_delay(attempt))
                attempt += 1
                continue
            status = response.status
            if status in RETRYABLE_STATUSES and retry_safe and attempt + 1 < self.max_attempts:
                time.sleep(retry_after(response.headers.get("retry-after"), attempt))
                attempt += 1
                continue
            return self._answer(response, set(ok))

    @staticmethod
    def _answer(response: urllib3.BaseHTTPResponse, ok: set) -> ApiResponse:
        headers = {k.lower(): v for k, v in response.headers.items()}
        raw = response.data or b""
        try:
            parsed: Any = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        request_id = headers.get("x-amzn-requestid")
        if response.status >= 400 and response.status not in ok:
            raise from_response(response.status, parsed, request_id)
        return ApiResponse(response.status, headers, parsed, request_id)


def retry_after(header: Optional[str], attempt: int) -> float:
    """Seconds to wait: a numeric ``Retry-After`` (at most 20 s), else the back-off delay."""
    if header:
        try:
            return min(20.0, max(0.0, float(header)))
        except ValueError:
            pass
    return backoff_delay(attempt)
