"""The catalog cache: consumers read it, the worker keeps it fresh."""

from datetime import timedelta

from support import wait_for

from mobile_backend.catalog.models import CachedCatalog
from mobile_backend.extensions import db
from mobile_backend.models import utcnow


def test_a_stale_catalog_is_fetched_again_by_the_worker(app, coffee, worker):
    stale_since = utcnow() - timedelta(days=1)
    with app.app_context():
        cached = db.session.get(CachedCatalog, coffee.COFFEE_BUSINESS_ID)
        cached.fetched_at = stale_since
        db.session.commit()

    def refreshed():
        with app.app_context():
            row = db.session.get(CachedCatalog, coffee.COFFEE_BUSINESS_ID)
            return row.fetched_at > stale_since + timedelta(hours=1) and row

    row = wait_for(refreshed, timeout=15)
    assert len(row.document["products"]) >= 8
