"""Poynt's resource paths: businesses, catalogs, customers, orders, hooks, messages."""

import functools
import json
import uuid
from urllib.parse import urlencode

from flask import Blueprint, g, jsonify, request

from . import orders
from .errors import PoyntError
from .state import current
from .store import dumps, iso, now_iso, parse_iso
from .traffic import idempotent

bp = Blueprint("sandbox_poynt", __name__)

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
MAX_CLOUD_MESSAGE_TTL = 2_419_200
MAX_CLOUD_MESSAGE_BYTES = 4096


def _denied(message: str) -> PoyntError:
    return PoyntError(403, "ACCESS_DENIED", message)


def _invalid(message: str) -> PoyntError:
    return PoyntError(400, "INVALID_REQUEST", message)


def _not_found(message: str) -> PoyntError:
    return PoyntError(404, "RESOURCE_NOT_FOUND", message)


def _claims() -> dict:
    """The claims of the request's access token, or a 401."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise PoyntError(401, "INVALID_ACCESS_TOKEN", "Missing access token")
    return current().tokens.verify_access_token(token.strip())


def _has_authorized(application_id: str, business_id: str) -> bool:
    with current().store.read() as conn:
        row = conn.execute(
            "SELECT 1 FROM authorizations WHERE application_id = ? AND business_id = ?",
            (application_id, business_id),
        ).fetchone()
    return row is not None


def business_access(view):
    """Let through a merchant token of this business, or an app token reading one
    of the businesses that authorized the app."""

    @functools.wraps(view)
    def wrapper(business_id: str, **kwargs):
        claims = _claims()
        if claims.get("poynt.biz"):
            if claims["poynt.biz"] != business_id:
                raise _denied("Token is for another business")
        elif request.method != "GET" or not _has_authorized(claims["sub"], business_id):
            raise _denied("Application may not access this business")
        g.claims = claims
        return view(business_id, **kwargs)

    return wrapper


def app_access(view):
    """Let through application tokens only, as Poynt does for hooks and messages."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        claims = _claims()
        if claims.get("poynt.biz"):
            raise _denied("This call needs an application access token")
        g.claims = claims
        return view(*args, **kwargs)

    return wrapper


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise _invalid("Body must be a JSON object")
    return body


def _page_args() -> tuple[int, int]:
    try:
        limit = int(request.args.get("limit", DEFAULT_LIMIT))
        offset = int(request.args.get("startOffset", 0))
    except ValueError as error:
        raise _invalid("limit and startOffset must be integers") from error
    if limit < 1 or offset < 0:
        raise _invalid("limit must be positive and startOffset not negative")
    return min(limit, MAX_LIMIT), offset


def _next_links(more: bool, offset: int, count: int) -> list[dict]:
    if not more:
        return []
    args = {k: v for k, v in request.args.items() if k != "startOffset"}
    args["startOffset"] = offset + count
    href = f"{current().base_url}{request.path}?{urlencode(args)}"
    return [{"href": href, "rel": "next", "method": "GET"}]


def load_business(conn, business_id: str) -> dict:
    row = conn.execute(
        "SELECT doc FROM businesses WHERE id = ?", (business_id,)
    ).fetchone()
    if row is None:
        raise _not_found(f"Business {business_id} not found")
    return json.loads(row["doc"])


# Businesses and catalogs


@bp.get("/businesses/<business_id>")
@business_access
def get_business(business_id: str):
    """The business with its stores and their terminals."""
    with current().store.read() as conn:
        return jsonify(load_business(conn, business_id))


def _products(conn, business_id: str) -> list[dict]:
    rows = conn.execute(
        "SELECT doc FROM products WHERE business_id = ? ORDER BY position",
        (business_id,),
    ).fetchall()
    return [json.loads(row["doc"]) for row in rows]


def _taxes(conn, business_id: str) -> list[dict]:
    rows = conn.execute(
        "SELECT doc FROM taxes WHERE business_id = ? ORDER BY id", (business_id,)
    ).fetchall()
    return [json.loads(row["doc"]) for row in rows]


@bp.get("/businesses/<business_id>/catalogs")
@business_access
def list_catalogs(business_id: str):
    """The business's catalogs, without their contents."""
    with current().store.read() as conn:
        load_business(conn, business_id)
        rows = conn.execute(
            "SELECT doc FROM catalogs WHERE business_id = ? ORDER BY id",
            (business_id,),
        ).fetchall()
    fields = ("id", "name", "businessId", "createdAt", "updatedAt")
    catalogs = [{k: json.loads(row["doc"])[k] for k in fields} for row in rows]
    return jsonify({"catalogs": catalogs, "links": []})


@bp.get("/businesses/<business_id>/catalogs/<catalog_id>/full")
@business_access
def full_catalog(business_id: str, catalog_id: str):
    """A catalog with its products, categories and taxes expanded."""
    with current().store.read() as conn:
        row = conn.execute(
            "SELECT doc FROM catalogs WHERE id = ? AND business_id = ?",
            (catalog_id, business_id),
        ).fetchone()
        if row is None:
            raise _not_found(f"Catalog {catalog_id} not found")
        catalog = json.loads(row["doc"])
        products = _products(conn, business_id)
        taxes = _taxes(conn, business_id)
    return jsonify(
        {
            "id": catalog["id"],
            "name": catalog["name"],
            "businessId": business_id,
            "products": [
                {"product": product, "displayOrder": order}
                for order, product in enumerate(products, start=1)
            ],
            "categories": catalog["categories"],
            "taxes": taxes,
            "createdAt": catalog["createdAt"],
            "updatedAt": catalog["updatedAt"],
        }
    )


# Limitation: products and taxes come in one page (links is always empty);
# fine for the small seeded catalogs, unlike Poynt for a large one.
@bp.get("/businesses/<business_id>/products")
@business_access
def list_products(business_id: str):
    """Every product of the business."""
    with current().store.read() as conn:
        load_business(conn, business_id)
        return jsonify({"products": _products(conn, business_id), "links": []})


@bp.get("/businesses/<business_id>/taxes")
@business_access
def list_taxes(business_id: str):
    """Every tax of the business."""
    with current().store.read() as conn:
        load_business(conn, business_id)
        return jsonify({"taxes": _taxes(conn, business_id), "links": []})


# Customers


@bp.post("/businesses/<business_id>/customers")
@business_access
@idempotent
def create_customer(business_id: str):
    """Create a customer of the business; its id is numeric."""
    body = _json_body()
    with current().store.tx() as conn:
        load_business(conn, business_id)
        now = now_iso()
        cursor = conn.execute(
            "INSERT INTO customers (business_id, created_at, doc) VALUES (?, ?, '{}')",
            (business_id, now),
        )
        customer = {
            **body,
            "id": cursor.lastrowid,
            "businessId": business_id,
            "createdAt": now,
            "updatedAt": now,
        }
        conn.execute(
            "UPDATE customers SET doc = ? WHERE id = ?",
            (dumps(customer), cursor.lastrowid),
        )
    return jsonify(customer), 201


@bp.get("/businesses/<business_id>/customers/<int:customer_id>")
@business_access
def get_customer(business_id: str, customer_id: int):
    """One customer of the business."""
    with current().store.read() as conn:
        row = conn.execute(
            "SELECT doc FROM customers WHERE id = ? AND business_id = ?",
            (customer_id, business_id),
        ).fetchone()
    if row is None:
        raise _not_found(f"Customer {customer_id} not found")
    return jsonify(json.loads(row["doc"]))


@bp.get("/businesses/<business_id>/customers")
@business_access
def list_customers(business_id: str):
    """The business's customers, oldest first, paged."""
    limit, offset = _page_args()
    with current().store.read() as conn:
        rows = conn.execute(
            "SELECT doc FROM customers WHERE business_id = ? ORDER BY id"
            " LIMIT ? OFFSET ?",
            (business_id, limit + 1, offset),
        ).fetchall()
    customers = [json.loads(row["doc"]) for row in rows[:limit]]
    links = _next_links(len(rows) > limit, offset, len(customers))
    return jsonify({"customers": customers, "links": links})


# Orders


@bp.post("/businesses/<business_id>/orders")
@business_access
@idempotent
def create_order(business_id: str):
    """Put an order in the terminal's inbox."""
    sandbox = current()
    body = request.get_json(silent=True)
    with sandbox.store.tx() as conn:
        order = orders.create_order(
            conn, sandbox.base_url, business_id, body, sandbox.delivery_attempts()
        )
    sandbox.worker.wake()
    return jsonify(order), 201


@bp.get("/businesses/<business_id>/orders/<order_id>")
@business_access
def get_order(business_id: str, order_id: str):
    """One order of the business."""
    with current().store.read() as conn:
        return jsonify(orders.load_order(conn, business_id, order_id))


def _time_arg(name: str) -> str | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return iso(parse_iso(value))
    except ValueError as error:
        raise _invalid(f"{name} must be an ISO 8601 time") from error


@bp.get("/businesses/<business_id>/orders")
@business_access
def list_orders(business_id: str):
    """Orders by newest updatedAt first, filtered by time window and store."""
    limit, offset = _page_args()
    with current().store.read() as conn:
        page, more = orders.list_orders(
            conn,
            business_id,
            start_at=_time_arg("startAt"),
            end_at=_time_arg("endAt"),
            store_id=request.args.get("storeId"),
            limit=limit,
            offset=offset,
        )
    return jsonify({"orders": page, "links": _next_links(more, offset, len(page))})


def change_order(business_id: str, order_id: str, action: str):
    """Apply a terminal action to an order and wake the delivery threads."""
    sandbox = current()
    with sandbox.store.tx() as conn:
        order = orders.change_order(
            conn,
            sandbox.base_url,
            business_id,
            order_id,
            action,
            sandbox.delivery_attempts(),
        )
    sandbox.worker.wake()
    return jsonify(order)


@bp.post("/businesses/<business_id>/orders/<order_id>/cancel")
@business_access
@idempotent
def cancel_order(business_id: str, order_id: str):
    """Cancel an open order."""
    return change_order(business_id, order_id, "cancel")


@bp.post("/businesses/<business_id>/orders/<order_id>/forceComplete")
@business_access
@idempotent
def force_complete_order(business_id: str, order_id: str):
    """Complete an open order."""
    return change_order(business_id, order_id, "complete")


# Hooks


def _hook_doc(row) -> dict:
    return json.loads(row["doc"])


@bp.post("/hooks")
@app_access
@idempotent
def create_hook():
    """Subscribe a delivery URL to a business's events."""
    body = _json_body()
    application_id = body.get("applicationId") or g.claims["sub"]
    if application_id != g.claims["sub"]:
        raise _denied("applicationId does not match the access token")
    for field in ("businessId", "deliveryUrl", "secret"):
        if not isinstance(body.get(field), str) or not body[field]:
            raise _invalid(f"{field} is required")
    if not body["deliveryUrl"].startswith(("http://", "https://")):
        raise _invalid("deliveryUrl must be an http(s) URL")
    event_types = body.get("eventTypes")
    if not isinstance(event_types, list) or not event_types:
        raise _invalid("eventTypes must be a non-empty list")
    if not _has_authorized(application_id, body["businessId"]):
        raise _denied("The business has not authorized this application")

    now = now_iso()
    hook = {
        "id": str(uuid.uuid4()),
        "applicationId": application_id,
        "businessId": body["businessId"],
        "deliveryUrl": body["deliveryUrl"],
        "eventTypes": event_types,
        "createdAt": now,
        "updatedAt": now,
    }
    with current().store.tx() as conn:
        conn.execute(
            "INSERT INTO hooks (id, application_id, business_id, secret, doc)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                hook["id"],
                application_id,
                hook["businessId"],
                body["secret"],
                dumps(hook),
            ),
        )
    return jsonify(hook), 201


@bp.get("/hooks")
@app_access
def list_hooks():
    """The application's hooks, optionally for one business."""
    sql = "SELECT doc FROM hooks WHERE application_id = ?"
    params = [g.claims["sub"]]
    if request.args.get("businessId"):
        sql += " AND business_id = ?"
        params.append(request.args["businessId"])
    with current().store.read() as conn:
        rows = conn.execute(sql + " ORDER BY rowid", params).fetchall()
    return jsonify({"hooks": [_hook_doc(row) for row in rows]})


@bp.delete("/hooks/<hook_id>")
@app_access
def delete_hook(hook_id: str):
    """Stop deliveries to a hook."""
    with current().store.tx() as conn:
        deleted = conn.execute(
            "DELETE FROM hooks WHERE id = ? AND application_id = ?",
            (hook_id, g.claims["sub"]),
        ).rowcount
    if not deleted:
        raise _not_found(f"Hook {hook_id} not found")
    return "", 204


# Cloud messages


def _validate_cloud_message(body: dict) -> None:
    for field in ("businessId", "storeId", "deviceId", "data"):
        if not isinstance(body.get(field), str) or not body[field]:
            raise _invalid(f"{field} is required")
    recipient = body.get("recipient")
    if not isinstance(recipient, dict) or not all(
        isinstance(recipient.get(k), str) and recipient[k]
        for k in ("packageName", "className")
    ):
        raise _invalid("recipient needs packageName and className")
    ttl = body.get("ttl")
    if isinstance(ttl, bool) or not isinstance(ttl, int):
        raise _invalid("ttl must be an integer number of seconds")
    if not 1 <= ttl <= MAX_CLOUD_MESSAGE_TTL:
        raise _invalid(f"ttl must be between 1 and {MAX_CLOUD_MESSAGE_TTL}")
    if len(body["data"].encode()) > MAX_CLOUD_MESSAGE_BYTES:
        raise _invalid(f"data must be at most {MAX_CLOUD_MESSAGE_BYTES} bytes")


@bp.post("/cloudMessages")
@app_access
@idempotent
def send_cloud_message():
    """Accept a message for a terminal app; it is only recorded here."""
    body = _json_body()
    _validate_cloud_message(body)
    if not _has_authorized(g.claims["sub"], body["businessId"]):
        raise _denied("The business has not authorized this application")
    with current().store.tx() as conn:
        conn.execute(
            "INSERT INTO cloud_messages (doc, received_at) VALUES (?, ?)",
            (dumps({**body, "applicationId": g.claims["sub"]}), now_iso()),
        )
    return "", 202
