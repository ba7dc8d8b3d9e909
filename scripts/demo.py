"""Walk the order-ahead story against a running `make run`, step by step.

A merchant connects Sandbox Coffee; a consumer registers, adds a phone,
orders two products (twice, with one Idempotency-Key); the terminal fulfils
the order, the phone hears it is ready, and the terminal completes it.

    API_URL=http://127.0.0.1:8000 SANDBOX_URL=http://127.0.0.1:8100 \
        .venv/bin/python scripts/demo.py

One line per step; exits 1 at the first step that does not go as expected.
"""

import os
import re
import sys
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import requests

API_URL = os.environ.get("API_URL", "http://127.0.0.1:8000").rstrip("/")
SANDBOX_URL = os.environ.get("SANDBOX_URL", "http://127.0.0.1:8100").rstrip("/")
BUSINESS_NAME = "Sandbox Coffee"
TIMEOUT = 10
STEP = {"n": 0}


class DemoFailed(Exception):
    """A step did not go as expected."""


def step(message: str) -> None:
    STEP["n"] += 1
    print(f"{STEP['n']:2}. {message}", flush=True)


def expect(response: requests.Response, status: int, what: str) -> requests.Response:
    if response.status_code != status:
        raise DemoFailed(
            f"{what}: expected {status}, got {response.status_code}"
            f" from {response.request.method} {response.url}: {response.text[:500]}"
        )
    return response


def wait_for(predicate, what: str, timeout: float = TIMEOUT, interval: float = 0.2):
    """Poll `predicate` until it answers something truthy; (value, seconds)."""
    started = time.monotonic()
    while True:
        value = predicate()
        if value:
            return value, time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise DemoFailed(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


def connect_merchant() -> str:
    """The merchant's browser: connect, consent, callback. Answers the business id."""
    businesses = expect(
        requests.get(f"{SANDBOX_URL}/sandbox/businesses", timeout=TIMEOUT),
        200,
        "sandbox businesses",
    ).json()["businesses"]
    business = next(
        (b for b in businesses if b.get("doingBusinessAs") == BUSINESS_NAME), None
    )
    if business is None:
        raise DemoFailed(f"the sandbox has no business named {BUSINESS_NAME!r}")
    business_id = business["id"]

    browser = requests.Session()
    start = expect(
        browser.get(
            f"{API_URL}/merchants/connect", allow_redirects=False, timeout=TIMEOUT
        ),
        302,
        "GET /merchants/connect",
    )
    consent_url = start.headers.get("Location", "")
    query = parse_qs(urlsplit(consent_url).query)
    missing = [k for k in ("client_id", "redirect_uri", "context") if k not in query]
    if not consent_url.startswith(SANDBOX_URL) or missing:
        raise DemoFailed(f"unexpected consent redirect {consent_url!r}")
    if "mb_connect" not in browser.cookies:
        raise DemoFailed("GET /merchants/connect set no mb_connect cookie")
    step(f"merchant: /merchants/connect -> 302 to {consent_url.split('?')[0]}")

    page = expect(browser.get(consent_url, timeout=TIMEOUT), 200, "consent page")
    if business_id not in page.text:
        raise DemoFailed("the consent page does not offer Sandbox Coffee")
    step(f"merchant: consent page shown, offers {BUSINESS_NAME} ({business_id})")

    answer = expect(
        browser.post(
            f"{SANDBOX_URL}/applications/authorize",
            data={
                "redirect_uri": query["redirect_uri"][0],
                "client_id": query["client_id"][0],
                "context": query["context"][0],
                "businessId": business_id,
                "decision": "allow",
            },
            allow_redirects=False,
            timeout=TIMEOUT,
        ),
        302,
        "POST consent allow",
    )
    callback_url = answer.headers.get("Location", "")
    if not callback_url.startswith(f"{API_URL}/merchants/connect/callback?"):
        raise DemoFailed(f"Poynt redirected to {callback_url!r}, not the callback")
    status = parse_qs(urlsplit(callback_url).query).get("status", ["?"])[0]
    step(f"merchant: allowed; Poynt redirects to the callback (status={status})")

    done = expect(
        browser.get(callback_url, allow_redirects=False, timeout=30),
        200,
        "callback page",
    )
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", done.text, re.S)
    heading = heading.group(1).strip() if heading else "(no heading)"
    if BUSINESS_NAME not in heading:
        raise DemoFailed(f"callback page heading is {heading!r}")
    step(f"merchant: callback 200, page says {heading!r}")
    return business_id


def main() -> None:
    print(f"API {API_URL}, sandbox {SANDBOX_URL}")
    business_id = connect_merchant()

    run = uuid.uuid4().hex[:12]
    email = f"demo-{run}@example.com"
    registered = expect(
        requests.post(
            f"{API_URL}/v1/auth/register",
            json={"email": email, "password": "demo-pass-123", "name": "Demo Diner"},
            timeout=TIMEOUT,
        ),
        201,
        "register",
    ).json()
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {registered['accessToken']}"
    step(f"consumer: registered {email} (user {registered['user']['id']})")

    def call(method, path, status, what, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        return expect(api.request(method, API_URL + path, **kwargs), status, what)

    fcm_token = f"demo-fcm-{uuid.uuid4()}"
    device = call(
        "POST",
        "/v1/me/devices",
        201,
        "add device",
        json={"token": fcm_token, "platform": "android"},
    ).json()
    step(f"consumer: added device {device['id']} (token {fcm_token})")

    stores = call("GET", "/v1/stores?limit=100", 200, "list stores").json()["items"]
    store = next((s for s in stores if s["businessId"] == business_id), None)
    if store is None:
        raise DemoFailed(f"GET /v1/stores lists no store of {business_id}")
    if not store.get("acceptingOrders"):
        raise DemoFailed(f"store {store['id']} is not accepting orders")
    step(
        f"consumer: {len(stores)} store(s); ordering from {store['name']!r}"
        f" ({store['id']})"
    )

    catalog = call(
        "GET", f"/v1/stores/{store['id']}/catalog", 200, "read catalog"
    ).json()
    products = [p for p in catalog["products"] if p["available"]]
    if len(products) < 2:
        raise DemoFailed(f"the catalog has {len(products)} available product(s)")
    categories = ", ".join(c["name"] for c in catalog["categories"])
    step(
        f"consumer: catalog has {len(catalog['products'])} products"
        f" ({len(products)} available); categories: {categories}"
    )

    first, second = products[0], products[1]
    note = f"demo {run}"
    body = {
        "items": [
            {"productId": first["id"], "quantity": 2, "note": "extra hot"},
            {"productId": second["id"], "quantity": 1},
        ],
        "note": note,
    }
    key = {"Idempotency-Key": f"demo-{run}"}
    path = f"/v1/stores/{store['id']}/orders"
    order = call("POST", path, 201, "place order", json=body, headers=key).json()
    expected_sub = 2 * first["price"] + second["price"]
    amounts = order["amounts"]
    if amounts["subTotal"] != expected_sub:
        raise DemoFailed(f"subTotal {amounts['subTotal']}, expected {expected_sub}")
    if amounts["total"] != amounts["subTotal"] + amounts["taxTotal"]:
        raise DemoFailed(f"total does not add up: {amounts}")
    step(
        f"consumer: ordered 2 x {first['name']} + 1 x {second['name']}: order"
        f" {order['id']}, {order['status']}, total {amounts['total']}"
        f" {amounts['currency']} (201)"
    )

    again = call("POST", path, 200, "replay order", json=body, headers=key).json()
    if again["id"] != order["id"]:
        raise DemoFailed(f"replay answered order {again['id']}, not {order['id']}")
    step(f"consumer: same request again -> 200, same order {again['id']}")

    def order_status(expected):
        def check():
            current = call("GET", f"/v1/orders/{order['id']}", 200, "read order")
            current = current.json()
            if current["status"] in ("failed", "cancelled"):
                raise DemoFailed(f"order went {current['status']}: {current}")
            return current if current["status"] == expected else None

        return check

    _, took = wait_for(order_status("received"), "order reads received")
    step(f"order reads 'received' after {took:.1f} s")

    def sandbox_orders():
        held = expect(
            requests.get(
                f"{SANDBOX_URL}/sandbox/businesses/{business_id}/orders",
                timeout=TIMEOUT,
            ),
            200,
            "sandbox orders",
        ).json()["orders"]
        return [o for o in held if o.get("notes") == note]

    held = sandbox_orders()
    if len(held) != 1:
        raise DemoFailed(f"the sandbox holds {len(held)} orders noted {note!r}")
    poynt_order = held[0]
    poynt_id = poynt_order["id"]
    if poynt_order["amounts"].get("subTotal") != amounts["subTotal"]:
        raise DemoFailed(f"the sandbox order's amounts are {poynt_order['amounts']}")
    step(
        f"sandbox holds exactly one order noted {note!r}: {poynt_id}"
        f" ({poynt_order['statuses']['status']})"
    )

    terminal = f"{SANDBOX_URL}/sandbox/businesses/{business_id}/orders/{poynt_id}"
    expect(requests.post(f"{terminal}/fulfil", timeout=TIMEOUT), 200, "fulfil")
    fulfilled_at = time.monotonic()
    step("terminal: fulfilled the order")

    def ready_push():
        pushes = expect(
            requests.get(
                f"{SANDBOX_URL}/sandbox/pushes",
                params={"token": fcm_token},
                timeout=TIMEOUT,
            ),
            200,
            "sandbox pushes",
        ).json()["pushes"]
        return next(
            (
                p
                for p in pushes
                if p.get("token") == fcm_token
                and p.get("data", {}).get("orderId") == order["id"]
                and p.get("data", {}).get("status") == "ready"
            ),
            None,
        )

    wait_for(order_status("ready"), "order reads ready")
    push, _ = wait_for(ready_push, "FCM push for the ready order")
    took = time.monotonic() - fulfilled_at
    notification = push.get("notification") or {}
    step(
        f"order reads 'ready' and the phone got push"
        f" {notification.get('title')!r}: {notification.get('body')!r}"
        f" after {took:.1f} s"
    )

    expect(requests.post(f"{terminal}/complete", timeout=TIMEOUT), 200, "complete")
    step("terminal: completed the order")
    _, took = wait_for(order_status("completed"), "order reads completed")
    step(f"order reads 'completed' after {took:.1f} s")
    print("demo OK")


if __name__ == "__main__":
    try:
        main()
    except DemoFailed as error:
        print(f"demo FAILED: {error}", file=sys.stderr)
        sys.exit(1)
    except requests.RequestException as error:
        print(f"demo FAILED: cannot reach the API or sandbox: {error}", file=sys.stderr)
        print("Is `make run` running?", file=sys.stderr)
        sys.exit(1)
