"""Orders as the sandbox's Poynt holds them: validation, storage and status changes."""

import json
import sqlite3
import uuid

from .errors import PoyntError
from .store import dumps, later_iso, now_iso
from .webhooks import record_order_event

OPENED, COMPLETED, CANCELLED = "OPENED", "COMPLETED", "CANCELLED"


def _invalid(message: str) -> PoyntError:
    return PoyntError(400, "INVALID_REQUEST", message)


def _store_ids(conn: sqlite3.Connection, business_id: str) -> set[str]:
    row = conn.execute(
        "SELECT doc FROM businesses WHERE id = ?", (business_id,)
    ).fetchone()
    if row is None:
        raise PoyntError(404, "RESOURCE_NOT_FOUND", "Business not found")
    return {store["id"] for store in json.loads(row["doc"])["stores"]}


def _validate_items(items) -> None:
    if not isinstance(items, list) or not items:
        raise _invalid("items must be a non-empty list")
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not item.get("name"):
            raise _invalid(f"items[{index}].name is required")
        quantity = item.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int | float):
            raise _invalid(f"items[{index}].quantity must be a number")
        if quantity <= 0:
            raise _invalid(f"items[{index}].quantity must be positive")
        price = item.get("unitPrice")
        if isinstance(price, bool) or not isinstance(price, int):
            raise _invalid(f"items[{index}].unitPrice must be an integer")


def _validate_customer(conn: sqlite3.Connection, business_id: str, customer) -> None:
    if isinstance(customer, str) and customer.isdigit():
        customer = int(customer)
    if isinstance(customer, bool) or not isinstance(customer, int):
        raise _invalid("customerUserId must be a customer id")
    row = conn.execute(
        "SELECT 1 FROM customers WHERE id = ? AND business_id = ?",
        (customer, business_id),
    ).fetchone()
    if row is None:
        raise _invalid(f"customerUserId {customer} is not a customer of this business")


def _order_id(body: dict) -> str:
    if body.get("id") is None:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(str(body["id"])))
    except ValueError as error:
        raise _invalid("id must be a UUID") from error


def create_order(
    conn: sqlite3.Connection, base_url: str, business_id: str, body, attempts: int
) -> dict:
    """Validate and store a new order, and record its ORDER_OPENED events."""
    if not isinstance(body, dict):
        raise _invalid("Body must be a JSON order")
    context = body.get("context")
    if not isinstance(context, dict):
        raise _invalid("context is required")
    if context.get("businessId", business_id) != business_id:
        raise _invalid("context.businessId does not match the path")
    if context.get("storeId") not in _store_ids(conn, business_id):
        raise _invalid("context.storeId is not a store of this business")
    _validate_items(body.get("items"))
    if not isinstance(body.get("amounts"), dict):
        raise _invalid("amounts is required")
    if body.get("customerUserId") is not None:
        _validate_customer(conn, business_id, body["customerUserId"])

    order_id = _order_id(body)
    if conn.execute("SELECT 1 FROM orders WHERE id = ?", (order_id,)).fetchone():
        raise PoyntError(409, "RESOURCE_ALREADY_EXISTS", f"Order {order_id} exists")

    now = now_iso()
    externally = context.get("transactionInstruction") == "EXTERNALLY_PROCESSED"
    order = {
        **body,
        "id": order_id,
        "context": {**context, "businessId": business_id},
        "items": [
            {**item, "id": number, "status": item.get("status") or "ORDERED"}
            for number, item in enumerate(body["items"], start=1)
        ],
        "statuses": {
            "status": OPENED,
            "fulfillmentStatus": "NONE",
            "transactionStatusSummary": "EXTERNALLY_PROCESSED"
            if externally
            else "NONE",
        },
        "createdAt": now,
        "updatedAt": now,
    }
    conn.execute(
        "INSERT INTO orders (id, business_id, store_id, created_at, updated_at, doc)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (order_id, business_id, context["storeId"], now, now, dumps(order)),
    )
    record_order_event(conn, base_url, order, "ORDER_OPENED", attempts)
    return order


def load_order(conn: sqlite3.Connection, business_id: str, order_id: str) -> dict:
    row = conn.execute(
        "SELECT doc FROM orders WHERE id = ? AND business_id = ?",
        (order_id, business_id),
    ).fetchone()
    if row is None:
        raise PoyntError(404, "RESOURCE_NOT_FOUND", f"Order {order_id} not found")
    return json.loads(row["doc"])


def _fulfil_items(order: dict) -> None:
    for item in order["items"]:
        item["status"] = "FULFILLED"
    order["statuses"]["fulfillmentStatus"] = "FULFILLED"


def _fulfil(order: dict) -> str:
    _fulfil_items(order)
    return "ORDER_UPDATED"


def _complete(order: dict) -> str:
    _fulfil_items(order)
    order["statuses"]["status"] = COMPLETED
    return "ORDER_COMPLETED"


def _cancel(order: dict) -> str:
    order["statuses"]["status"] = CANCELLED
    return "ORDER_CANCELLED"


# For each action: the statuses it refuses to leave, and what it changes.
_ACTIONS = {
    "fulfil": ({COMPLETED, CANCELLED}, _fulfil),
    "complete": ({COMPLETED, CANCELLED}, _complete),
    "cancel": ({COMPLETED, CANCELLED}, _cancel),
}


def change_order(
    conn: sqlite3.Connection,
    base_url: str,
    business_id: str,
    order_id: str,
    action: str,
    attempts: int,
) -> dict:
    """Fulfil, complete or cancel an order as a terminal would, with its event."""
    refused, apply = _ACTIONS[action]
    order = load_order(conn, business_id, order_id)
    status = order["statuses"]["status"]
    if status in refused:
        raise PoyntError(409, "INVALID_STATE", f"Order is already {status}")

    event_type = apply(order)
    order["updatedAt"] = later_iso(order["updatedAt"])
    conn.execute(
        "UPDATE orders SET doc = ?, updated_at = ? WHERE id = ?",
        (dumps(order), order["updatedAt"], order_id),
    )
    record_order_event(conn, base_url, order, event_type, attempts)
    return order


def list_orders(
    conn: sqlite3.Connection,
    business_id: str,
    *,
    start_at: str | None = None,
    end_at: str | None = None,
    store_id: str | None = None,
    limit: int = 100_000,
    offset: int = 0,
) -> tuple[list[dict], bool]:
    """Orders by newest ``updatedAt`` first; whether more follow this page."""
    sql = "SELECT doc FROM orders WHERE business_id = ?"
    params: list = [business_id]
    if start_at:
        sql += " AND updated_at >= ?"
        params.append(start_at)
    if end_at:
        sql += " AND updated_at <= ?"
        params.append(end_at)
    if store_id:
        sql += " AND store_id = ?"
        params.append(store_id)
    sql += " ORDER BY updated_at DESC, created_at DESC, id LIMIT ? OFFSET ?"
    params += [limit + 1, offset]
    rows = conn.execute(sql, params).fetchall()
    return [json.loads(row["doc"]) for row in rows[:limit]], len(rows) > limit
