"""Periodic sweeps: queue again the work whose queue message was lost."""

import logging
from datetime import timedelta

from celery import shared_task
from sqlalchemy import select, update

from ..catalog import service as catalog
from ..catalog.tasks import refresh_catalog
from ..extensions import db
from ..models import utcnow
from ..orders import service as orders
from ..orders.models import Order
from ..push import service as push
from ..push.models import Push
from ..webhooks import service as webhooks
from ..webhooks.models import WebhookEvent

log = logging.getLogger(__name__)

BATCH = 500
LEASE = timedelta(seconds=60)


def _due(model, state_column, state: str) -> list[str]:
    """Ids of rows due now; their next attempt moves a lease ahead."""
    now = utcnow()
    ids = db.session.scalars(
        select(model.id)
        .where(state_column == state, model.next_attempt_at <= now)
        .order_by(model.next_attempt_at)
        .limit(BATCH)
    ).all()
    if ids:
        db.session.execute(
            update(model).where(model.id.in_(ids)).values(next_attempt_at=now + LEASE)
        )
        db.session.commit()
    return list(ids)


@shared_task(name="mobile_backend.ops.tasks.sweep")
def sweep() -> dict:
    """Queue due relays, webhook events, pushes and stale catalogs' refreshes."""
    counts = {}
    # Submitted orders owe a relay; cancelled ones a cancel at Poynt.
    order_ids = _due(Order, Order.status, "submitted") + _due(
        Order, Order.status, "cancelled"
    )
    for order_id in order_ids:
        orders.queue_relay(order_id)
    counts["orders"] = len(order_ids)

    event_ids = _due(WebhookEvent, WebhookEvent.state, "pending")
    for event_id in event_ids:
        webhooks.queue(event_id)
    counts["events"] = len(event_ids)

    push_ids = _due(Push, Push.state, "pending")
    push.queue(push_ids)
    counts["pushes"] = len(push_ids)

    stale = catalog.stale_business_ids()
    for business_id in stale:
        refresh_catalog.delay(business_id)
    counts["catalogs"] = len(stale)

    if any(counts.values()):
        log.info("sweep queued %s", counts)
    return counts
