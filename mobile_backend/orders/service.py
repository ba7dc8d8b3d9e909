"""Placing orders, relaying them to the merchant's terminal, and their status."""

import hashlib
import json
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..backoff import retry_delay
from ..catalog import service as catalog
from ..errors import ApiError, not_found
from ..extensions import db
from ..models import utcnow
from ..poynt.client import BusinessClient, stable_request_id
from ..poynt.errors import (
    PoyntAuthError,
    PoyntConflict,
    PoyntError,
    PoyntNotFound,
    PoyntUnavailable,
)
from ..poynt.http import new_request_id
from ..push import service as push
from . import status as poynt_status
from .models import REACHABLE_FROM, CustomerLink, Order
from .pricing import price

log = logging.getLogger(__name__)

# How long a queued relay may stay silent before the sweep queues it again.
RELAY_LEASE = timedelta(seconds=60)


def _request_hash(store_id: str, body: dict) -> str:
    canonical = json.dumps(
        {"storeId": store_id, **body}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _same_request(order: Order, request_hash: str) -> Order:
    if order.request_hash != request_hash:
        raise ApiError(
            422,
            "This Idempotency-Key was used with another request body.",
            kind="idempotency-key-reused",
            errors={"Idempotency-Key": ["Already used for a different order."]},
        )
    return order


def _existing(user_id: str, key: str) -> Order | None:
    return db.session.scalar(
        select(Order).where(Order.user_id == user_id, Order.idempotency_key == key)
    )


def place(user: User, store_id: str, body: dict, key: str) -> tuple[Order, bool]:
    """Store a priced order once per Idempotency-Key: (order, created)."""
    request_hash = _request_hash(store_id, body)
    found = _existing(user.id, key)
    if found is not None:
        return _same_request(found, request_hash), False

    store, document = catalog.require_catalog(store_id)
    lines, amounts = price(body["items"], document)
    order = Order(
        user_id=user.id,
        business_id=store.business_id,
        store_id=store.id,
        items=lines,
        note=body.get("note"),
        sub_total=amounts["subTotal"],
        tax_total=amounts["taxTotal"],
        total=amounts["total"],
        currency=amounts["currency"],
        idempotency_key=key,
        request_hash=request_hash,
        next_attempt_at=utcnow() + RELAY_LEASE,
    )
    db.session.add(order)
    try:
        db.session.commit()
    except IntegrityError:
        # Another request with the same key won the race; answer its order.
        db.session.rollback()
        found = _existing(user.id, key)
        if found is None:
            raise
        return _same_request(found, request_hash), False
    log.info("order placed", extra={"order_id": order.id})
    queue_relay(order.id)
    return order, True


def queue_relay(order_id: str, countdown: float = 0) -> None:
    """Ask the worker to relay; a lost message is picked up by the sweep."""
    from .tasks import relay_order

    try:
        relay_order.apply_async((order_id,), countdown=countdown)
    except Exception as error:  # noqa: BLE001 - the sweep retries it
        log.warning("could not queue relay: %s", error, extra={"order_id": order_id})


def mine(user: User, order_id: str) -> Order:
    order = db.session.get(Order, order_id)
    if order is None or order.user_id != user.id:
        raise not_found("Order")
    return order


def set_status(order: Order, new_status: str, *, reason: str) -> bool:
    """Move `order` to `new_status` if that is forward; queue pushes. Commits.

    Answers whether the status changed. The guard in the UPDATE makes two
    racing writers (relay, webhook, reconciliation) agree.
    """
    values = {"status": new_status, "updated_at": utcnow()}
    if new_status != "submitted":
        # The worker owes a submitted order its relay, and nothing else.
        values["next_attempt_at"] = None
    result = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status.in_(REACHABLE_FROM[new_status]))
        .values(**values)
    )
    if result.rowcount != 1:
        db.session.rollback()
        db.session.refresh(order)
        return False
    db.session.refresh(order)
    push_ids = push.create_for_status(order) if new_status != "submitted" else []
    db.session.commit()
    log.info("order status %s (%s)", new_status, reason, extra={"order_id": order.id})
    push.queue(push_ids)
    return True


def _customer_id(client: BusinessClient, order: Order) -> int:
    """The consumer's Poynt customer at this business, created the first time."""
    link = db.session.scalar(
        select(CustomerLink).where(
            CustomerLink.user_id == order.user_id,
            CustomerLink.business_id == order.business_id,
        )
    )
    if link is not None:
        return link.poynt_customer_id
    user = db.session.get(User, order.user_id)
    first, _, last = (user.name or "App customer").partition(" ")
    customer = {"firstName": first, "lastName": last or "-", "attributes": {}}
    if user.email:
        customer["emails"] = {"PERSONAL": {"emailAddress": user.email}}
    answer = client.create_customer(
        customer,
        request_id=stable_request_id("customer", order.user_id, order.business_id),
    )
    db.session.add(
        CustomerLink(
            user_id=order.user_id,
            business_id=order.business_id,
            poynt_customer_id=int(answer["id"]),
        )
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _customer_id(client, order)
    return int(answer["id"])


def poynt_order(order: Order, customer_id: int) -> dict:
    """Our order in Poynt's shape, for the terminal's order inbox."""
    return {
        "id": order.poynt_order_id,
        "items": [
            {
                "name": line["name"],
                "sku": line.get("sku"),
                "productId": line["productId"],
                "quantity": line["quantity"],
                "unitPrice": line["unitPrice"],
                "tax": line["tax"],
                "unitOfMeasure": "EACH",
                "status": "ORDERED",
                "fulfillmentInstruction": "PICKUP_INSTORE",
                "clientNotes": line.get("note"),
            }
            for line in order.items
        ],
        "amounts": {
            "subTotal": order.sub_total,
            "taxTotal": order.tax_total,
            "discountTotal": 0,
            "netTotal": order.total,
            "currency": order.currency,
        },
        "context": {
            "source": "WEB",
            "businessId": order.business_id,
            "storeId": order.store_id,
            "storeDeviceId": current_app.config["POYNT_APPLICATION_ID"],
            "transactionInstruction": "NONE",
        },
        "customerUserId": customer_id,
        "notes": order.note,
    }


def relay(order_id: str) -> float | None:
    """Put a submitted order on the terminal; answer a retry delay, if any."""
    order = db.session.get(Order, order_id)
    if order is None:
        return None
    if order.status == "cancelled" and order.next_attempt_at is not None:
        return _settle_cancel(order)
    if order.status != "submitted":
        return None
    order.relay_attempts += 1
    order.next_attempt_at = utcnow() + RELAY_LEASE
    db.session.commit()

    client = BusinessClient(order.business_id)
    try:
        answer = _create_on_poynt(client, order)
    except (PoyntUnavailable, PoyntAuthError) as error:
        return _relay_failed_for_now(order, error)
    except PoyntError as error:
        _relay_failed(order, str(error))
        return None

    # Limitation: no cloud message tells a terminal app about the order; the
    # order inbox shows it, and there is no terminal app of ours yet.
    moved = set_status(order, poynt_status.from_poynt(answer), reason="relayed")
    if not moved and order.status == "cancelled":
        # Cancelled here while the relay was on its way: cancel it there too.
        return _settle_cancel(order)
    log.info("order relayed", extra={"order_id": order.id})
    return None


def _create_on_poynt(client: BusinessClient, order: Order) -> dict:
    customer_id = _customer_id(client, order)
    try:
        return client.create_order(
            poynt_order(order, customer_id),
            request_id=stable_request_id("order", order.id),
        )
    except PoyntConflict:
        # An earlier try did create it; its answer was lost on the way.
        return client.get_order(order.poynt_order_id)


def _past_deadline(order: Order) -> bool:
    deadline = timedelta(seconds=current_app.config["RELAY_DEADLINE"])
    return utcnow() - order.relay_since > deadline


def _relay_failed_for_now(order: Order, error: PoyntError) -> float | None:
    order.last_error = str(error)[:500]
    if _past_deadline(order):
        db.session.commit()
        _relay_failed(order, str(error))
        return None
    delay = retry_delay(order.relay_attempts)
    order.next_attempt_at = utcnow() + timedelta(seconds=delay)
    db.session.commit()
    log.warning(
        "relay will retry in %.1f s: %s", delay, error, extra={"order_id": order.id}
    )
    return delay


def _relay_failed(order: Order, reason: str) -> None:
    order.last_error = reason[:500]
    order.next_attempt_at = None
    db.session.commit()
    set_status(order, "failed", reason="relay gave up")
    log.warning("order relay failed: %s", reason, extra={"order_id": order.id})


def cancel(user: User, order_id: str) -> Order:
    """Cancel a consumer's order; 409 once the store has fulfilled it."""
    order = mine(user, order_id)
    if order.status == "cancelled":
        return order
    if order.status in ("ready", "completed"):
        raise _too_late(order)
    if order.status == "received":
        _cancel_on_terminal(order)
    elif set_status(order, "cancelled", reason="consumer cancel") and (
        order.relay_attempts
    ):
        # A relay may have reached Poynt without our hearing of it: the
        # worker cancels there too.
        order.next_attempt_at = order.relay_since = utcnow()
        db.session.commit()
        queue_relay(order.id)
    if order.status != "cancelled":
        raise _too_late(order)
    return order


def _settle_cancel(order: Order) -> float | None:
    """Cancel at Poynt an order cancelled here after a relay was tried."""
    client = BusinessClient(order.business_id)
    try:
        # A fresh request id: an earlier "not found" must not be replayed.
        client.cancel_order(order.poynt_order_id, request_id=new_request_id())
    except (PoyntNotFound, PoyntConflict):
        pass  # it never reached the terminal, or is closed there already
    except (PoyntUnavailable, PoyntAuthError) as error:
        order.relay_attempts += 1
        if not _past_deadline(order):
            delay = retry_delay(order.relay_attempts)
            order.next_attempt_at = utcnow() + timedelta(seconds=delay)
            order.last_error = str(error)[:500]
            db.session.commit()
            return delay
        order.last_error = f"could not cancel on Poynt: {error}"[:500]
    order.next_attempt_at = None
    db.session.commit()
    return None


def _cancel_on_terminal(order: Order) -> None:
    """Cancel at Poynt unless the terminal has moved on since its last webhook."""
    client = BusinessClient(order.business_id)
    current = client.get_order(order.poynt_order_id)
    if poynt_status.from_poynt(current) != "received":
        set_status(order, poynt_status.from_poynt(current), reason="poynt said")
        return
    # Limitation: Poynt has no conditional cancel, so a fulfilment in the
    # moment between this read and the cancel is still cancelled.
    try:
        answer = client.cancel_order(
            order.poynt_order_id, request_id=stable_request_id("cancel", order.id)
        )
    except PoyntConflict:
        answer = client.get_order(order.poynt_order_id)
    set_status(order, poynt_status.from_poynt(answer), reason="consumer cancel")


def _too_late(order: Order) -> ApiError:
    done = "completed" if order.status == "completed" else "prepared"
    return ApiError(
        409,
        f"The store has already {done} this order; it can no longer be cancelled.",
        kind="order-not-cancellable",
    )


def sync_from_poynt(order: Order, client: BusinessClient | None = None) -> bool:
    """Read the order at Poynt and take its status; answer whether it changed."""
    client = client or BusinessClient(order.business_id)
    answer = client.get_order(order.poynt_order_id)
    return set_status(order, poynt_status.from_poynt(answer), reason="poynt said")


def retry(order_id: str) -> Order:
    """Support's retry of a failed relay."""
    order = db.session.get(Order, order_id)
    if order is None:
        raise not_found("Order")
    if order.status != "failed":
        raise ApiError(409, "Only a failed order can be retried.", kind="not-failed")
    order.relay_attempts = 0
    order.relay_since = utcnow()
    order.last_error = None
    order.next_attempt_at = utcnow() + RELAY_LEASE
    db.session.commit()
    set_status(order, "submitted", reason="support retry")
    queue_relay(order.id)
    return order


def anonymise_orders_of(user_id: str) -> None:
    """Drop the free text of a leaving user's orders; the caller commits.

    Amounts, items and statuses stay for the merchants' and our records.
    """
    # Limitation: the Poynt customer made for the user at each business keeps
    # its name and email there; only the link to it is forgotten here.
    db.session.execute(delete(CustomerLink).where(CustomerLink.user_id == user_id))
    for order in db.session.scalars(select(Order).where(Order.user_id == user_id)):
        order.note = None
        order.items = [{**line, "note": None} for line in order.items]


def reconcile(business_id: str) -> int:
    """Take the status of every order Poynt changed lately; answer how many moved."""
    from ..merchants.models import Business

    business = db.session.get(Business, business_id)
    now = utcnow()
    since = (business.reconciled_at or now - timedelta(days=1)) - timedelta(minutes=5)
    client = BusinessClient(business_id)
    changed = client.list_orders(
        startAt=since.isoformat().replace("+00:00", "Z"),
        endAt=now.isoformat().replace("+00:00", "Z"),
        limit=100,
    )
    by_id = {entry["id"]: entry for entry in changed if entry.get("id")}
    ours = db.session.scalars(
        select(Order).where(
            Order.business_id == business_id, Order.poynt_order_id.in_(by_id)
        )
    ).all()
    moved = 0
    for order in ours:
        if set_status(
            order,
            poynt_status.from_poynt(by_id[order.poynt_order_id]),
            reason="reconciled",
        ):
            moved += 1
    business.reconciled_at = now
    db.session.commit()
    return moved
