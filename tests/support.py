"""Helpers the tests share: an API client, sandbox access, polling, onboarding."""

import os
import socket
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


INSTANCE = Path(
    os.environ.get("TEST_INSTANCE") or tempfile.mkdtemp(prefix="mobile-backend-test-")
)
os.environ["TEST_INSTANCE"] = str(INSTANCE)
SANDBOX_URL = os.environ.get("TEST_SANDBOX_URL") or f"http://127.0.0.1:{_free_port()}"
API_URL = os.environ.get("TEST_API_URL") or f"http://127.0.0.1:{_free_port()}"
os.environ["TEST_SANDBOX_URL"] = SANDBOX_URL
os.environ["TEST_API_URL"] = API_URL


class ApiClient:
    """A requests session against the API with the calls tests make often."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 20)
        return self.session.request(method, self.base_url + path, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def register(self, email=None, password="correct horse", name="Ada"):
        """Sign up a new consumer; answers (client signed in, session)."""
        email = email or f"user-{time.time_ns()}@example.com"
        response = self.post(
            "/v1/auth/register",
            json={"email": email, "password": password, "name": name},
        )
        assert response.status_code == 201, response.text
        session = response.json()
        return ApiClient(self.base_url, session["accessToken"]), session


class Sandbox:
    """Reads and knobs of the sandbox over HTTP."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.base_url + path, timeout=10, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return requests.post(self.base_url + path, timeout=10, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return requests.delete(self.base_url + path, timeout=10, **kwargs)

    @contextmanager
    def faulted(self, *faults: dict):
        """Make matching Poynt or FCM calls fail or stall inside the block."""
        try:
            for fault in faults:
                answer = self.post("/sandbox/faults", json=fault)
                assert answer.status_code == 201, answer.text
            yield
        finally:
            self.delete("/sandbox/faults")


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.1):
    """Poll until `predicate()` is truthy; return its value or fail."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def connect_merchant(
    business_id: str, decision: str = "allow", tamper=None, follow: bool = True
):
    """Walk the merchant's browser through connect, consent and callback.

    Answers the callback's response (the page the merchant sees).
    """
    browser = requests.Session()
    start = browser.get(API_URL + "/merchants/connect", allow_redirects=False)
    assert start.status_code == 302, start.text
    consent_url = start.headers["Location"]
    assert consent_url.startswith(SANDBOX_URL + "/applications/authorize?")
    page = browser.get(consent_url)
    assert page.status_code == 200, page.text
    query = parse_qs(urlsplit(consent_url).query)
    answer = browser.post(
        SANDBOX_URL + "/applications/authorize",
        data={
            "redirect_uri": query["redirect_uri"][0],
            "client_id": query["client_id"][0],
            "context": query["context"][0],
            "businessId": business_id,
            "decision": decision,
        },
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text
    callback = answer.headers["Location"]
    assert callback.startswith(API_URL + "/merchants/connect/callback?")
    if tamper:
        callback = tamper(callback)
    if not follow:
        return browser, callback
    response = browser.get(callback, allow_redirects=False)
    response.callback_url = callback
    response.browser = browser
    return response


def wait_until_quiet(app, timeout: float = 20.0) -> None:
    """Wait until no relay or push of earlier tests is still under way.

    Sandbox faults hit whichever call comes next, so a test that sets one
    first lets the work of earlier tests finish.
    """
    from sqlalchemy import func, select

    from mobile_backend.extensions import db
    from mobile_backend.models import utcnow
    from mobile_backend.orders.models import Order
    from mobile_backend.push.models import Push

    def busy() -> int:
        with app.app_context():
            soon = utcnow() + timedelta(minutes=5)
            relays = db.session.scalar(
                select(func.count())
                .select_from(Order)
                .where(Order.status == "submitted", Order.next_attempt_at < soon)
            )
            pushes = db.session.scalar(
                select(func.count()).select_from(Push).where(Push.state == "pending")
            )
            return relays + pushes

    wait_for(lambda: busy() == 0, timeout=timeout, interval=0.2)


def place_order(client: ApiClient, store_id: str, product_id: str, quantity=1):
    """Order one product with a fresh Idempotency-Key; answers the order."""
    response = client.post(
        f"/v1/stores/{store_id}/orders",
        json={"items": [{"productId": product_id, "quantity": quantity}]},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 201, response.text
    return response.json()


def wait_for_status(client: ApiClient, order_id: str, status: str, timeout=10.0):
    """Poll the consumer's view of the order until it reads `status`."""

    def reads_status():
        order = client.get(f"/v1/orders/{order_id}").json()
        return order if order["status"] == status else None

    return wait_for(reads_status, timeout=timeout)
