"""Connected stores and their catalogs, read from our cache."""

from flask import Response, request
from flask_smorest import Blueprint
from sqlalchemy import select

from ..accounts.auth import login_required
from ..merchants.models import Business, Store
from ..pagination import ListArgsSchema, page_schema, paginate
from . import service
from .schemas import CatalogSchema, StoreSchema

blp = Blueprint("stores", __name__, description="Connected stores and catalogs")
SECURITY = [{"bearerAuth": []}]


@blp.get("/v1/stores")
@login_required
@blp.doc(security=SECURITY)
@blp.arguments(ListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, page_schema(StoreSchema, "StorePage"))
def list_stores(limit, cursor):
    """Stores of connected businesses, newest first."""
    query = select(Store).join(Business).where(Business.status != "disconnected")
    return paginate(query, Store, limit, cursor)


@blp.get("/v1/stores/<store_id>")
@login_required
@blp.doc(security=SECURITY)
@blp.response(200, StoreSchema)
def get_store(store_id):
    """One store."""
    return service.connected_store(store_id)


@blp.get("/v1/stores/<store_id>/catalog")
@login_required
@blp.doc(security=SECURITY)
@blp.response(200, CatalogSchema)
@blp.alt_response(304, description="Not modified since the ETag given")
def get_catalog(store_id):
    """The store's catalog; send `If-None-Match` to skip an unchanged one."""
    store, cached = service.for_store(store_id)
    etag = f'"{cached.etag}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=60"}
    # Weak comparison, as RFC 9110 asks of If-None-Match.
    if request.if_none_match.contains_weak(cached.etag):
        return Response(status=304, headers=headers)
    return {"storeId": store.id, **cached.document}, 200, headers
