"""Reading the seeded businesses, catalogs, products and taxes."""

from mobile_backend.sandbox.seed import (
    BAKERY_BUSINESS_ID,
    COFFEE_BUSINESS_ID,
    COFFEE_CATALOG_ID,
    COFFEE_STORE_ID,
    COFFEE_TAX_ID,
    COFFEE_TERMINAL_ID,
    WATER_ID,
)


def get(sandbox, path, token):
    answer = sandbox.client.get(path, headers=sandbox.bearer(token))
    assert answer.status_code == 200, answer.json
    return answer.json


def test_business_with_store_and_terminal(sandbox):
    token = sandbox.merchant_tokens(COFFEE_BUSINESS_ID)["accessToken"]

    business = get(sandbox, f"/businesses/{COFFEE_BUSINESS_ID}", token)

    assert business["doingBusinessAs"] == "Sandbox Coffee"
    assert business["status"] == "ACTIVATED"
    assert business["address"]["countryCode"] == "US"
    [store] = business["stores"]
    assert store["id"] == COFFEE_STORE_ID
    assert store["displayName"] == "Sandbox Coffee Market St"
    assert store["currency"] == "USD"
    [terminal] = store["storeDevices"]
    assert terminal["deviceId"] == COFFEE_TERMINAL_ID
    assert terminal["type"] == "TERMINAL"
    assert terminal["storeId"] == COFFEE_STORE_ID


def test_full_catalog_with_categories_and_tax(sandbox):
    token = sandbox.merchant_tokens(COFFEE_BUSINESS_ID)["accessToken"]
    base = f"/businesses/{COFFEE_BUSINESS_ID}"

    [summary] = get(sandbox, f"{base}/catalogs", token)["catalogs"]
    catalog = get(sandbox, f"{base}/catalogs/{summary['id']}/full", token)

    assert summary["id"] == COFFEE_CATALOG_ID
    assert catalog["name"] == "Sandbox Coffee Menu"
    products = {
        entry["product"]["id"]: entry["product"] for entry in catalog["products"]
    }
    active = [p for p in products.values() if p["status"] == "ACTIVE"]
    assert len(active) >= 8
    assert {c["name"] for c in catalog["categories"]} == {"Coffee", "Pastries"}
    listed = {p["id"] for c in catalog["categories"] for p in c["products"]}
    assert listed == set(products)
    assert products[WATER_ID]["taxes"] == []
    [tax] = catalog["taxes"]
    assert tax == {**tax, "id": COFFEE_TAX_ID, "rate": 8.625, "type": "SALES"}
    espresso = next(p for p in active if p["name"] == "Espresso")
    assert espresso["price"] == {"amount": 300, "currency": "USD"}
    assert espresso["taxes"] == [{"id": COFFEE_TAX_ID}]


def test_products_and_taxes_lists(sandbox):
    token = sandbox.merchant_tokens(BAKERY_BUSINESS_ID)["accessToken"]
    base = f"/businesses/{BAKERY_BUSINESS_ID}"

    products = get(sandbox, f"{base}/products", token)
    taxes = get(sandbox, f"{base}/taxes", token)

    assert [p["name"] for p in products["products"]] == [
        "Sourdough Loaf",
        "Baguette",
        "Cinnamon Roll",
    ]
    assert products["links"] == []
    assert len(taxes["taxes"]) == 1


def test_an_app_token_reads_only_businesses_that_authorized_it(sandbox):
    sandbox.merchant_tokens(COFFEE_BUSINESS_ID)
    token = sandbox.app_token()

    coffee = sandbox.client.get(
        f"/businesses/{COFFEE_BUSINESS_ID}", headers=sandbox.bearer(token)
    )
    bakery = sandbox.client.get(
        f"/businesses/{BAKERY_BUSINESS_ID}", headers=sandbox.bearer(token)
    )

    assert coffee.status_code == 200
    assert bakery.status_code == 403
    assert bakery.json["code"] == "ACCESS_DENIED"


def test_sandbox_business_list(sandbox):
    businesses = sandbox.client.get("/sandbox/businesses").json["businesses"]

    assert [b["id"] for b in businesses] == [COFFEE_BUSINESS_ID, BAKERY_BUSINESS_ID]
    assert businesses[1]["stores"][0]["storeDevices"][0]["name"] == "Counter"
