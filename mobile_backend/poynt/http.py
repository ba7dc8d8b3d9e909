"""The transport: one pooled requests Session, Poynt's headers, typed errors.

Retries are one policy, urllib3's: connection errors, 429 and 5xx, with
exponential backoff and jitter, honouring Retry-After. Every call carries a
Poynt-Request-Id, which a retry repeats, so a retried write is not done twice.
"""

import logging
import uuid

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .errors import (
    PoyntAuthError,
    PoyntConflict,
    PoyntError,
    PoyntNotFound,
    PoyntRequestError,
    PoyntUnavailable,
)

log = logging.getLogger(__name__)

API_VERSION = "1.2"
CONNECT_TIMEOUT = 3.05
RETRY_STATUSES = (429, 500, 502, 503, 504)
RETRY_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


def new_request_id() -> str:
    return str(uuid.uuid4())


def make_session(max_retries: int, pool_size: int = 20) -> requests.Session:
    retry = Retry(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=RETRY_METHODS,
        backoff_factor=0.25,
        backoff_jitter=0.25,
        backoff_max=4,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(
        max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _error_for(status: int) -> type[PoyntError]:
    if status in (401, 403):
        return PoyntAuthError
    if status == 404:
        return PoyntNotFound
    if status == 409:
        return PoyntConflict
    if status in RETRY_STATUSES:
        return PoyntUnavailable
    return PoyntRequestError


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: float,
    token: str | None = None,
    request_id: str | None = None,
    **kwargs,
):
    """Make one Poynt call (with the retry policy) and answer its JSON body."""
    request_id = request_id or new_request_id()
    headers = {
        "api-version": API_VERSION,
        "Poynt-Request-Id": request_id,
        "Accept": "application/json",
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    headers.update(kwargs.pop("headers", {}))
    try:
        response = session.request(
            method,
            url,
            headers=headers,
            timeout=(CONNECT_TIMEOUT, timeout),
            **kwargs,
        )
    except requests.RequestException as error:
        raise PoyntUnavailable(
            f"{method} {url} failed: {type(error).__name__}",
            request_id=request_id,
        ) from error

    if response.status_code < 400:
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise PoyntUnavailable(
                f"{method} {url} answered a body that is not JSON",
                status=response.status_code,
                request_id=request_id,
            ) from None

    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = body.get("message") or body.get("developerMessage") or response.reason
    raise _error_for(response.status_code)(
        f"{method} {url} answered {response.status_code}: {message}",
        status=response.status_code,
        code=body.get("code"),
        request_id=body.get("requestId") or request_id,
        body=body,
    )
