"""The catalog cache: fetched from Poynt, kept in our shape, read by consumers."""

import hashlib
import json
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from ..errors import ApiError, not_found
from ..extensions import db
from ..merchants.models import Business, Store
from ..models import utcnow
from ..poynt.client import BusinessClient
from .models import CachedCatalog

log = logging.getLogger(__name__)


def _price(product: dict) -> tuple[int, str | None]:
    price = product.get("price") or {}
    return int(price.get("amount") or 0), price.get("currency")


def normalise(full: dict, extra_taxes: list[dict] | None = None) -> dict:
    """Poynt's full catalog as the document consumers read.

    Prices are integer minor units; a product is available only if ACTIVE.
    """
    products = []
    currency = None
    for entry in full.get("products") or []:
        product = entry.get("product") or entry
        amount, product_currency = _price(product)
        currency = currency or product_currency
        images = product.get("imageUrl") or []
        products.append(
            {
                "id": product["id"],
                "name": product.get("name", ""),
                "description": product.get("description") or "",
                "sku": product.get("sku"),
                "price": amount,
                "imageUrl": images[0] if isinstance(images, list) and images else None,
                "available": product.get("status", "ACTIVE") == "ACTIVE",
                "taxIds": [tax["id"] for tax in product.get("taxes") or []],
            }
        )
    categories = [
        {
            "id": category["id"],
            "name": category.get("name", ""),
            "productIds": [
                item["id"]
                for item in sorted(
                    category.get("products") or [],
                    key=lambda item: item.get("displayOrder", 0),
                )
            ],
        }
        for category in full.get("categories") or []
    ]
    taxes = [
        {"id": tax["id"], "name": tax.get("name", ""), "rate": float(tax["rate"])}
        for tax in (full.get("taxes") or extra_taxes or [])
    ]
    return {
        "currency": currency or "USD",
        "categories": categories,
        "products": products,
        "taxes": taxes,
    }


def fetch(client: BusinessClient) -> tuple[str | None, dict]:
    """Read the business's first catalog from Poynt: (catalog id, document)."""
    catalogs = client.list_catalogs()
    if not catalogs:
        return None, normalise({})
    catalog_id = catalogs[0]["id"]
    full = client.get_full_catalog(catalog_id)
    extra = None if full.get("taxes") else client.list_taxes()
    return catalog_id, normalise(full, extra)


def _etag(document: dict) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def keep(business_id: str, catalog_id: str | None, document: dict) -> CachedCatalog:
    """Put a fetched document in the cache; the caller commits."""
    row = db.session.get(CachedCatalog, business_id) or CachedCatalog(
        business_id=business_id
    )
    row.poynt_catalog_id = catalog_id
    row.document = document
    row.etag = _etag(document)
    row.fetched_at = utcnow()
    db.session.add(row)
    return row


def refresh(business_id: str) -> CachedCatalog:
    catalog_id, document = fetch(BusinessClient(business_id))
    row = keep(business_id, catalog_id, document)
    db.session.commit()
    log.info("catalog refreshed", extra={"business_id": business_id})
    return row


def stale_business_ids() -> list[str]:
    cutoff = utcnow() - timedelta(seconds=current_app.config["CATALOG_MAX_AGE"])
    return list(
        db.session.scalars(
            select(Business.id)
            .join(CachedCatalog, CachedCatalog.business_id == Business.id, isouter=True)
            .where(Business.status == "connected")
            .where(
                (CachedCatalog.fetched_at.is_(None))
                | (CachedCatalog.fetched_at < cutoff)
            )
        )
    )


def connected_store(store_id: str) -> Store:
    """A store of a connected business, or 404."""
    store = db.session.scalar(
        select(Store)
        .join(Business)
        .where(Store.id == store_id, Business.status != "disconnected")
    )
    if store is None:
        raise not_found("Store")
    return store


def for_store(store_id: str) -> tuple[Store, CachedCatalog]:
    """The store and its business's cached catalog (fetched once if missing)."""
    store = connected_store(store_id)
    cached = db.session.get(CachedCatalog, store.business_id)
    if cached is None:
        cached = refresh(store.business_id)
    return store, cached


def require_catalog(store_id: str) -> tuple[Store, dict]:
    store, cached = for_store(store_id)
    if not store.accepting_orders:
        raise ApiError(409, "This store is not taking orders now.", kind="store-closed")
    return store, cached.document
