"""The order-ahead story end to end, over real sockets.

A merchant connects Sandbox Coffee; a consumer orders two products, the
terminal fulfils and completes the order, and the phone gets its pushes.
"""

import uuid

from support import wait_for

from mobile_backend.extensions import db
from mobile_backend.orders.models import Order


def test_a_consumer_orders_and_hears_when_it_is_ready(api, sandbox, coffee, app):
    consumer, session = api.register(name="Grace Hopper")
    assert session["user"]["name"] == "Grace Hopper"
    fcm_token = f"fcm-{uuid.uuid4()}"
    device = consumer.post(
        "/v1/me/devices", json={"token": fcm_token, "platform": "android"}
    )
    assert device.status_code == 201, device.text

    stores = consumer.get("/v1/stores").json()["items"]
    store = next(s for s in stores if s["id"] == coffee.COFFEE_STORE_ID)
    assert store["businessId"] == coffee.COFFEE_BUSINESS_ID
    assert store["acceptingOrders"] is True

    catalog = consumer.get(f"/v1/stores/{store['id']}/catalog")
    assert catalog.status_code == 200
    menu = catalog.json()
    assert len([p for p in menu["products"] if p["available"]]) >= 8
    assert {c["name"] for c in menu["categories"]} >= {"Coffee", "Pastries"}
    unchanged = consumer.get(
        f"/v1/stores/{store['id']}/catalog",
        headers={"If-None-Match": catalog.headers["ETag"]},
    )
    assert unchanged.status_code == 304

    body = {
        "items": [
            {"productId": coffee.LATTE_ID, "quantity": 2, "note": "oat milk"},
            {"productId": coffee.CROISSANT_ID, "quantity": 1},
        ],
        "note": "pick up at 8",
    }
    key = {"Idempotency-Key": str(uuid.uuid4())}
    placed = consumer.post(f"/v1/stores/{store['id']}/orders", json=body, headers=key)
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["status"] in ("submitted", "received")
    prices = {p["id"]: p["price"] for p in menu["products"]}
    assert (
        order["amounts"]["subTotal"]
        == 2 * prices[coffee.LATTE_ID] + prices[coffee.CROISSANT_ID]
    )
    assert order["amounts"]["total"] == (
        order["amounts"]["subTotal"] + order["amounts"]["taxTotal"]
    )

    again = consumer.post(f"/v1/stores/{store['id']}/orders", json=body, headers=key)
    assert again.status_code == 200
    assert again.json()["id"] == order["id"]

    def status_is(expected):
        def check():
            current = consumer.get(f"/v1/orders/{order['id']}").json()
            return current if current["status"] == expected else None

        return check

    wait_for(status_is("received"), timeout=10)
    with app.app_context():
        poynt_id = db.session.get(Order, order["id"]).poynt_order_id
    held = sandbox.get(f"/sandbox/businesses/{coffee.COFFEE_BUSINESS_ID}/orders")
    assert [o["id"] for o in held.json()["orders"]].count(poynt_id) == 1

    fulfilled = sandbox.post(
        f"/sandbox/businesses/{coffee.COFFEE_BUSINESS_ID}/orders/{poynt_id}/fulfil"
    )
    assert fulfilled.status_code == 200, fulfilled.text
    wait_for(status_is("ready"), timeout=10)

    def push_for(status):
        def check():
            pushes = sandbox.get("/sandbox/pushes").json()["pushes"]
            return [
                p
                for p in pushes
                if p["token"] == fcm_token
                and p["data"].get("orderId") == order["id"]
                and p["data"].get("status") == status
            ]

        return check

    ready_push = wait_for(push_for("ready"), timeout=10)[0]
    assert "ready" in ready_push["notification"]["body"]
    assert ready_push["notification"]["title"] == "Order ready"
    # A newer status replaces the shown notification instead of piling up.
    assert ready_push["android"]["collapse_key"] == order["id"]
    assert ready_push["apns"]["headers"]["apns-collapse-id"] == order["id"]

    completed = sandbox.post(
        f"/sandbox/businesses/{coffee.COFFEE_BUSINESS_ID}/orders/{poynt_id}/complete"
    )
    assert completed.status_code == 200, completed.text
    wait_for(status_is("completed"), timeout=10)
    wait_for(push_for("completed"), timeout=10)

    mine = consumer.get("/v1/orders").json()
    assert mine["items"][0]["id"] == order["id"]
