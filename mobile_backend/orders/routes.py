"""Consumers' orders: place, list, read, cancel."""

import re

from flask import request
from flask_smorest import Blueprint
from sqlalchemy import select

from ..accounts.auth import current_user, login_required
from ..errors import ApiError
from ..pagination import ListArgsSchema, page_schema, paginate
from . import service
from .models import Order
from .schemas import OrderCreateSchema, OrderSchema

blp = Blueprint("orders", __name__, description="Consumers' orders")
SECURITY = [{"bearerAuth": []}]
IDEMPOTENCY_HEADER = "Idempotency-Key"
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": True,
    "schema": {"type": "string", "maxLength": 255},
    "description": "A fresh value per order, e.g. a UUID; repeat it on retries.",
}


def _idempotency_key() -> str:
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not _VALID_KEY.match(key):
        raise ApiError(
            400,
            f"Send an {IDEMPOTENCY_HEADER} header (1-255 visible characters).",
            kind="idempotency-key-missing",
            errors={IDEMPOTENCY_HEADER: ["Missing or not valid."]},
        )
    return key


@blp.post("/v1/stores/<store_id>/orders")
@login_required
@blp.doc(security=SECURITY, parameters=[IDEMPOTENCY_PARAMETER])
@blp.arguments(OrderCreateSchema)
@blp.response(201, OrderSchema)
@blp.alt_response(200, schema=OrderSchema, description="Same key and body again")
def place_order(body, store_id):
    """Order from a store; priced from its catalog, relayed to its terminal."""
    order, created = service.place(current_user(), store_id, body, _idempotency_key())
    return order, 201 if created else 200


@blp.get("/v1/orders")
@login_required
@blp.doc(security=SECURITY)
@blp.arguments(ListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, page_schema(OrderSchema, "OrderPage"))
def list_orders(limit, cursor):
    """My orders, newest first."""
    query = select(Order).where(Order.user_id == current_user().id)
    return paginate(query, Order, limit, cursor)


@blp.get("/v1/orders/<order_id>")
@login_required
@blp.doc(security=SECURITY)
@blp.response(200, OrderSchema)
def get_order(order_id):
    """One of my orders."""
    return service.mine(current_user(), order_id)


@blp.post("/v1/orders/<order_id>/cancel")
@login_required
@blp.doc(security=SECURITY)
@blp.response(200, OrderSchema)
@blp.alt_response(409, description="The store has fulfilled or completed it")
def cancel_order(order_id):
    """Cancel my order while the store has not prepared it."""
    return service.cancel(current_user(), order_id)
