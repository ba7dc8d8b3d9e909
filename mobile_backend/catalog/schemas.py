"""What consumers read of stores and catalogs."""

import marshmallow as ma


class AddressSchema(ma.Schema):
    line1 = ma.fields.String(allow_none=True)
    line2 = ma.fields.String(allow_none=True)
    city = ma.fields.String(allow_none=True)
    territory = ma.fields.String(allow_none=True)
    postalCode = ma.fields.String(allow_none=True)
    countryCode = ma.fields.String(allow_none=True)


class StoreSchema(ma.Schema):
    id = ma.fields.String(metadata={"description": "Poynt store id"})
    businessId = ma.fields.String(attribute="business_id")
    name = ma.fields.String()
    address = ma.fields.Method("_address", metadata={"description": "Postal address"})
    acceptingOrders = ma.fields.Boolean(attribute="accepting_orders")
    currency = ma.fields.String()
    timezone = ma.fields.String(allow_none=True)

    def _address(self, store) -> dict:
        fields = AddressSchema().fields
        return {key: (store.address or {}).get(key) for key in fields}


class CategorySchema(ma.Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    productIds = ma.fields.List(ma.fields.String())


class ProductSchema(ma.Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    description = ma.fields.String()
    price = ma.fields.Integer(metadata={"description": "Minor units"})
    imageUrl = ma.fields.String(allow_none=True)
    available = ma.fields.Boolean()
    taxIds = ma.fields.List(ma.fields.String())


class TaxSchema(ma.Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    rate = ma.fields.Float(metadata={"description": "Percent, e.g. 8.625"})


class CatalogSchema(ma.Schema):
    storeId = ma.fields.String()
    currency = ma.fields.String()
    categories = ma.fields.List(ma.fields.Nested(CategorySchema))
    products = ma.fields.List(ma.fields.Nested(ProductSchema))
    taxes = ma.fields.List(ma.fields.Nested(TaxSchema))
