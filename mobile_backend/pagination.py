"""Cursor pagination for every list endpoint: `?limit=&cursor=`."""

import base64
import binascii
import json
from datetime import datetime

import marshmallow as ma
from sqlalchemy import Select, and_, or_

from .errors import ApiError
from .extensions import db
from .models import isoformat

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class ListArgsSchema(ma.Schema):
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=ma.validate.Range(min=1, max=MAX_LIMIT),
    )
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=200))


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A `{"items": [...], "nextCursor": ...}` schema for the OpenAPI document."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema)),
            "nextCursor": ma.fields.String(allow_none=True),
        },
        name=name,
    )


def _encode(created_at, row_id: str) -> str:
    raw = json.dumps([isoformat(created_at), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, row_id = json.loads(base64.urlsafe_b64decode(padded))
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")), str(row_id)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise ApiError(
            400,
            "The cursor is not one this API gave out.",
            kind="invalid-cursor",
            errors={"cursor": ["Not a valid cursor."]},
        ) from None


def paginate(query: Select, model, limit: int, cursor: str | None) -> dict:
    """Newest first by `(created_at, id)`; one bounded, indexed query."""
    if cursor:
        created_at, row_id = _decode(cursor)
        query = query.where(
            or_(
                model.created_at < created_at,
                and_(model.created_at == created_at, model.id < row_id),
            )
        )
    query = query.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)
    rows = list(db.session.scalars(query))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _encode(rows[-1].created_at, rows[-1].id)
    return {"items": rows, "nextCursor": next_cursor}
