"""Cloud messages to the terminal app: validation and the read-out."""

import pytest

from mobile_backend.sandbox.seed import (
    BAKERY_BUSINESS_ID,
    COFFEE_BUSINESS_ID,
    COFFEE_STORE_ID,
    COFFEE_TERMINAL_ID,
)

MESSAGE = {
    "businessId": COFFEE_BUSINESS_ID,
    "storeId": COFFEE_STORE_ID,
    "deviceId": COFFEE_TERMINAL_ID,
    "ttl": 600,
    "recipient": {"packageName": "com.example.orders", "className": "Receiver"},
    "data": '{"orderId": "42"}',
    "collapseKey": "orders",
}


@pytest.fixture
def app_auth(sandbox):
    sandbox.merchant_tokens(COFFEE_BUSINESS_ID)
    return sandbox.bearer(sandbox.app_token())


def test_a_cloud_message_is_accepted_and_recorded(sandbox, app_auth):
    answer = sandbox.client.post("/cloudMessages", json=MESSAGE, headers=app_auth)

    assert answer.status_code == 202
    assert answer.get_data() == b""
    [message] = sandbox.client.get("/sandbox/cloud-messages").json["cloudMessages"]
    assert message["data"] == MESSAGE["data"]
    assert message["recipient"] == MESSAGE["recipient"]
    assert message["receivedAt"].endswith("Z")


@pytest.mark.parametrize(
    "changes",
    [
        {"ttl": 0},
        {"ttl": 2_419_201},
        {"ttl": "600"},
        {"data": "x" * 4097},
        {"recipient": {"packageName": "com.example.orders"}},
        {"deviceId": None},
        {"storeId": ""},
    ],
)
def test_invalid_cloud_messages_are_refused(sandbox, app_auth, changes):
    body = {**MESSAGE, **changes}

    answer = sandbox.client.post("/cloudMessages", json=body, headers=app_auth)

    assert answer.status_code == 400
    assert answer.json["code"] == "INVALID_REQUEST"


def test_limits_are_inclusive(sandbox, app_auth):
    body = {**MESSAGE, "ttl": 2_419_200, "data": "x" * 4096}

    answer = sandbox.client.post("/cloudMessages", json=body, headers=app_auth)

    assert answer.status_code == 202


def test_cloud_messages_need_an_app_token_for_an_authorizing_business(
    sandbox, app_auth
):
    merchant = sandbox.bearer(
        sandbox.merchant_tokens(COFFEE_BUSINESS_ID)["accessToken"]
    )
    other = {**MESSAGE, "businessId": BAKERY_BUSINESS_ID}

    by_merchant = sandbox.client.post("/cloudMessages", json=MESSAGE, headers=merchant)
    unauthorized = sandbox.client.post("/cloudMessages", json=other, headers=app_auth)

    assert by_merchant.status_code == 403
    assert unauthorized.status_code == 403
