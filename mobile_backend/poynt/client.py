"""Poynt Cloud API calls, app-level and per business, with token upkeep.

A business's access token is reused until shortly before it expires; then
exactly one caller refreshes it (a lease row in the database, plus a lock in
the process) while the others wait and reuse the new one. A 401 refreshes
once and retries once.
"""

import logging
import threading
import time
import uuid
from collections import defaultdict
from datetime import timedelta

import jwt
from cryptography.fernet import InvalidToken
from flask import current_app
from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from .. import keys
from ..extensions import db
from ..models import new_id, utcnow
from . import http
from .errors import PoyntAuthError, PoyntError, PoyntRequestError, PoyntUnavailable
from .models import PoyntToken

log = logging.getLogger(__name__)

JWT_LIFETIME = 300
LEASE_SECONDS = 30
WAIT_FOR_LEASE = 15.0
_process_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
_session_lock = threading.Lock()
_app_token_lock = threading.Lock()
_app_token: dict = {}


def _http_session():
    """One pooled session per process, shared by every thread."""
    app = current_app._get_current_object()
    with _session_lock:
        session = app.extensions.get("poynt_http")
        if session is None:
            session = http.make_session(app.config["POYNT_MAX_RETRIES"])
            app.extensions["poynt_http"] = session
    return session


def stable_request_id(*parts: str) -> str:
    """The same Poynt-Request-Id for every try of one logical write."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


class PoyntApp:
    """Calls made as our application: the token grants, hooks."""

    def __init__(self, config=None) -> None:
        self.config = config or current_app.config
        self.base_url = self.config["POYNT_API_URL"].rstrip("/")
        self.application_id = self.config["POYNT_APPLICATION_ID"]

    def self_signed_jwt(self) -> str:
        """A short-lived RS256 JWT that proves we hold the app's private key."""
        now = int(time.time())
        claims = {
            "iss": self.application_id,
            "sub": self.application_id,
            "aud": self.base_url,
            "iat": now,
            "exp": now + JWT_LIFETIME,
            "jti": new_id(),
        }
        return jwt.encode(
            claims, keys.load_poynt_private_key(self.config), algorithm="RS256"
        )

    def call(self, method: str, path: str, *, token=None, **kwargs):
        return http.send(
            _http_session(),
            method,
            self.base_url + path,
            timeout=self.config["POYNT_TIMEOUT"],
            token=token,
            **kwargs,
        )

    def app_token(self) -> str:
        """The application's own access token, reused until near its expiry."""
        margin = self.config["POYNT_TOKEN_REFRESH_MARGIN"]
        with _app_token_lock:
            cached = _app_token.get(self.base_url)
            if cached and cached[1] - margin > time.time():
                return cached[0]
            answer = self.call(
                "POST",
                "/token",
                data={
                    "grantType": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                    "assertion": self.self_signed_jwt(),
                },
            )
            expires_at = time.time() + int(answer.get("expiresIn", 3600))
            _app_token[self.base_url] = (answer["accessToken"], expires_at)
            return answer["accessToken"]

    def forget_app_token(self) -> None:
        with _app_token_lock:
            _app_token.pop(self.base_url, None)

    def call_as_app(self, method: str, path: str, **kwargs):
        """A call with the app token; a 401 fetches a new token once."""
        try:
            return self.call(method, path, token=self.app_token(), **kwargs)
        except PoyntAuthError as error:
            if error.status != 401:
                raise
            self.forget_app_token()
            return self.call(method, path, token=self.app_token(), **kwargs)

    def exchange_code(self, code: str, redirect_uri: str) -> dict:
        """Trade the merchant's authorization code for tokens."""
        return self.call(
            "POST",
            "/token",
            token=self.self_signed_jwt(),
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.application_id,
                "redirect_uri": redirect_uri,
            },
        )

    def refresh(self, refresh_token: str) -> dict:
        return self.call(
            "POST",
            "/token",
            token=self.self_signed_jwt(),
            data={"grantType": "REFRESH_TOKEN", "refreshToken": refresh_token},
        )

    def verify_access_token(self, access_token: str) -> dict:
        """Check Poynt's signature and our audience; answer the claims."""
        public_key = keys.load_poynt_public_key(self.config)
        if public_key is None:
            raise PoyntRequestError("Poynt's public key is not configured")
        try:
            return jwt.decode(
                access_token,
                public_key,
                algorithms=["RS256"],
                audience=self.application_id,
                issuer=self.base_url,
                options={"require": ["exp", "iat", "sub", "poynt.biz"]},
                leeway=30,
            )
        except jwt.InvalidTokenError as error:
            raise PoyntAuthError(
                f"Poynt's access token is not valid: {error}"
            ) from None


def _cipher():
    return keys.load_fernet(current_app.config)


def store_tokens(session: Session, business_id: str, answer: dict) -> PoyntToken:
    """Keep a /token answer for `business_id`, encrypted; caller commits."""
    cipher = _cipher()
    row = session.get(PoyntToken, business_id) or PoyntToken(business_id=business_id)
    row.access_token = cipher.encrypt(answer["accessToken"].encode()).decode()
    row.refresh_token = cipher.encrypt(answer["refreshToken"].encode()).decode()
    lifetime = int(answer.get("expiresIn", 3600))
    margin = min(current_app.config["POYNT_TOKEN_REFRESH_MARGIN"], lifetime / 2)
    row.expires_at = utcnow() + timedelta(seconds=lifetime)
    row.refresh_after = row.expires_at - timedelta(seconds=margin)
    row.refreshing_until = None
    row.last_error = None
    session.add(row)
    return row


def _decrypt(value: str) -> str:
    try:
        return _cipher().decrypt(value.encode()).decode()
    except InvalidToken:
        raise PoyntAuthError("the stored Poynt token cannot be decrypted") from None


class BusinessClient:
    """Calls made on behalf of one connected business."""

    def __init__(self, business_id: str, *, token: str | None = None) -> None:
        """`token` pins an access token (during onboarding, before it is stored)."""
        self.business_id = business_id
        self.app = PoyntApp()
        self._pinned_token = token

    # Token upkeep -------------------------------------------------------

    def _session(self) -> Session:
        # Token rows change in their own short transactions, apart from the
        # caller's unit of work.
        return Session(db.engine, expire_on_commit=False)

    def _load(self, session: Session) -> PoyntToken:
        row = session.get(PoyntToken, self.business_id, populate_existing=True)
        if row is None:
            raise PoyntAuthError(f"business {self.business_id} is not connected")
        return row

    def _fresh_enough(self, row: PoyntToken) -> bool:
        return row.refresh_after > utcnow()

    def access_token(self, *, force_refresh: bool = False, stale: str | None = None):
        """The current access token, refreshed first when it is about to expire.

        `stale` names a token a call was just refused with: a refresh happens
        only if the stored token is still that one.
        """
        if self._pinned_token:
            return self._pinned_token
        with self._session() as session:
            row = self._load(session)
            token = _decrypt(row.access_token)
            if stale is not None and token != stale:
                return token
            if stale is None and not force_refresh and self._fresh_enough(row):
                return token
        with _process_locks[self.business_id]:
            return self._refresh_once(stale or token)

    def _refresh_once(self, seen: str) -> str:
        deadline = time.monotonic() + WAIT_FOR_LEASE
        while True:
            with self._session() as session:
                row = self._load(session)
                current = _decrypt(row.access_token)
                if current != seen and self._fresh_enough(row):
                    return current
                if self._take_lease(session):
                    return self._refresh(session)
            if time.monotonic() > deadline:
                raise PoyntUnavailable(
                    f"timed out waiting for the token refresh of {self.business_id}"
                )
            time.sleep(0.1)

    def _take_lease(self, session: Session) -> bool:
        now = utcnow()
        result = session.execute(
            update(PoyntToken)
            .where(PoyntToken.business_id == self.business_id)
            .where(
                or_(
                    PoyntToken.refreshing_until.is_(None),
                    PoyntToken.refreshing_until < now,
                )
            )
            .values(refreshing_until=now + timedelta(seconds=LEASE_SECONDS))
        )
        session.commit()
        return result.rowcount == 1

    def _refresh(self, session: Session) -> str:
        row = self._load(session)
        try:
            answer = self.app.refresh(_decrypt(row.refresh_token))
        except PoyntError as error:
            row = self._load(session)
            row.refreshing_until = None
            row.last_error = str(error)[:500]
            session.commit()
            if not isinstance(error, PoyntUnavailable):
                _mark_disconnected(self.business_id, str(error))
            elif row.expires_at > utcnow():
                # /token is down but the token we hold has not expired yet.
                log.warning(
                    "poynt token refresh failed, using the current token: %s",
                    error,
                    extra={"business_id": self.business_id},
                )
                return _decrypt(row.access_token)
            raise
        store_tokens(session, self.business_id, answer)
        session.commit()
        log.info("poynt token refreshed", extra={"business_id": self.business_id})
        return answer["accessToken"]

    # Calls ----------------------------------------------------------------

    def call(self, method: str, path: str, **kwargs):
        """Call `/businesses/{id}{path}`; on a 401 refresh the token once."""
        url_path = f"/businesses/{self.business_id}{path}"
        return self.call_path(method, url_path, **kwargs)

    def call_path(self, method: str, url_path: str, **kwargs):
        token = self.access_token()
        try:
            return self.app.call(method, url_path, token=token, **kwargs)
        except PoyntAuthError as error:
            if error.status != 401 or self._pinned_token:
                raise
            token = self.access_token(stale=token)
            return self.app.call(method, url_path, token=token, **kwargs)

    def get_business(self) -> dict:
        return self.call("GET", "")

    def list_catalogs(self) -> list[dict]:
        return self.call("GET", "/catalogs").get("catalogs", [])

    def get_full_catalog(self, catalog_id: str) -> dict:
        return self.call("GET", f"/catalogs/{catalog_id}/full")

    def list_taxes(self) -> list[dict]:
        return self.call("GET", "/taxes").get("taxes", [])

    def create_customer(self, customer: dict, *, request_id: str) -> dict:
        return self.call("POST", "/customers", json=customer, request_id=request_id)

    def create_order(self, order: dict, *, request_id: str) -> dict:
        return self.call("POST", "/orders", json=order, request_id=request_id)

    def get_order(self, order_id: str) -> dict:
        return self.call("GET", f"/orders/{order_id}")

    def cancel_order(self, order_id: str, *, request_id: str) -> dict:
        return self.call("POST", f"/orders/{order_id}/cancel", request_id=request_id)

    def list_orders(self, **params) -> list[dict]:
        """Every order matching `params`, following the `next` links."""
        orders = []
        answer = self.call("GET", "/orders", params=params)
        while True:
            orders.extend(answer.get("orders", []))
            following = [
                link["href"]
                for link in answer.get("links") or []
                if link.get("rel") == "next"
            ]
            if not following or len(orders) >= 1000:
                return orders
            href = following[0]
            path = href.removeprefix(self.app.base_url)
            answer = self.call_path("GET", path)

    # Hooks belong to the application, not the merchant.

    def create_hook(self, delivery_url: str, secret: str, event_types) -> dict:
        return self.app.call_as_app(
            "POST",
            "/hooks",
            json={
                "applicationId": self.app.application_id,
                "businessId": self.business_id,
                "deliveryUrl": delivery_url,
                "secret": secret,
                "eventTypes": list(event_types),
            },
        )

    def list_hooks(self) -> list[dict]:
        answer = self.app.call_as_app(
            "GET", "/hooks", params={"businessId": self.business_id}
        )
        return answer.get("hooks", [])

    def delete_hook(self, hook_id: str) -> None:
        self.app.call_as_app("DELETE", f"/hooks/{hook_id}")


def _mark_disconnected(business_id: str, reason: str) -> None:
    from ..merchants.service import mark_connection_error

    mark_connection_error(business_id, reason)
