"""Per-business Poynt tokens, stored encrypted."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import UTCDateTime, utcnow


class PoyntToken(db.Model):
    """The merchant's access and refresh tokens for one business (Fernet)."""

    __tablename__ = "poynt_tokens"

    business_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A little before expiry, since Poynt may refuse a token early (skew).
    refresh_after: Mapped[datetime] = mapped_column(UTCDateTime)
    # A lease, so that one process refreshes while the others wait for it.
    refreshing_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )
