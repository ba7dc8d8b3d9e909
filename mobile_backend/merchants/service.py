"""Merchant onboarding through Poynt's consent page, and connection upkeep."""

import hashlib
import hmac
import logging
import secrets
from urllib.parse import urlencode

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import keys
from ..catalog import service as catalog
from ..extensions import db
from ..models import utcnow
from ..poynt.client import BusinessClient, PoyntApp, store_tokens
from ..poynt.errors import PoyntError
from .models import Business, ConnectAttempt, Store, Terminal

log = logging.getLogger(__name__)

ORDER_EVENTS = ("ORDER_OPENED", "ORDER_UPDATED", "ORDER_COMPLETED", "ORDER_CANCELLED")
_CONTEXT_SALT = "merchant-connect"


class ConnectError(Exception):
    """Onboarding failed; the message is shown to the merchant as it is."""


def callback_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + (
        "/merchants/connect/callback"
    )


def webhook_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/webhooks/poynt"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_CONTEXT_SALT)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def start_connect() -> tuple[str, str]:
    """Begin an attempt: answer (Poynt authorize URL, browser nonce for a cookie)."""
    nonce = secrets.token_urlsafe(24)
    attempt = ConnectAttempt(browser_hash=_hash(nonce))
    db.session.add(attempt)
    db.session.commit()
    query = urlencode(
        {
            "client_id": current_app.config["POYNT_APPLICATION_ID"],
            "redirect_uri": callback_url(),
            "context": _serializer().dumps(attempt.id),
        }
    )
    return f"{current_app.config['POYNT_AUTHORIZE_URL']}?{query}", nonce


def _take_attempt(context: str | None, nonce: str | None) -> None:
    """Check the `context` is ours, fresh, from this browser, and unused."""
    if not context:
        raise ConnectError("The link from Poynt has no context. Start again.")
    try:
        attempt_id = _serializer().loads(
            context, max_age=current_app.config["CONNECT_CONTEXT_TTL"]
        )
    except SignatureExpired:
        raise ConnectError("This connection attempt expired. Start again.") from None
    except BadSignature:
        raise ConnectError("This connection link is not one we made.") from None
    attempt = db.session.get(ConnectAttempt, attempt_id)
    if attempt is None:
        raise ConnectError("This connection link is not one we made.")
    if not nonce or not hmac.compare_digest(attempt.browser_hash, _hash(nonce)):
        raise ConnectError(
            "This connection was started in another browser. Start again here."
        )
    taken = db.session.execute(
        update(ConnectAttempt)
        .where(ConnectAttempt.id == attempt_id, ConnectAttempt.used_at.is_(None))
        .values(used_at=utcnow())
    )
    db.session.commit()
    if taken.rowcount != 1:
        raise ConnectError("This connection link was already used. Start again.")


def finish_connect(args: dict, nonce: str | None) -> Business:
    """Handle Poynt's redirect back; store everything, or nothing and raise."""
    _take_attempt(args.get("context"), nonce)
    if args.get("status", "").upper() != "AUTHORIZED" or not args.get("code"):
        raise ConnectError("The connection was not allowed on Poynt's page.")

    app = PoyntApp()
    try:
        tokens = app.exchange_code(args["code"], callback_url())
        claims = app.verify_access_token(tokens["accessToken"])
    except (PoyntError, KeyError) as error:
        log.warning("poynt code exchange failed: %s", error)
        raise ConnectError(
            "Poynt did not accept this connection. Start again."
        ) from None
    business_id = claims["poynt.biz"]
    claimed = args.get("businessId")
    if claimed and claimed != business_id:
        raise ConnectError("Poynt's answer names another business than the link.")

    client = BusinessClient(business_id, token=tokens["accessToken"])
    try:
        poynt_business = client.get_business()
        catalog_id, document = catalog.fetch(client)
        hook_id, secret = _register_hook(client)
    except PoyntError as error:
        log.warning("poynt onboarding call failed: %s", error)
        raise ConnectError(
            "Poynt could not be reached to finish the connection. Try again."
        ) from None

    try:
        business = _store(poynt_business, tokens, hook_id, secret)
        catalog.keep(business.id, catalog_id, document)
        db.session.commit()
    except Exception:
        db.session.rollback()
        _forget_hook(client, hook_id)
        raise
    log.info("merchant connected", extra={"business_id": business.id})
    return business


def _register_hook(client: BusinessClient) -> tuple[str, str]:
    """One hook for our order events with a fresh secret; older ones go."""
    # Limitation: events Poynt signed for the old hook but delivers after a
    # reconnect fail the new secret; reconciliation catches their statuses.
    for hook in client.list_hooks():
        if hook.get("deliveryUrl") == webhook_url():
            client.delete_hook(hook["id"])
    secret = secrets.token_urlsafe(32)
    hook = client.create_hook(webhook_url(), secret, ORDER_EVENTS)
    return hook["id"], secret


def _forget_hook(client: BusinessClient, hook_id: str) -> None:
    try:
        client.delete_hook(hook_id)
    except PoyntError as error:
        log.warning("could not delete hook %s: %s", hook_id, error)


def _store(poynt: dict, tokens: dict, hook_id: str, secret: str) -> Business:
    business = db.session.get(Business, poynt["id"]) or Business(id=poynt["id"])
    business.name = poynt.get("doingBusinessAs") or poynt.get("legalName") or "Store"
    business.status = "connected"
    business.last_error = None
    business.hook_id = hook_id
    business.hook_secret = (
        keys.load_fernet(current_app.config).encrypt(secret.encode()).decode()
    )
    business.connected_at = utcnow()
    db.session.add(business)
    for poynt_store in poynt.get("stores") or []:
        _store_store(business.id, poynt_store)
    store_tokens(db.session, business.id, tokens)
    db.session.flush()
    return business


def _store_store(business_id: str, poynt_store: dict) -> None:
    store = db.session.get(Store, poynt_store["id"]) or Store(id=poynt_store["id"])
    store.business_id = business_id
    store.name = poynt_store.get("displayName") or poynt_store.get("name") or "Store"
    store.address = poynt_store.get("address") or {}
    store.currency = poynt_store.get("currency") or "USD"
    store.timezone = poynt_store.get("timezone")
    store.accepting_orders = poynt_store.get("status", "ACTIVE") == "ACTIVE"
    db.session.add(store)
    for device in poynt_store.get("storeDevices") or []:
        terminal = db.session.get(Terminal, device["deviceId"]) or Terminal(
            id=device["deviceId"]
        )
        terminal.store_id = store.id
        terminal.name = device.get("name")
        terminal.serial_number = device.get("serialNumber")
        terminal.status = device.get("status")
        db.session.add(terminal)


def hook_secret(business: Business) -> str | None:
    if not business.hook_secret:
        return None
    return keys.load_fernet(current_app.config).decrypt(business.hook_secret).decode()


def mark_connection_error(business_id: str, reason: str) -> None:
    """Record that the business's tokens stopped working (own transaction)."""
    with Session(db.engine) as session:
        session.execute(
            update(Business)
            .where(Business.id == business_id)
            .values(status="disconnected", last_error=reason[:500])
        )
        session.commit()
    log.warning("business disconnected", extra={"business_id": business_id})


def connected_business_ids() -> list[str]:
    return list(
        db.session.scalars(select(Business.id).where(Business.status == "connected"))
    )
