"""Support staff's view of businesses and orders, and their mending tools."""

import marshmallow as ma
from flask_smorest import Blueprint
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..accounts.auth import roles_required
from ..accounts.models import STAFF_ROLES, User
from ..merchants.models import Business
from ..models import isoformat
from ..orders import service as orders
from ..orders.models import STATUSES, Order
from ..orders.schemas import OrderSchema
from ..pagination import ListArgsSchema, page_schema, paginate

blp = Blueprint("admin", __name__, description="Support staff")
SECURITY = [{"bearerAuth": []}]


class BusinessHealthSchema(ma.Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    status = ma.fields.String()
    tokenExpiresAt = ma.fields.Method("_token_expires_at", allow_none=True)
    lastError = ma.fields.Method("_last_error", allow_none=True)
    hookRegistered = ma.fields.Method("_hook_registered")
    connectedAt = ma.fields.Method("_connected_at")

    def _token_expires_at(self, business):
        token = business.token
        return isoformat(token.expires_at) if token else None

    def _last_error(self, business):
        token = business.token
        return business.last_error or (token.last_error if token else None)

    def _hook_registered(self, business) -> bool:
        return bool(business.hook_id and business.hook_secret)

    def _connected_at(self, business):
        return isoformat(business.connected_at)


class AdminOrderSchema(OrderSchema):
    userId = ma.fields.String(attribute="user_id")
    poyntOrderId = ma.fields.String(attribute="poynt_order_id")
    relayAttempts = ma.fields.Integer(attribute="relay_attempts")
    lastError = ma.fields.String(attribute="last_error", allow_none=True)


class AdminOrderArgsSchema(ListArgsSchema):
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))
    storeId = ma.fields.String()
    businessId = ma.fields.String()
    userId = ma.fields.String()
    q = ma.fields.String(
        validate=ma.validate.Length(1, 320),
        metadata={"description": "An order id, a Poynt order id or an email"},
    )


class RetryAnswerSchema(ma.Schema):
    id = ma.fields.String()
    status = ma.fields.String()


@blp.get("/v1/admin/businesses")
@roles_required(*STAFF_ROLES)
@blp.doc(security=SECURITY)
@blp.arguments(ListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, page_schema(BusinessHealthSchema, "BusinessHealthPage"))
def list_businesses(limit, cursor):
    """Connected businesses with the health of their Poynt connection."""
    query = select(Business).options(selectinload(Business.token))
    return paginate(query, Business, limit, cursor)


@blp.get("/v1/admin/orders")
@roles_required(*STAFF_ROLES)
@blp.doc(security=SECURITY)
@blp.arguments(AdminOrderArgsSchema, location="query", as_kwargs=True)
@blp.response(200, page_schema(AdminOrderSchema, "AdminOrderPage"))
def list_orders(limit, cursor, **filters):
    """Orders of all users, newest first, filtered as asked."""
    query = select(Order)
    if filters.get("status"):
        query = query.where(Order.status == filters["status"])
    if filters.get("storeId"):
        query = query.where(Order.store_id == filters["storeId"])
    if filters.get("businessId"):
        query = query.where(Order.business_id == filters["businessId"])
    if filters.get("userId"):
        query = query.where(Order.user_id == filters["userId"])
    if filters.get("q"):
        term = filters["q"].strip()
        owner = select(User.id).where(User.email == term.lower())
        query = query.where(
            or_(
                Order.id == term,
                Order.poynt_order_id == term,
                Order.user_id.in_(owner),
            )
        )
    return paginate(query, Order, limit, cursor)


@blp.post("/v1/admin/orders/<order_id>/retry")
@roles_required(*STAFF_ROLES)
@blp.doc(security=SECURITY)
@blp.response(202, RetryAnswerSchema)
@blp.alt_response(409, description="The order is not failed")
def retry_order(order_id):
    """Relay a failed order again."""
    return orders.retry(order_id)
