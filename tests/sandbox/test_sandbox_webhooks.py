"""Hooks and signed webhook deliveries to a real local receiver."""

import base64
import hashlib
import hmac
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from mobile_backend.sandbox import create_app
from mobile_backend.sandbox.seed import (
    BAKERY_BUSINESS_ID,
    COFFEE_BUSINESS_ID,
    COFFEE_STORE_ID,
    COFFEE_TERMINAL_ID,
)

SECRET = "hook-secret-\u00e9"
ORDER = {
    "items": [{"name": "Latte", "quantity": 1, "unitPrice": 475}],
    "amounts": {"subTotal": 475, "netTotal": 475, "currency": "USD"},
    "context": {"storeId": COFFEE_STORE_ID},
}
EVENT_TYPES = ["ORDER_OPENED", "ORDER_UPDATED", "ORDER_COMPLETED", "ORDER_CANCELLED"]


class Receiver:
    """A tiny webhook receiver that records raw bodies and answers as told."""

    def __init__(self):
        self.received = []
        self.answers = []  # statuses (or "stall") to give before answering 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                answer = receiver.answers.pop(0) if receiver.answers else 200
                if answer == "stall":
                    time.sleep(1.5)
                    answer = 200
                self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhooks/poynt"
        threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        ).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


def expected_signature(body: bytes) -> str:
    digest = hmac.new(SECRET.encode(), body, hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class Merchant:
    """The calls an integrating backend makes, over real HTTP."""

    def __init__(self, sandbox, business_id=COFFEE_BUSINESS_ID):
        self.sandbox = sandbox
        self.url = sandbox.base_url
        self.merchant = sandbox.bearer(
            sandbox.merchant_tokens(business_id)["accessToken"]
        )
        self.app = sandbox.bearer(sandbox.app_token())

    def register_hook(self, delivery_url, business_id=COFFEE_BUSINESS_ID):
        return requests.post(
            f"{self.url}/hooks",
            json={
                "applicationId": self.sandbox.app_id,
                "businessId": business_id,
                "deliveryUrl": delivery_url,
                "secret": SECRET,
                "eventTypes": EVENT_TYPES,
            },
            headers=self.app,
            timeout=5,
        )

    def place_order(self):
        answer = requests.post(
            f"{self.url}/businesses/{COFFEE_BUSINESS_ID}/orders",
            json=ORDER,
            headers=self.merchant,
            timeout=5,
        )
        assert answer.status_code == 201
        return answer.json()


def deliveries(sandbox) -> list:
    return sandbox.client.get("/sandbox/webhook-deliveries").json["deliveries"]


def test_hook_registration_list_and_delete(sandbox):
    sandbox.merchant_tokens(COFFEE_BUSINESS_ID)
    app = sandbox.bearer(sandbox.app_token())
    body = {
        "applicationId": sandbox.app_id,
        "businessId": COFFEE_BUSINESS_ID,
        "deliveryUrl": "http://127.0.0.1:9/hook",
        "secret": SECRET,
        "eventTypes": ["ORDER_OPENED"],
    }

    created = sandbox.client.post("/hooks", json=body, headers=app)

    assert created.status_code == 201
    hook = created.json
    assert "secret" not in hook
    assert hook["businessId"] == COFFEE_BUSINESS_ID
    assert hook["eventTypes"] == ["ORDER_OPENED"]
    listed = sandbox.client.get(
        "/hooks", query_string={"businessId": COFFEE_BUSINESS_ID}, headers=app
    )
    assert listed.json["hooks"] == [hook]
    assert sandbox.client.delete(f"/hooks/{hook['id']}", headers=app).status_code == 204
    assert sandbox.client.delete(f"/hooks/{hook['id']}", headers=app).status_code == 404

    unauthorized = {**body, "businessId": BAKERY_BUSINESS_ID}
    refused = sandbox.client.post("/hooks", json=unauthorized, headers=app)
    assert refused.status_code == 403
    missing = sandbox.client.post(
        "/hooks", json={**body, "deliveryUrl": ""}, headers=app
    )
    assert missing.status_code == 400


def test_an_order_event_is_delivered_signed(live_sandbox, receiver):
    merchant = Merchant(live_sandbox)
    hook = merchant.register_hook(receiver.url).json()

    started = time.monotonic()
    order = merchant.place_order()
    assert time.monotonic() - started < 1

    live_sandbox.wait_for(lambda: receiver.received)
    headers, body = receiver.received[0]
    assert headers["Content-Type"] == "application/json"
    assert headers["Poynt-Webhook-Signature"] == expected_signature(body)
    event = json.loads(body)
    assert event["eventType"] == "ORDER_OPENED"
    assert event["hookId"] == hook["id"]
    assert event["applicationId"] == live_sandbox.app_id
    assert event["businessId"] == COFFEE_BUSINESS_ID
    assert event["storeId"] == COFFEE_STORE_ID
    assert event["deviceId"] == COFFEE_TERMINAL_ID
    assert event["resource"] == "/orders"
    assert event["resourceId"] == order["id"]
    [link] = event["links"]
    assert link["href"] == (
        f"{live_sandbox.base_url}/businesses/{COFFEE_BUSINESS_ID}/orders/{order['id']}"
    )
    fetched = requests.get(link["href"], headers=merchant.merchant, timeout=5)
    assert fetched.json()["id"] == order["id"]

    terminal = f"/sandbox/businesses/{COFFEE_BUSINESS_ID}/orders/{order['id']}"
    live_sandbox.client.post(f"{terminal}/fulfil")
    live_sandbox.client.post(f"{terminal}/complete")
    live_sandbox.wait_for(lambda: len(receiver.received) == 3)
    types = [json.loads(body)["eventType"] for _, body in receiver.received]
    assert types == ["ORDER_OPENED", "ORDER_UPDATED", "ORDER_COMPLETED"]
    [first, *_] = deliveries(live_sandbox)
    assert first["eventId"] == event["id"]
    assert first["responseStatus"] == 200
    assert first["attempt"] == 1
    assert first["error"] is None


def test_a_failed_delivery_is_retried_with_the_same_bytes(live_sandbox, receiver):
    merchant = Merchant(live_sandbox)
    merchant.register_hook(receiver.url)
    receiver.answers = [500, "stall"]

    merchant.place_order()

    live_sandbox.wait_for(lambda: len(deliveries(live_sandbox)) == 3, timeout=10)
    attempts = deliveries(live_sandbox)
    assert [d["attempt"] for d in attempts] == [1, 2, 3]
    assert [d["responseStatus"] for d in attempts] == [500, None, 200]
    assert attempts[1]["error"] == "timeout"
    bodies = {body for _, body in receiver.received}
    signatures = {
        headers["Poynt-Webhook-Signature"] for headers, _ in receiver.received
    }
    assert len(bodies) == 1 and len(signatures) == 1


def test_redeliver_sends_the_event_again(live_sandbox, receiver):
    merchant = Merchant(live_sandbox)
    merchant.register_hook(receiver.url)
    merchant.place_order()
    live_sandbox.wait_for(lambda: deliveries(live_sandbox))
    event_id = deliveries(live_sandbox)[0]["eventId"]

    answer = live_sandbox.client.post(
        f"/sandbox/webhook-deliveries/{event_id}/redeliver"
    )

    assert answer.status_code == 202
    live_sandbox.wait_for(lambda: len(receiver.received) == 2)
    assert receiver.received[0][1] == receiver.received[1][1]
    assert deliveries(live_sandbox)[1]["attempt"] == 2
    missing = live_sandbox.client.post("/sandbox/webhook-deliveries/nope/redeliver")
    assert missing.status_code == 404


def test_a_burst_of_orders_is_all_delivered(live_sandbox, receiver):
    merchant = Merchant(live_sandbox)
    merchant.register_hook(receiver.url)

    with ThreadPoolExecutor(max_workers=8) as pool:
        placed = [pool.submit(merchant.place_order) for _ in range(20)]
    orders = [future.result()["id"] for future in placed]

    live_sandbox.wait_for(lambda: len(receiver.received) == 20, timeout=10)
    delivered = {json.loads(body)["resourceId"] for _, body in receiver.received}
    assert delivered == set(orders)


def test_undelivered_events_are_sent_after_a_restart(sandbox, tmp_path, receiver):
    # Stopping the delivery threads first stands for a process that died
    # right after the order was placed.
    sandbox.app.extensions["sandbox"].shutdown()
    sandbox.merchant_tokens(COFFEE_BUSINESS_ID)
    hook = sandbox.client.post(
        "/hooks",
        json={
            "businessId": COFFEE_BUSINESS_ID,
            "deliveryUrl": receiver.url,
            "secret": SECRET,
            "eventTypes": EVENT_TYPES,
        },
        headers=sandbox.bearer(sandbox.app_token()),
    )
    assert hook.status_code == 201
    merchant = sandbox.bearer(
        sandbox.merchant_tokens(COFFEE_BUSINESS_ID)["accessToken"]
    )
    sandbox.client.post(
        f"/businesses/{COFFEE_BUSINESS_ID}/orders", json=ORDER, headers=merchant
    )
    time.sleep(0.3)
    assert receiver.received == []

    restarted = create_app(str(tmp_path), sandbox.base_url)
    try:
        sandbox.wait_for(lambda: receiver.received)
    finally:
        restarted.extensions["sandbox"].shutdown()
    assert json.loads(receiver.received[0][1])["eventType"] == "ORDER_OPENED"
