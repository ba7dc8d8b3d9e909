"""Orders placed by consumers, and each consumer's Poynt customer per business."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import UTCDateTime, new_id, utcnow

STATUSES = ("submitted", "received", "ready", "completed", "cancelled", "failed")

# The statuses each status may be reached from: a status never moves back.
REACHABLE_FROM = {
    "received": ("submitted", "failed"),
    "ready": ("submitted", "received", "failed"),
    "completed": ("submitted", "received", "ready", "failed"),
    "cancelled": ("submitted", "received", "ready", "failed"),
    "failed": ("submitted",),
    "submitted": ("failed",),
}


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key", name="uq_orders_idempotency"),
        # Lists page by (created_at, id): each index ends with both.
        Index("ix_orders_user_created", "user_id", "created_at", "id"),
        Index("ix_orders_status_created", "status", "created_at", "id"),
        Index("ix_orders_store_created", "store_id", "created_at", "id"),
        Index("ix_orders_created", "created_at", "id"),
        Index("ix_orders_relay_due", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id"), index=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    # Chosen by us before the relay, so a retried create cannot make a second
    # order and a webhook can be matched even before the relay returns.
    poynt_order_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    items: Mapped[list] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(500))
    sub_total: Mapped[int] = mapped_column(Integer)
    tax_total: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    relay_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the current round of relay (or cancel-on-Poynt) tries began.
    relay_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )


class CustomerLink(db.Model):
    """Which Poynt customer a consumer is at one business; made once."""

    __tablename__ = "customer_links"
    __table_args__ = (
        UniqueConstraint("user_id", "business_id", name="uq_customer_links"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id"))
    poynt_customer_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
