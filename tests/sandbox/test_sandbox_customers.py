"""Poynt customers of a business."""

from mobile_backend.sandbox.seed import BAKERY_BUSINESS_ID, COFFEE_BUSINESS_ID

BASE = f"/businesses/{COFFEE_BUSINESS_ID}/customers"


def new_customer(first: str) -> dict:
    return {
        "firstName": first,
        "lastName": "Doe",
        "emails": {"PERSONAL": {"emailAddress": f"{first.lower()}@example.com"}},
        "attributes": {"consumerId": first},
    }


def test_create_read_and_list_customers(sandbox):
    token = sandbox.merchant_tokens(COFFEE_BUSINESS_ID)["accessToken"]
    auth = sandbox.bearer(token)

    created = [
        sandbox.client.post(BASE, json=new_customer(name), headers=auth)
        for name in ("Ada", "Grace", "Linus")
    ]

    assert [answer.status_code for answer in created] == [201, 201, 201]
    ids = [answer.json["id"] for answer in created]
    assert all(isinstance(i, int) for i in ids) and ids == sorted(ids)
    ada = created[0].json
    assert ada["businessId"] == COFFEE_BUSINESS_ID
    assert ada["emails"]["PERSONAL"]["emailAddress"] == "ada@example.com"
    assert ada["createdAt"].endswith("Z")

    fetched = sandbox.client.get(f"{BASE}/{ids[0]}", headers=auth)
    assert fetched.json == ada

    page = sandbox.client.get(BASE, query_string={"limit": 2}, headers=auth).json
    assert [c["id"] for c in page["customers"]] == ids[:2]
    [link] = page["links"]
    assert link["rel"] == "next"
    assert "startOffset=2" in link["href"]
    rest = sandbox.client.get(link["href"], headers=auth).json
    assert [c["id"] for c in rest["customers"]] == ids[2:]
    assert rest["links"] == []


def test_customers_are_per_business(sandbox):
    coffee = sandbox.bearer(sandbox.merchant_tokens(COFFEE_BUSINESS_ID)["accessToken"])
    bakery = sandbox.bearer(sandbox.merchant_tokens(BAKERY_BUSINESS_ID)["accessToken"])
    customer = sandbox.client.post(BASE, json=new_customer("Ada"), headers=coffee).json

    missing = sandbox.client.get(
        f"/businesses/{BAKERY_BUSINESS_ID}/customers/{customer['id']}", headers=bakery
    )

    assert missing.status_code == 404
    assert missing.json["code"] == "RESOURCE_NOT_FOUND"
