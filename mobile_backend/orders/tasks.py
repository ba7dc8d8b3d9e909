"""Relaying orders to Poynt, and reconciling their status, in the worker."""

import logging

from celery import shared_task

from ..merchants.service import connected_business_ids
from ..poynt.errors import PoyntError
from . import service

log = logging.getLogger(__name__)


@shared_task(name="mobile_backend.orders.tasks.relay_order")
def relay_order(order_id: str) -> None:
    delay = service.relay(order_id)
    if delay is not None:
        service.queue_relay(order_id, countdown=delay)


@shared_task(name="mobile_backend.orders.tasks.reconcile_orders")
def reconcile_orders() -> int:
    """Catch up on status changes whose webhook never came."""
    moved = 0
    for business_id in connected_business_ids():
        try:
            moved += service.reconcile(business_id)
        except PoyntError as error:
            log.warning(
                "reconcile failed: %s", error, extra={"business_id": business_id}
            )
    return moved
