"""Checking, storing and processing Poynt's webhook events."""

import base64
import hashlib
import hmac
import json
import logging
from datetime import timedelta

import marshmallow as ma
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..backoff import retry_delay
from ..errors import ApiError
from ..extensions import db
from ..merchants.models import Business
from ..merchants.service import hook_secret
from ..models import utcnow
from ..orders import service as orders
from ..orders.models import Order
from ..poynt.errors import PoyntError, PoyntNotFound
from .models import WebhookEvent

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Poynt-Webhook-Signature"
EVENT_LEASE = timedelta(seconds=60)


class EventSchema(ma.Schema):
    """The fields of a Poynt event we rely on; others are kept as they came."""

    class Meta:
        unknown = ma.INCLUDE

    id = ma.fields.String(required=True, validate=ma.validate.Length(1, 64))
    businessId = ma.fields.String(required=True, validate=ma.validate.Length(1, 36))
    eventType = ma.fields.String(required=True, validate=ma.validate.Length(1, 50))
    applicationId = ma.fields.String(load_default=None)
    resource = ma.fields.String(load_default=None)
    resourceId = ma.fields.String(load_default=None)


def _unauthorized(detail: str) -> ApiError:
    return ApiError(401, detail, kind="bad-signature", title="Bad signature")


def signature_of(body: bytes, secret: str) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def receive(body: bytes, signature: str | None) -> tuple[WebhookEvent, bool]:
    """Check and store one delivery: (event, new). No network I/O here."""
    if not signature:
        raise _unauthorized(f"The {SIGNATURE_HEADER} header is missing.")
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "The body is not JSON.", kind="not-an-event") from None
    if not isinstance(document, dict):
        raise ApiError(400, "The body is not a Poynt event.", kind="not-an-event")

    business = db.session.get(Business, str(document.get("businessId") or ""))
    secret = hook_secret(business) if business else None
    if secret is None or not hmac.compare_digest(
        signature.strip().encode(), signature_of(body, secret).encode()
    ):
        raise _unauthorized("The webhook signature does not match.")

    try:
        event = EventSchema().load(document)
    except ma.ValidationError as error:
        raise ApiError(
            400,
            "The body is not a Poynt event.",
            kind="not-an-event",
            errors={key: list(value) for key, value in error.messages.items()},
        ) from None
    application_id = current_app.config["POYNT_APPLICATION_ID"]
    if event["applicationId"] not in (None, application_id):
        raise ApiError(
            400, "The event is for another application.", kind="not-an-event"
        )
    return _store(event, document)


def _store(event: dict, document: dict) -> tuple[WebhookEvent, bool]:
    existing = db.session.get(WebhookEvent, event["id"])
    if existing is not None:
        return existing, False
    row = WebhookEvent(
        id=event["id"],
        business_id=event["businessId"],
        event_type=event["eventType"],
        resource=event["resource"],
        resource_id=event["resourceId"],
        payload=document,
        next_attempt_at=utcnow() + EVENT_LEASE,
    )
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        # The same event arrived twice at once; the other copy was stored.
        db.session.rollback()
        return db.session.get(WebhookEvent, event["id"]), False
    log.info(
        "webhook stored %s", event["eventType"], extra={"business_id": row.business_id}
    )
    return row, True


def queue(event_id: str, countdown: float = 0) -> None:
    from .tasks import process_event

    try:
        process_event.apply_async((event_id,), countdown=countdown)
    except Exception as error:  # noqa: BLE001 - the sweep queues it later
        log.warning("could not queue event %s: %s", event_id, error)


def _retry_later(event: WebhookEvent, reason: str, give_up_state: str) -> float | None:
    event.last_error = reason[:500]
    if event.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        event.state = give_up_state
        event.next_attempt_at = None
        db.session.commit()
        log.warning("webhook event given up (%s): %s", give_up_state, reason)
        return None
    delay = retry_delay(event.attempts)
    event.next_attempt_at = utcnow() + timedelta(seconds=delay)
    db.session.commit()
    return delay


def process(event_id: str) -> float | None:
    """Take the order's status from Poynt; answer a retry delay, if any."""
    event = db.session.get(WebhookEvent, event_id)
    if event is None or event.state != "pending":
        return None
    event.attempts += 1
    event.next_attempt_at = utcnow() + EVENT_LEASE
    db.session.commit()

    if event.resource not in (None, "/orders") or not event.resource_id:
        return _done(event)
    order = db.session.scalar(
        select(Order).where(
            Order.business_id == event.business_id,
            Order.poynt_order_id == event.resource_id,
        )
    )
    if order is None:
        # The relay may not have recorded it yet: keep the event and look again.
        return _retry_later(event, "no order of ours matches yet", "unmatched")
    if event.event_type == "ORDER_OPENED" and order.status != "submitted":
        # The relay already saw it open; asking Poynt again would tell nothing.
        return _done(event)
    try:
        orders.sync_from_poynt(order)
    except PoyntNotFound as error:
        return _retry_later(event, str(error), "unmatched")
    except PoyntError as error:
        return _retry_later(event, str(error), "failed")
    return _done(event)


def _done(event: WebhookEvent) -> None:
    event.state = "processed"
    event.processed_at = utcnow()
    event.next_attempt_at = None
    event.last_error = None
    db.session.commit()
    return None
