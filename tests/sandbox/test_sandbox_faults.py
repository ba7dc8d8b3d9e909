"""The faults knob: injected errors, stalls, and answers lost after the write."""

import time
import uuid

from mobile_backend.sandbox.seed import COFFEE_BUSINESS_ID, COFFEE_STORE_ID

BASE = f"/businesses/{COFFEE_BUSINESS_ID}/orders"
ORDER = {
    "items": [{"name": "Espresso", "quantity": 1, "unitPrice": 300}],
    "amounts": {"subTotal": 300, "netTotal": 300, "currency": "USD"},
    "context": {"storeId": COFFEE_STORE_ID},
}


def held_orders(sandbox) -> list:
    held = sandbox.client.get(f"/sandbox/businesses/{COFFEE_BUSINESS_ID}/orders")
    return held.json["orders"]


def add_fault(sandbox, **fault) -> None:
    answer = sandbox.client.post("/sandbox/faults", json=fault)
    assert answer.status_code == 201
    assert answer.json["id"]


def test_a_status_fault_answers_instead_of_the_call(sandbox):
    auth = sandbox.bearer(sandbox.merchant_tokens(COFFEE_BUSINESS_ID)["accessToken"])
    add_fault(sandbox, method="POST", path=r"/orders$", status=503, count=2)

    answers = [sandbox.client.post(BASE, json=ORDER, headers=auth) for _ in range(3)]

    assert [a.status_code for a in answers] == [503, 503, 201]
    assert answers[0].json["code"] == "SERVICE_UNAVAILABLE"
    assert answers[0].json["httpStatus"] == 503
    assert len(held_orders(sandbox)) == 1


def test_a_fault_matches_only_its_method_and_path(sandbox):
    auth = sandbox.bearer(sandbox.merchant_tokens(COFFEE_BUSINESS_ID)["accessToken"])
    add_fault(sandbox, method="GET", path=r"/orders$", status=500)

    created = sandbox.client.post(BASE, json=ORDER, headers=auth)
    listed = sandbox.client.get(BASE, headers=auth)

    assert created.status_code == 201
    assert listed.status_code == 500


def test_a_delay_stalls_then_answers_normally(sandbox):
    auth = sandbox.bearer(sandbox.merchant_tokens(COFFEE_BUSINESS_ID)["accessToken"])
    add_fault(sandbox, path=r"/orders", delaySeconds=0.3)

    started = time.monotonic()
    answer = sandbox.client.post(BASE, json=ORDER, headers=auth)

    assert time.monotonic() - started >= 0.3
    assert answer.status_code == 201


def test_after_loses_the_answer_but_keeps_the_write(sandbox):
    auth = sandbox.bearer(sandbox.merchant_tokens(COFFEE_BUSINESS_ID)["accessToken"])
    add_fault(sandbox, method="POST", path=r"/orders$", status=503, after=True)
    headers = {**auth, "Poynt-Request-Id": str(uuid.uuid4())}
    order_id = str(uuid.uuid4())

    lost = sandbox.client.post(BASE, json={**ORDER, "id": order_id}, headers=headers)
    retried = sandbox.client.post(BASE, json={**ORDER, "id": order_id}, headers=headers)

    assert lost.status_code == 503
    assert [o["id"] for o in held_orders(sandbox)] == [order_id]
    assert retried.status_code == 201
    assert retried.json["id"] == order_id


def test_faults_reach_the_token_endpoint_and_can_be_cleared(sandbox):
    add_fault(sandbox, path=r"^/token$", status=503, count=5)
    refused = sandbox.client.post("/token", data={"grantType": "x"})
    assert refused.status_code == 503

    assert sandbox.client.delete("/sandbox/faults").status_code == 204
    assert sandbox.app_token()


def test_sandbox_paths_are_never_faulted(sandbox):
    add_fault(sandbox, path=".*", status=500, count=10)

    assert sandbox.client.get("/sandbox/businesses").status_code == 200
    assert sandbox.client.get("/healthz").status_code == 200
