"""Keeping the catalog cache fresh, in the worker."""

import logging

from celery import shared_task

from ..extensions import db
from ..poynt.errors import PoyntError
from . import service

log = logging.getLogger(__name__)


@shared_task(name="mobile_backend.catalog.tasks.refresh_catalog")
def refresh_catalog(business_id: str) -> None:
    """Fetch the business's catalog again; a failure waits for the next sweep."""
    try:
        service.refresh(business_id)
    except PoyntError as error:
        db.session.rollback()
        log.warning(
            "catalog refresh failed: %s", error, extra={"business_id": business_id}
        )
