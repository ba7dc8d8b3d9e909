"""The cached catalog of each connected business, in our own shape."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import UTCDateTime, utcnow


class CachedCatalog(db.Model):
    __tablename__ = "catalogs"

    business_id: Mapped[str] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True
    )
    poynt_catalog_id: Mapped[str | None] = mapped_column(String(36))
    # {"currency", "categories", "products", "taxes"}, see service.normalise
    document: Mapped[dict] = mapped_column(JSON)
    etag: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
