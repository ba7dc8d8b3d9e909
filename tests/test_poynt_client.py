"""Poynt token upkeep and call economy, counted in the sandbox's request log."""

import threading
from datetime import timedelta

import pytest
from support import (
    connect_merchant,
    place_order,
    wait_for_status,
    wait_until_quiet,
)

from mobile_backend.extensions import db
from mobile_backend.merchants.models import Business
from mobile_backend.models import isoformat, utcnow
from mobile_backend.poynt.client import BusinessClient, _cipher, stable_request_id
from mobile_backend.poynt.errors import PoyntRequestError
from mobile_backend.poynt.models import PoyntToken


def _log(sandbox):
    return sandbox.get("/sandbox/requests?limit=1000").json()["requests"]


def _now() -> str:
    """A mark in the request log's own time format."""
    return isoformat(utcnow())


def _calls_since(sandbox, mark: str):
    """Poynt calls logged from `mark` on; FCM and Google calls left out."""
    return [
        r
        for r in _log(sandbox)
        if r["at"] >= mark and not r["path"].startswith(("/v1/projects/", "/google/"))
    ]


def _token_calls(calls):
    return [c for c in calls if c["path"] == "/token"]


def _expire_soon(app, business_id):
    with app.app_context():
        row = db.session.get(PoyntToken, business_id)
        row.refresh_after = utcnow() - timedelta(seconds=1)
        db.session.commit()


def test_an_order_costs_one_poynt_call_once_the_customer_exists(api, coffee, sandbox):
    consumer, session = api.register()
    user_id = session["user"]["id"]
    customer_request = stable_request_id("customer", user_id, coffee.COFFEE_BUSINESS_ID)

    def place_and_wait() -> str:
        order = place_order(consumer, coffee.COFFEE_STORE_ID, coffee.ESPRESSO_ID)
        wait_for_status(consumer, order["id"], "received")
        return order["id"]

    # Other tests' work may still be running: pick out this consumer's calls
    # by the Poynt-Request-Ids the relay derives from the user and the order.
    def calls_for(mark, order_id):
        ours = {customer_request, stable_request_id("order", order_id)}
        return [c for c in _calls_since(sandbox, mark) if c["poyntRequestId"] in ours]

    mark = _now()
    first_id = place_and_wait()
    first = calls_for(mark, first_id)
    assert sorted(c["path"].rsplit("/", 1)[-1] for c in first) == [
        "customers",
        "orders",
    ]

    mark = _now()
    second_id = place_and_wait()
    second = calls_for(mark, second_id)
    assert [(c["method"], c["path"].rsplit("/", 1)[-1]) for c in second] == [
        ("POST", "orders")
    ]
    assert second[0]["apiVersion"] == "1.2"
    assert _token_calls(_calls_since(sandbox, mark)) == []


def test_a_token_near_expiry_is_refreshed_once_for_many_callers(app, coffee, sandbox):
    _expire_soon(app, coffee.COFFEE_BUSINESS_ID)
    mark = _now()
    errors = []

    def call():
        try:
            with app.app_context():
                BusinessClient(coffee.COFFEE_BUSINESS_ID).get_business()
        except Exception as error:  # noqa: BLE001 - collected for the assert
            errors.append(error)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(_token_calls(_calls_since(sandbox, mark))) == 1
    with app.app_context():
        row = db.session.get(PoyntToken, coffee.COFFEE_BUSINESS_ID)
        assert row.expires_at > utcnow() + timedelta(hours=1)
        assert row.refreshing_until is None


def test_a_refused_token_is_refreshed_once_and_the_call_retried(app, coffee, sandbox):
    with app.app_context():
        row = db.session.get(PoyntToken, coffee.COFFEE_BUSINESS_ID)
        row.access_token = _cipher().encrypt(b"not-a-poynt-token").decode()
        db.session.commit()
    mark = _now()
    with app.app_context():
        business = BusinessClient(coffee.COFFEE_BUSINESS_ID).get_business()
    assert business["id"] == coffee.COFFEE_BUSINESS_ID
    calls = _calls_since(sandbox, mark)
    assert [c["status"] for c in reversed(calls)] == [401, 200, 200]
    assert len(_token_calls(calls)) == 1


def test_a_revoked_refresh_token_marks_the_business_disconnected(
    app, coffee, sandbox, api
):
    _expire_soon(app, coffee.COFFEE_BUSINESS_ID)
    wait_until_quiet(app)
    refused = {"method": "POST", "path": "^/token$", "status": 400, "count": 1}
    try:
        with (
            sandbox.faulted(refused),
            app.app_context(),
            pytest.raises(PoyntRequestError),
        ):
            BusinessClient(coffee.COFFEE_BUSINESS_ID).get_business()
        with app.app_context():
            business = db.session.get(Business, coffee.COFFEE_BUSINESS_ID)
            assert business.status == "disconnected"
            assert business.last_error
        consumer, _ = api.register()
        stores = consumer.get("/v1/stores").json()["items"]
        assert coffee.COFFEE_STORE_ID not in [s["id"] for s in stores]
    finally:
        assert connect_merchant(coffee.COFFEE_BUSINESS_ID).status_code == 200
    with app.app_context():
        assert db.session.get(Business, coffee.COFFEE_BUSINESS_ID).status == "connected"


def test_a_short_lived_token_is_reused_for_half_its_life(app, coffee, sandbox):
    sandbox.post("/sandbox/settings", json={"accessTokenTtl": 60})
    try:
        assert connect_merchant(coffee.COFFEE_BUSINESS_ID).status_code == 200
        mark = _now()
        with app.app_context():
            client = BusinessClient(coffee.COFFEE_BUSINESS_ID)
            for _ in range(3):
                client.get_business()
        assert _token_calls(_calls_since(sandbox, mark)) == []
    finally:
        sandbox.post("/sandbox/settings", json={"accessTokenTtl": 86400})
        assert connect_merchant(coffee.COFFEE_BUSINESS_ID).status_code == 200


def test_a_token_endpoint_outage_keeps_using_an_unexpired_token(app, coffee, sandbox):
    _expire_soon(app, coffee.COFFEE_BUSINESS_ID)
    mark = _now()
    down = {"method": "POST", "path": "^/token$", "status": 503, "count": 100}
    with sandbox.faulted(down), app.app_context():
        business = BusinessClient(coffee.COFFEE_BUSINESS_ID).get_business()
    refreshes = _token_calls(_calls_since(sandbox, mark))
    assert refreshes and {call["status"] for call in refreshes} == {503}
    assert business["id"] == coffee.COFFEE_BUSINESS_ID
    with app.app_context():
        assert db.session.get(Business, coffee.COFFEE_BUSINESS_ID).status == "connected"
