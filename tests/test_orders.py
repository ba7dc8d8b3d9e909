"""Placing orders: validation, idempotency, relay retries, cancel, privacy."""

import threading
import uuid
from datetime import timedelta

import pytest
from support import wait_for, wait_until_quiet

from mobile_backend.extensions import db
from mobile_backend.merchants.models import Business
from mobile_backend.models import utcnow
from mobile_backend.orders.models import Order
from mobile_backend.push.models import Push
from mobile_backend.webhooks.models import WebhookEvent


@pytest.fixture
def consumer(api, stack, coffee):
    client, _session = api.register()
    return client


def _orders_url(coffee):
    return f"/v1/stores/{coffee.COFFEE_STORE_ID}/orders"


def _key():
    return {"Idempotency-Key": str(uuid.uuid4())}


def _one_latte(coffee, quantity=1, note=None):
    return {
        "items": [{"productId": coffee.LATTE_ID, "quantity": quantity}],
        "note": note,
    }


def _order_count(app, user_id=None):
    with app.app_context():
        query = db.session.query(Order)
        if user_id:
            query = query.filter_by(user_id=user_id)
        return query.count()


def _poynt_id(app, order_id):
    with app.app_context():
        return db.session.get(Order, order_id).poynt_order_id


def _held(sandbox, coffee, poynt_id):
    orders = sandbox.get(f"/sandbox/businesses/{coffee.COFFEE_BUSINESS_ID}/orders")
    return [o for o in orders.json()["orders"] if o["id"] == poynt_id]


def _order_create_fault(coffee, **fault) -> dict:
    """A sandbox fault on creating orders at Poynt, as `fault` says."""
    return {
        "method": "POST",
        "path": f"^/businesses/{coffee.COFFEE_BUSINESS_ID}/orders$",
        **fault,
    }


def _status(client, order_id, expected):
    def check():
        order = client.get(f"/v1/orders/{order_id}").json()
        return order if order["status"] == expected else None

    return check


@pytest.mark.parametrize("quantity", [0, 100, -1])
def test_a_quantity_outside_1_to_99_is_invalid(consumer, coffee, app, quantity):
    before = _order_count(app)
    response = consumer.post(
        _orders_url(coffee), json=_one_latte(coffee, quantity), headers=_key()
    )
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "items.0.quantity" in response.json()["errors"]
    assert _order_count(app) == before


def test_an_unknown_product_is_named_in_the_error(consumer, coffee, app):
    before = _order_count(app)
    body = {
        "items": [
            {"productId": coffee.LATTE_ID, "quantity": 1},
            {"productId": "no-such-product", "quantity": 1},
        ]
    }
    response = consumer.post(_orders_url(coffee), json=body, headers=_key())
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["items.1.productId"]
    assert _order_count(app) == before


def test_an_unavailable_product_cannot_be_ordered(consumer, coffee):
    body = {"items": [{"productId": coffee.PUMPKIN_LATTE_ID, "quantity": 1}]}
    response = consumer.post(_orders_url(coffee), json=body, headers=_key())
    assert response.status_code == 422
    assert "items.0.productId" in response.json()["errors"]


def test_an_order_needs_an_idempotency_key(consumer, coffee, app):
    before = _order_count(app)
    response = consumer.post(_orders_url(coffee), json=_one_latte(coffee))
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert _order_count(app) == before


def test_an_unknown_store_is_not_found(consumer):
    response = consumer.post(
        "/v1/stores/nowhere/orders",
        json={"items": [{"productId": "x", "quantity": 1}]},
        headers=_key(),
    )
    assert response.status_code == 404


def test_a_reused_key_with_another_body_is_refused(consumer, coffee):
    key = _key()
    first = consumer.post(_orders_url(coffee), json=_one_latte(coffee), headers=key)
    assert first.status_code == 201
    other = consumer.post(_orders_url(coffee), json=_one_latte(coffee, 2), headers=key)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["errors"]
    mine = consumer.get("/v1/orders").json()["items"]
    assert [order["id"] for order in mine] == [first.json()["id"]]


def test_another_users_order_is_not_found(consumer, api, coffee):
    placed = consumer.post(_orders_url(coffee), json=_one_latte(coffee), headers=_key())
    stranger, _ = api.register()
    order_id = placed.json()["id"]
    assert stranger.get(f"/v1/orders/{order_id}").status_code == 404
    assert stranger.post(f"/v1/orders/{order_id}/cancel").status_code == 404
    assert stranger.get("/v1/orders").json()["items"] == []


def test_the_same_key_from_several_clients_at_once_makes_one_order(
    consumer, coffee, app, sandbox
):
    key = _key()
    answers = []

    def place():
        answers.append(
            consumer.post(_orders_url(coffee), json=_one_latte(coffee), headers=key)
        )

    threads = [threading.Thread(target=place) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(a.status_code for a in answers).count(201) == 1
    assert {a.status_code for a in answers} <= {200, 201}
    assert len({a.json()["id"] for a in answers}) == 1
    order_id = answers[0].json()["id"]
    wait_for(_status(consumer, order_id, "received"))
    assert len(_held(sandbox, coffee, _poynt_id(app, order_id))) == 1


def test_a_webhook_that_beats_the_relay_moves_the_order(consumer, coffee, app, sandbox):
    # The order is on the terminal, but our relay has not recorded anything
    # yet: the ORDER_OPENED webhook alone must move it to `received`.
    from mobile_backend.orders.service import poynt_order
    from mobile_backend.poynt.client import BusinessClient

    user_id = consumer.get("/v1/me").json()["id"]
    with app.app_context():
        order = Order(
            user_id=user_id,
            business_id=coffee.COFFEE_BUSINESS_ID,
            store_id=coffee.COFFEE_STORE_ID,
            items=[
                {
                    "productId": coffee.LATTE_ID,
                    "name": "Caffe Latte",
                    "quantity": 1,
                    "unitPrice": 475,
                    "tax": 41,
                    "note": None,
                }
            ],
            sub_total=475,
            tax_total=41,
            total=516,
            currency="USD",
            idempotency_key=str(uuid.uuid4()),
            request_hash="-",
            # Far off, so the sweep does not relay it during the test.
            next_attempt_at=utcnow() + timedelta(hours=1),
        )
        db.session.add(order)
        db.session.commit()
        order_id = order.id
        body = poynt_order(order, customer_id=0)
        del body["customerUserId"]
        BusinessClient(coffee.COFFEE_BUSINESS_ID).create_order(
            body, request_id=str(uuid.uuid4())
        )

    wait_for(_status(consumer, order_id, "received"), timeout=10)
    with app.app_context():
        assert db.session.get(Order, order_id).relay_attempts == 0


def test_a_relay_retry_after_a_lost_answer_makes_no_second_order(
    consumer, coffee, app, sandbox
):
    # One lost answer: the transport's own retry repeats the Poynt-Request-Id
    # and gets the first answer back instead of a second order.
    wait_until_quiet(app)
    with sandbox.faulted(_order_create_fault(coffee, status=503, count=1, after=True)):
        placed = consumer.post(
            _orders_url(coffee), json=_one_latte(coffee), headers=_key()
        )
        order_id = placed.json()["id"]
        wait_for(_status(consumer, order_id, "received"), timeout=15)
    assert len(_held(sandbox, coffee, _poynt_id(app, order_id))) == 1


def test_a_relay_that_poynt_refuses_fails_and_support_can_retry(
    consumer, coffee, app, sandbox, support
):
    wait_until_quiet(app)
    with sandbox.faulted(_order_create_fault(coffee, status=400, count=1)):
        placed = consumer.post(
            _orders_url(coffee), json=_one_latte(coffee), headers=_key()
        )
        order_id = placed.json()["id"]
        wait_for(_status(consumer, order_id, "failed"))

    retried = support.post(f"/v1/admin/orders/{order_id}/retry")
    assert retried.status_code == 202, retried.text
    wait_for(_status(consumer, order_id, "received"))
    again = support.post(f"/v1/admin/orders/{order_id}/retry")
    assert again.status_code == 409


def test_a_consumer_cancels_until_the_store_has_prepared_it(
    consumer, coffee, app, sandbox
):
    placed = consumer.post(_orders_url(coffee), json=_one_latte(coffee), headers=_key())
    order_id = placed.json()["id"]
    wait_for(_status(consumer, order_id, "received"))
    cancelled = consumer.post(f"/v1/orders/{order_id}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    held = _held(sandbox, coffee, _poynt_id(app, order_id))[0]
    assert held["statuses"]["status"] == "CANCELLED"
    assert consumer.post(f"/v1/orders/{order_id}/cancel").status_code == 200

    second = consumer.post(_orders_url(coffee), json=_one_latte(coffee), headers=_key())
    second_id = second.json()["id"]
    wait_for(_status(consumer, second_id, "received"))
    poynt_id = _poynt_id(app, second_id)
    sandbox.post(
        f"/sandbox/businesses/{coffee.COFFEE_BUSINESS_ID}/orders/{poynt_id}/fulfil"
    )
    wait_for(_status(consumer, second_id, "ready"))
    too_late = consumer.post(f"/v1/orders/{second_id}/cancel")
    assert too_late.status_code == 409
    assert consumer.get(f"/v1/orders/{second_id}").json()["status"] == "ready"


def test_a_redelivered_webhook_is_processed_once(consumer, coffee, app, sandbox):
    device_token = f"fcm-{uuid.uuid4()}"
    consumer.post("/v1/me/devices", json={"token": device_token, "platform": "ios"})
    placed = consumer.post(_orders_url(coffee), json=_one_latte(coffee), headers=_key())
    order_id = placed.json()["id"]
    wait_for(_status(consumer, order_id, "received"))
    poynt_id = _poynt_id(app, order_id)
    sandbox.post(
        f"/sandbox/businesses/{coffee.COFFEE_BUSINESS_ID}/orders/{poynt_id}/fulfil"
    )
    wait_for(_status(consumer, order_id, "ready"))

    def fulfil_event():
        deliveries = sandbox.get("/sandbox/webhook-deliveries").json()["deliveries"]
        return [
            d
            for d in deliveries
            if d["resourceId"] == poynt_id and d["eventType"] == "ORDER_UPDATED"
        ]

    event_id = wait_for(fulfil_event)[0]["eventId"]
    assert sandbox.post(f"/sandbox/webhook-deliveries/{event_id}/redeliver").ok
    wait_for(lambda: len(fulfil_event()) >= 2)
    assert all(d["responseStatus"] == 200 for d in fulfil_event())

    with app.app_context():
        event = db.session.get(WebhookEvent, event_id)
        assert event.state == "processed"
        assert event.attempts == 1
        ready_pushes = (
            db.session.query(Push).filter_by(order_id=order_id, status="ready").count()
        )
    assert ready_pushes == 1


def test_a_deleted_account_leaves_its_orders_without_personal_text(
    consumer, coffee, app
):
    body = {
        "items": [{"productId": coffee.LATTE_ID, "quantity": 1, "note": "for Ada"}],
        "note": "call me at 555-1234",
    }
    order_id = consumer.post(_orders_url(coffee), json=body, headers=_key()).json()[
        "id"
    ]
    assert consumer.delete("/v1/me").status_code == 204
    with app.app_context():
        order = db.session.get(Order, order_id)
        assert order.note is None
        assert [line["note"] for line in order.items] == [None]
        assert order.total > 0


def test_a_cancel_right_after_the_terminal_fulfils_is_refused(
    consumer, coffee, app, sandbox
):
    placed = consumer.post(_orders_url(coffee), json=_one_latte(coffee), headers=_key())
    order_id = placed.json()["id"]
    wait_for(_status(consumer, order_id, "received"))
    with app.app_context():
        # Our side has not heard of the fulfilment yet: its webhook is late.
        business = db.session.get(Business, coffee.COFFEE_BUSINESS_ID)
        secret, business.hook_secret = business.hook_secret, None
        db.session.commit()
    try:
        poynt_id = _poynt_id(app, order_id)
        sandbox.post(
            f"/sandbox/businesses/{coffee.COFFEE_BUSINESS_ID}/orders/{poynt_id}/fulfil"
        )
        assert consumer.get(f"/v1/orders/{order_id}").json()["status"] == "received"
        too_late = consumer.post(f"/v1/orders/{order_id}/cancel")
    finally:
        with app.app_context():
            business = db.session.get(Business, coffee.COFFEE_BUSINESS_ID)
            business.hook_secret = secret
            db.session.commit()
    assert too_late.status_code == 409
    assert consumer.get(f"/v1/orders/{order_id}").json()["status"] == "ready"
    held = _held(sandbox, coffee, poynt_id)[0]
    assert held["statuses"]["status"] == "OPENED"


def test_a_cancel_while_poynt_is_down_answers_503_and_changes_nothing(
    consumer, coffee, app, sandbox
):
    placed = consumer.post(_orders_url(coffee), json=_one_latte(coffee), headers=_key())
    order_id = placed.json()["id"]
    wait_for(_status(consumer, order_id, "received"))
    poynt_id = _poynt_id(app, order_id)
    with sandbox.faulted({"path": f"/orders/{poynt_id}", "status": 503, "count": 10}):
        response = consumer.post(f"/v1/orders/{order_id}/cancel")
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["Retry-After"]
    assert consumer.get(f"/v1/orders/{order_id}").json()["status"] == "received"
    assert _held(sandbox, coffee, poynt_id)[0]["statuses"]["status"] == "OPENED"


def test_a_cancel_during_a_stalled_relay_cancels_on_the_terminal_too(
    consumer, coffee, app, sandbox
):
    wait_until_quiet(app)
    with sandbox.faulted(
        # Poynt takes longer than our timeout, then stores the order anyway,
        _order_create_fault(coffee, delaySeconds=4, count=1),
        # and the first cancels there fail for a while.
        {"method": "POST", "path": "/cancel$", "status": 503, "count": 3},
    ):
        placed = consumer.post(
            _orders_url(coffee), json=_one_latte(coffee), headers=_key()
        )
        order_id = placed.json()["id"]
        wait_for(lambda: _relay_attempts(app, order_id) >= 1)
        cancelled = consumer.post(f"/v1/orders/{order_id}/cancel")
        assert cancelled.status_code == 200
        assert cancelled.json()["status"] == "cancelled"
        poynt_id = _poynt_id(app, order_id)

        def cancelled_on_terminal():
            held = _held(sandbox, coffee, poynt_id)
            return held and held[0]["statuses"]["status"] == "CANCELLED"

        wait_for(cancelled_on_terminal, timeout=40, interval=0.5)
    assert consumer.get(f"/v1/orders/{order_id}").json()["status"] == "cancelled"


def _relay_attempts(app, order_id):
    with app.app_context():
        return db.session.get(Order, order_id).relay_attempts


def test_a_relay_keeps_trying_through_an_outage_then_reads_failed(
    consumer, coffee, app, sandbox
):
    wait_until_quiet(app)
    with sandbox.faulted(_order_create_fault(coffee, status=503, count=1000)):
        placed = consumer.post(
            _orders_url(coffee), json=_one_latte(coffee), headers=_key()
        )
        order_id = placed.json()["id"]
        wait_for(_status(consumer, order_id, "failed"), timeout=60, interval=0.5)
    assert _relay_attempts(app, order_id) >= 2
    assert _held(sandbox, coffee, _poynt_id(app, order_id)) == []
