"""Order requests and answers."""

import marshmallow as ma

from ..models import isoformat


class OrderItemInSchema(ma.Schema):
    productId = ma.fields.String(required=True, validate=ma.validate.Length(1, 64))
    quantity = ma.fields.Integer(
        required=True, strict=True, validate=ma.validate.Range(min=1, max=99)
    )
    note = ma.fields.String(load_default=None, validate=ma.validate.Length(max=200))


class OrderCreateSchema(ma.Schema):
    items = ma.fields.List(
        ma.fields.Nested(OrderItemInSchema),
        required=True,
        validate=ma.validate.Length(min=1, max=50),
    )
    note = ma.fields.String(load_default=None, validate=ma.validate.Length(max=500))


class OrderItemSchema(ma.Schema):
    productId = ma.fields.String()
    name = ma.fields.String()
    quantity = ma.fields.Integer()
    unitPrice = ma.fields.Integer(metadata={"description": "Minor units"})
    note = ma.fields.String(allow_none=True)


class AmountsSchema(ma.Schema):
    subTotal = ma.fields.Integer()
    taxTotal = ma.fields.Integer()
    total = ma.fields.Integer()
    currency = ma.fields.String()


class OrderSchema(ma.Schema):
    id = ma.fields.String()
    storeId = ma.fields.String(attribute="store_id")
    businessId = ma.fields.String(attribute="business_id")
    status = ma.fields.String(
        metadata={
            "enum": [
                "submitted",
                "received",
                "ready",
                "completed",
                "cancelled",
                "failed",
            ]
        }
    )
    items = ma.fields.List(ma.fields.Nested(OrderItemSchema))
    note = ma.fields.String(allow_none=True)
    amounts = ma.fields.Method("_amounts")
    createdAt = ma.fields.Method("_created_at")
    updatedAt = ma.fields.Method("_updated_at")

    def _amounts(self, order) -> dict:
        return {
            "subTotal": order.sub_total,
            "taxTotal": order.tax_total,
            "total": order.total,
            "currency": order.currency,
        }

    def _created_at(self, order) -> str:
        return isoformat(order.created_at)

    def _updated_at(self, order) -> str:
        return isoformat(order.updated_at)
