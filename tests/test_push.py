"""Pushes through firebase-admin to the sandbox's FCM: tokens, FIDs, failures."""

import uuid

import pytest
from support import place_order, wait_for, wait_for_status, wait_until_quiet

from mobile_backend.extensions import db
from mobile_backend.orders.models import Order
from mobile_backend.push.models import Push


@pytest.fixture
def consumer(api, stack, coffee):
    client, _session = api.register()
    return client


def _ready_order(consumer, coffee, app, sandbox):
    """Place an order, let it reach the terminal, and fulfil it there."""
    placed = place_order(consumer, coffee.COFFEE_STORE_ID, coffee.MUFFIN_ID)
    wait_for_status(consumer, placed["id"], "received")
    with app.app_context():
        poynt_id = db.session.get(Order, placed["id"]).poynt_order_id
    sandbox.post(
        f"/sandbox/businesses/{coffee.COFFEE_BUSINESS_ID}/orders/{poynt_id}/fulfil"
    )
    return placed["id"]


def _pushes(sandbox, **match):
    pushes = sandbox.get("/sandbox/pushes").json()["pushes"]
    return [
        p
        for p in pushes
        if all(
            p.get(k) == v if k != "orderId" else p["data"].get("orderId") == v
            for k, v in match.items()
        )
    ]


def test_a_firebase_installation_id_is_sent_as_fid(consumer, coffee, app, sandbox):
    fid = f"fid-{uuid.uuid4()}"
    added = consumer.post(
        "/v1/me/devices", json={"token": fid, "platform": "ios", "tokenType": "fid"}
    )
    assert added.status_code == 201
    order_id = _ready_order(consumer, coffee, app, sandbox)
    pushes = wait_for(lambda: _pushes(sandbox, fid=fid, orderId=order_id), timeout=10)
    assert pushes[0]["token"] is None
    assert {p["data"]["status"] for p in pushes} >= {"received"}


def test_an_unregistered_token_removes_the_device(consumer, coffee, app, sandbox):
    token = f"fcm-{uuid.uuid4()}"
    consumer.post("/v1/me/devices", json={"token": token, "platform": "android"})
    sandbox.post("/sandbox/fcm/unregistered", json={"token": token})

    order_id = _ready_order(consumer, coffee, app, sandbox)
    wait_for(lambda: consumer.get("/v1/me/devices").json()["items"] == [], timeout=10)
    with app.app_context():
        dropped = db.session.query(Push).filter_by(order_id=order_id).all()
    assert dropped
    assert {push.state for push in dropped} == {"dropped"}
    assert _pushes(sandbox, token=token) == []


def test_a_passing_fcm_failure_is_retried_until_it_goes_through(
    consumer, coffee, app, sandbox
):
    wait_until_quiet(app)
    token = f"fcm-{uuid.uuid4()}"
    consumer.post("/v1/me/devices", json={"token": token, "platform": "android"})
    placed = place_order(consumer, coffee.COFFEE_STORE_ID, coffee.MUFFIN_ID)
    # firebase-admin itself retries a 503 four times; six outlast that.
    with sandbox.faulted({"path": "/messages:send$", "status": 503, "count": 6}):
        wait_for(lambda: _pushes(sandbox, token=token), timeout=40, interval=0.5)
    with app.app_context():
        push = db.session.query(Push).filter_by(order_id=placed["id"]).one()
    assert push.state == "sent"
    assert push.attempts >= 2
