"""Connected businesses, their stores and terminals, and connect attempts."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import UTCDateTime, new_id, utcnow

if TYPE_CHECKING:
    from ..poynt.models import PoyntToken

BUSINESS_STATUSES = ("connected", "error", "disconnected")


class Business(db.Model):
    """A merchant's Poynt business that connected our app; id is Poynt's."""

    __tablename__ = "businesses"
    __table_args__ = (Index("ix_businesses_created", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="connected")
    last_error: Mapped[str | None] = mapped_column(String(500))
    hook_id: Mapped[str | None] = mapped_column(String(64))
    # The webhook secret, Fernet-encrypted.
    hook_secret: Mapped[str | None] = mapped_column(Text)
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reconciled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    stores: Mapped[list["Store"]] = relationship(
        back_populates="business", order_by="Store.name"
    )
    # Read-only, for support's view of the connection; load it explicitly.
    token: Mapped["PoyntToken | None"] = relationship(
        "PoyntToken",
        primaryjoin="Business.id == foreign(PoyntToken.business_id)",
        viewonly=True,
        uselist=False,
        lazy="raise",
    )


class Store(db.Model):
    __tablename__ = "stores"
    __table_args__ = (Index("ix_stores_created", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    business_id: Mapped[str] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[dict] = mapped_column(JSON, default=dict)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    timezone: Mapped[str | None] = mapped_column(String(64))
    accepting_orders: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    business: Mapped[Business] = relationship(back_populates="stores")
    terminals: Mapped[list["Terminal"]] = relationship(back_populates="store")


class Terminal(db.Model):
    """A Poynt smart terminal (a store device); id is Poynt's `urn:tid:...`."""

    __tablename__ = "terminals"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    store_id: Mapped[str] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(200))
    serial_number: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str | None] = mapped_column(String(30))

    store: Mapped[Store] = relationship(back_populates="terminals")


class ConnectAttempt(db.Model):
    """One merchant's trip to Poynt's consent page; its id is the `context`."""

    __tablename__ = "connect_attempts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    browser_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
