"""Orders: creation, reads, paging, cancel and complete, replays and duplicates."""

import uuid

import pytest

from mobile_backend.sandbox.seed import (
    BAKERY_BUSINESS_ID,
    BAKERY_STORE_ID,
    COFFEE_BUSINESS_ID,
    COFFEE_STORE_ID,
)

BASE = f"/businesses/{COFFEE_BUSINESS_ID}/orders"


def order_body(**changes) -> dict:
    body = {
        "items": [
            {
                "name": "Cappuccino",
                "quantity": 2,
                "unitPrice": 450,
                "tax": 78,
                "unitOfMeasure": "EACH",
                "fulfillmentInstruction": "PICKUP_INSTORE",
                "sku": "CAP-01",
            }
        ],
        "amounts": {
            "subTotal": 900,
            "taxTotal": 78,
            "discountTotal": 0,
            "netTotal": 978,
            "currency": "USD",
        },
        "context": {
            "source": "WEB",
            "businessId": COFFEE_BUSINESS_ID,
            "storeId": COFFEE_STORE_ID,
            "storeDeviceId": "urn:aid:test",
            "transactionInstruction": "EXTERNALLY_PROCESSED",
        },
    }
    body.update(changes)
    return body


@pytest.fixture
def auth(sandbox):
    return sandbox.bearer(sandbox.merchant_tokens(COFFEE_BUSINESS_ID)["accessToken"])


def place(sandbox, auth, **changes):
    answer = sandbox.client.post(BASE, json=order_body(**changes), headers=auth)
    assert answer.status_code == 201, answer.json
    return answer.json


def test_create_and_read_an_order(sandbox, auth):
    order_id = str(uuid.uuid4())

    order = place(sandbox, auth, id=order_id)

    assert order["id"] == order_id
    assert order["statuses"] == {
        "status": "OPENED",
        "fulfillmentStatus": "NONE",
        "transactionStatusSummary": "EXTERNALLY_PROCESSED",
    }
    [item] = order["items"]
    assert item["status"] == "ORDERED"
    assert isinstance(item["id"], int)
    assert order["createdAt"].endswith("Z") and len(order["createdAt"]) == 24
    assert sandbox.client.get(f"{BASE}/{order_id}", headers=auth).json == order
    held = sandbox.client.get(f"/sandbox/businesses/{COFFEE_BUSINESS_ID}/orders")
    assert [o["id"] for o in held.json["orders"]] == [order_id]


def test_an_order_without_id_gets_one(sandbox, auth):
    context = {**order_body()["context"], "transactionInstruction": "NONE"}
    order = place(sandbox, auth, context=context)

    assert uuid.UUID(order["id"])
    assert order["statuses"]["transactionStatusSummary"] == "NONE"


@pytest.mark.parametrize(
    "changes",
    [
        {"items": []},
        {"items": [{"name": "X", "quantity": 0, "unitPrice": 100}]},
        {"items": [{"name": "X", "quantity": 1, "unitPrice": 1.5}]},
        {"items": [{"quantity": 1, "unitPrice": 100}]},
        {"amounts": None},
        {"context": {"businessId": COFFEE_BUSINESS_ID, "storeId": BAKERY_STORE_ID}},
        {"customerUserId": 999999},
        {"id": "not-a-uuid"},
    ],
)
def test_invalid_orders_are_refused(sandbox, auth, changes):
    answer = sandbox.client.post(BASE, json=order_body(**changes), headers=auth)

    assert answer.status_code == 400
    assert answer.json["code"] == "INVALID_REQUEST"


def test_an_order_for_a_customer_of_the_business(sandbox, auth):
    customer = sandbox.client.post(
        f"/businesses/{COFFEE_BUSINESS_ID}/customers",
        json={"firstName": "Ada", "lastName": "Doe"},
        headers=auth,
    ).json

    order = place(sandbox, auth, customerUserId=customer["id"])

    assert order["customerUserId"] == customer["id"]


def test_a_duplicate_order_id_conflicts(sandbox, auth):
    order_id = str(uuid.uuid4())
    place(sandbox, auth, id=order_id)

    again = sandbox.client.post(BASE, json=order_body(id=order_id), headers=auth)

    assert again.status_code == 409
    assert again.json["code"] == "RESOURCE_ALREADY_EXISTS"


def test_a_repeated_request_id_replays_the_first_answer(sandbox, auth):
    headers = {**auth, "Poynt-Request-Id": str(uuid.uuid4()), "api-version": "1.2"}

    first = sandbox.client.post(BASE, json=order_body(), headers=headers)
    second = sandbox.client.post(BASE, json=order_body(), headers=headers)

    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    held = sandbox.client.get(f"/sandbox/businesses/{COFFEE_BUSINESS_ID}/orders")
    assert len(held.json["orders"]) == 1
    log = sandbox.client.get("/sandbox/requests").json["requests"]
    posts = [r for r in log if r["method"] == "POST" and r["path"] == BASE]
    assert len(posts) == 2
    assert posts[0]["poyntRequestId"] == headers["Poynt-Request-Id"]
    assert posts[0]["apiVersion"] == "1.2"
    assert posts[0]["authorization"] == "merchant"


def test_list_pages_newest_first(sandbox, auth):
    ids = [place(sandbox, auth)["id"] for _ in range(5)]

    page = sandbox.client.get(BASE, query_string={"limit": 2}, headers=auth).json
    seen = [o["id"] for o in page["orders"]]
    while page["links"]:
        [link] = page["links"]
        assert link["rel"] == "next" and link["method"] == "GET"
        assert link["href"].startswith(f"{sandbox.base_url}{BASE}?")
        page = sandbox.client.get(link["href"], headers=auth).json
        seen += [o["id"] for o in page["orders"]]

    assert seen == list(reversed(ids))


def test_list_filters_by_time_and_store(sandbox, auth):
    first = place(sandbox, auth)
    second = place(sandbox, auth)

    after = sandbox.client.get(
        BASE, query_string={"startAt": second["updatedAt"]}, headers=auth
    ).json
    before = sandbox.client.get(
        BASE, query_string={"endAt": first["updatedAt"]}, headers=auth
    ).json
    other_store = sandbox.client.get(
        BASE, query_string={"storeId": BAKERY_STORE_ID}, headers=auth
    ).json

    assert [o["id"] for o in after["orders"]] == [second["id"]]
    assert [o["id"] for o in before["orders"]] == [first["id"]]
    assert other_store["orders"] == []


def test_cancel_and_force_complete(sandbox, auth):
    cancelled = place(sandbox, auth)
    completed = place(sandbox, auth)

    cancel = sandbox.client.post(f"{BASE}/{cancelled['id']}/cancel", headers=auth)
    complete = sandbox.client.post(
        f"{BASE}/{completed['id']}/forceComplete", headers=auth
    )

    assert cancel.status_code == 200
    assert cancel.json["statuses"]["status"] == "CANCELLED"
    assert cancel.json["updatedAt"] > cancelled["updatedAt"]
    assert complete.json["statuses"]["status"] == "COMPLETED"
    assert complete.json["statuses"]["fulfillmentStatus"] == "FULFILLED"
    for order_id, action in (
        (cancelled["id"], "cancel"),
        (cancelled["id"], "forceComplete"),
        (completed["id"], "cancel"),
    ):
        again = sandbox.client.post(f"{BASE}/{order_id}/{action}", headers=auth)
        assert again.status_code == 409
        assert again.json["code"] == "INVALID_STATE"


def test_terminal_actions(sandbox, auth):
    order = place(sandbox, auth)
    terminal = f"/sandbox/businesses/{COFFEE_BUSINESS_ID}/orders/{order['id']}"

    fulfilled = sandbox.client.post(f"{terminal}/fulfil").json
    completed = sandbox.client.post(f"{terminal}/complete").json
    refused = sandbox.client.post(f"{terminal}/cancel")

    assert fulfilled["statuses"]["status"] == "OPENED"
    assert fulfilled["statuses"]["fulfillmentStatus"] == "FULFILLED"
    assert [i["status"] for i in fulfilled["items"]] == ["FULFILLED"]
    assert completed["statuses"]["status"] == "COMPLETED"
    assert completed["updatedAt"] > fulfilled["updatedAt"] > order["updatedAt"]
    assert refused.status_code == 409
    assert sandbox.client.post(f"{terminal}/fulfil").status_code == 409


def test_orders_of_another_business_are_out_of_reach(sandbox, auth):
    order = place(sandbox, auth)
    bakery = sandbox.bearer(sandbox.merchant_tokens(BAKERY_BUSINESS_ID)["accessToken"])

    mine = sandbox.client.get(
        f"/businesses/{BAKERY_BUSINESS_ID}/orders/{order['id']}", headers=bakery
    )
    theirs = sandbox.client.get(f"{BASE}/{order['id']}", headers=bakery)

    assert mine.status_code == 404
    assert theirs.status_code == 403
