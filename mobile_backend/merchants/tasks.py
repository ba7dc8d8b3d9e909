"""Keeping merchants' Poynt connections alive."""

import logging
from datetime import timedelta

from celery import shared_task
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import utcnow
from ..poynt.client import BusinessClient
from ..poynt.errors import PoyntError
from ..poynt.models import PoyntToken
from .models import Business

log = logging.getLogger(__name__)


@shared_task(name="mobile_backend.merchants.tasks.refresh_expiring_tokens")
def refresh_expiring_tokens() -> int:
    """Refresh tokens that would expire before the next run; answer how many."""
    horizon = utcnow() + timedelta(seconds=current_app.config["TOKEN_REFRESH_INTERVAL"])
    business_ids = db.session.scalars(
        select(PoyntToken.business_id)
        .join(Business, Business.id == PoyntToken.business_id)
        .where(Business.status == "connected", PoyntToken.refresh_after < horizon)
    ).all()
    for business_id in business_ids:
        try:
            BusinessClient(business_id).access_token(force_refresh=True)
        except PoyntError as error:
            log.warning(
                "token refresh failed: %s", error, extra={"business_id": business_id}
            )
    return len(business_ids)
