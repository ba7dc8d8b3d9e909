"""The sandbox's demo merchants, with ids fixed so tests and fixtures can name them."""

import sqlite3

from .store import dumps

COFFEE_BUSINESS_ID = "47e648c6-78ba-4a06-995d-0e8ca85fd9f2"
COFFEE_STORE_ID = "65027943-a852-449f-96fb-d6ddaa329907"
COFFEE_TERMINAL_ID = "urn:tid:175a1d4f-fc81-4809-9cc5-4502f6dfb69d"
COFFEE_CATALOG_ID = "c3dfcfe9-eb59-4597-bbec-fd5e04785403"
COFFEE_TAX_ID = "664b7b3d-5c74-46d5-a307-6c6c8ec97b24"
COFFEE_CATEGORY_ID = "d2cb6837-7a82-439f-9485-bbb7f7580678"
PASTRIES_CATEGORY_ID = "2c2fe13f-ed5e-4b13-9e23-75ee4a8e7364"

ESPRESSO_ID = "b99ee00b-54aa-41c6-8f8d-7bc37a2d1a15"
CAPPUCCINO_ID = "3287bc5d-3fda-49f2-9164-f418b74c040d"
LATTE_ID = "e35000a2-be3c-4002-b294-9b5311e5d79b"
AMERICANO_ID = "e49bb729-015e-4de2-a815-155ea42950cb"
COLD_BREW_ID = "3fb0619b-15b8-48b5-93bc-6687b46a905e"
WATER_ID = "e2cc0ae2-9678-4fea-995c-2078ace4edb9"
PUMPKIN_LATTE_ID = "95bb7444-7708-461d-8323-5db8f86ca8a1"
CROISSANT_ID = "14648061-a12c-4725-b014-12563845b7be"
MUFFIN_ID = "f6386dcc-3b32-4b56-90ec-9771a89e150f"
ALMOND_CROISSANT_ID = "2bf7d9b7-3b23-4e6d-b1ca-9823ee10953f"

BAKERY_BUSINESS_ID = "f20aae9c-18a1-4eec-b513-a863d0492091"
BAKERY_STORE_ID = "eebda728-bb1e-48e3-825a-bde1ae9180d6"
BAKERY_TERMINAL_ID = "urn:tid:99fc4188-60c9-42b8-868d-b41e320433bf"
BAKERY_CATALOG_ID = "09f7a7f2-f968-4518-a51c-71189a663838"
BAKERY_TAX_ID = "24e44058-c871-4f4e-b757-8cb00143895b"
BAKERY_CATEGORY_ID = "6f1b0d4e-2a57-4c1e-9e0b-3d8f2c7a5b10"
SOURDOUGH_ID = "7a2c1e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b"
BAGUETTE_ID = "8b3d2f4a-5c6e-4f7a-9b0c-1d2e3f4a5b6c"
CINNAMON_ROLL_ID = "9c4e3a5b-6d7f-4a8b-8c1d-2e3f4a5b6c7d"

SEEDED_AT = "2024-01-15T17:00:00.000Z"

# (id, name, description, sku, cents, status, taxed, category)
# fmt: off
_COFFEE_PRODUCTS = [
    (ESPRESSO_ID, "Espresso", "A double shot", "ESP-01", 300, "ACTIVE", True, 0),
    (CAPPUCCINO_ID, "Cappuccino", "Espresso, milk foam", "CAP-01", 450, "ACTIVE",
     True, 0),
    (LATTE_ID, "Caffe Latte", "Espresso, steamed milk", "LAT-01", 475, "ACTIVE",
     True, 0),
    (AMERICANO_ID, "Americano", "Espresso and hot water", "AME-01", 350, "ACTIVE",
     True, 0),
    (COLD_BREW_ID, "Cold Brew", "Steeped for 18 hours", "CBR-01", 500, "ACTIVE",
     True, 0),
    (WATER_ID, "Bottled Water", "Still, 500 ml", "WAT-01", 250, "ACTIVE", False, 0),
    (PUMPKIN_LATTE_ID, "Pumpkin Spice Latte", "Back in the fall", "PSL-01", 575,
     "INACTIVE", True, 0),
    (CROISSANT_ID, "Butter Croissant", "Baked this morning", "CRO-01", 375,
     "ACTIVE", True, 1),
    (MUFFIN_ID, "Blueberry Muffin", "With a crumb top", "MUF-01", 350, "ACTIVE",
     True, 1),
    (ALMOND_CROISSANT_ID, "Almond Croissant", "Frangipane filled", "ALM-01", 425,
     "ACTIVE", True, 1),
]

_BAKERY_PRODUCTS = [
    (SOURDOUGH_ID, "Sourdough Loaf", "Naturally leavened", "SOU-01", 800, "ACTIVE",
     True, 0),
    (BAGUETTE_ID, "Baguette", "Crisp crust", "BAG-01", 450, "ACTIVE", True, 0),
    (CINNAMON_ROLL_ID, "Cinnamon Roll", "With cream cheese icing", "CIN-01", 400,
     "ACTIVE", True, 0),
]
# fmt: on


def _address(line1: str, city: str, territory: str, postal_code: str) -> dict:
    return {
        "line1": line1,
        "city": city,
        "territory": territory,
        "postalCode": postal_code,
        "countryCode": "US",
    }


def _business(
    business_id, name, email, address, store_id, store_name, terminal_id, serial
):
    return {
        "id": business_id,
        "legalName": f"{name} LLC",
        "doingBusinessAs": name,
        "emailAddress": email,
        "phone": {
            "ituCountryCode": "1",
            "areaCode": "415",
            "localPhoneNumber": "5550100",
        },
        "address": address,
        "timezone": "America/Los_Angeles",
        "status": "ACTIVATED",
        "createdAt": SEEDED_AT,
        "updatedAt": SEEDED_AT,
        "stores": [
            {
                "id": store_id,
                "businessId": business_id,
                "displayName": store_name,
                "status": "ACTIVE",
                "currency": "USD",
                "address": address,
                "timezone": "America/Los_Angeles",
                "storeDevices": [
                    {
                        "deviceId": terminal_id,
                        "name": "Counter",
                        "serialNumber": serial,
                        "type": "TERMINAL",
                        "status": "ACTIVATED",
                        "storeId": store_id,
                    }
                ],
            }
        ],
    }


def _product(row: tuple, tax_id: str) -> dict:
    product_id, name, description, sku, cents, status, taxed, _ = row
    return {
        "id": product_id,
        "name": name,
        "description": description,
        "sku": sku,
        "price": {"amount": cents, "currency": "USD"},
        "status": status,
        "imageUrl": [f"https://example.com/sandbox/{sku.lower()}.png"],
        "taxes": [{"id": tax_id}] if taxed else [],
        "createdAt": SEEDED_AT,
        "updatedAt": SEEDED_AT,
    }


def _catalog(catalog_id, business_id, name, categories, rows) -> dict:
    return {
        "id": catalog_id,
        "name": name,
        "businessId": business_id,
        "createdAt": SEEDED_AT,
        "updatedAt": SEEDED_AT,
        "categories": [
            {
                "id": category_id,
                "name": category_name,
                "products": [
                    {"id": row[0], "displayOrder": order}
                    for order, row in enumerate(
                        (r for r in rows if r[7] == index), start=1
                    )
                ],
            }
            for index, (category_id, category_name) in enumerate(categories)
        ],
    }


def _merchant(business, catalog, tax, rows, position):
    return business, catalog, tax, [_product(row, tax["id"]) for row in rows], position


def merchants() -> list[tuple]:
    """Each seeded merchant as (business, catalog, tax, products, position)."""
    coffee = _business(
        COFFEE_BUSINESS_ID,
        "Sandbox Coffee",
        "owner@sandbox-coffee.example",
        _address("100 Market St", "San Francisco", "CA", "94105"),
        COFFEE_STORE_ID,
        "Sandbox Coffee Market St",
        COFFEE_TERMINAL_ID,
        "P61SWA0000001",
    )
    bakery = _business(
        BAKERY_BUSINESS_ID,
        "Sandbox Bakery",
        "owner@sandbox-bakery.example",
        _address("200 Valencia St", "San Francisco", "CA", "94103"),
        BAKERY_STORE_ID,
        "Sandbox Bakery Valencia St",
        BAKERY_TERMINAL_ID,
        "P61SWA0000002",
    )
    coffee_catalog = _catalog(
        COFFEE_CATALOG_ID,
        COFFEE_BUSINESS_ID,
        "Sandbox Coffee Menu",
        [(COFFEE_CATEGORY_ID, "Coffee"), (PASTRIES_CATEGORY_ID, "Pastries")],
        _COFFEE_PRODUCTS,
    )
    bakery_catalog = _catalog(
        BAKERY_CATALOG_ID,
        BAKERY_BUSINESS_ID,
        "Sandbox Bakery Menu",
        [(BAKERY_CATEGORY_ID, "Bread")],
        _BAKERY_PRODUCTS,
    )
    coffee_tax = {"id": COFFEE_TAX_ID, "name": "Sales tax", "rate": 8.625}
    bakery_tax = {"id": BAKERY_TAX_ID, "name": "Sales tax", "rate": 8.625}
    for tax in (coffee_tax, bakery_tax):
        tax.update(type="SALES", createdAt=SEEDED_AT, updatedAt=SEEDED_AT)
    return [
        _merchant(coffee, coffee_catalog, coffee_tax, _COFFEE_PRODUCTS, 0),
        _merchant(bakery, bakery_catalog, bakery_tax, _BAKERY_PRODUCTS, 1),
    ]


def seed(conn: sqlite3.Connection) -> None:
    """Insert the demo merchants unless they are already there."""
    for business, catalog, tax, products, position in merchants():
        business_id = business["id"]
        conn.execute(
            "INSERT OR IGNORE INTO businesses (id, position, doc) VALUES (?, ?, ?)",
            (business_id, position, dumps(business)),
        )
        conn.execute(
            "INSERT OR IGNORE INTO catalogs (id, business_id, doc) VALUES (?, ?, ?)",
            (catalog["id"], business_id, dumps(catalog)),
        )
        conn.execute(
            "INSERT OR IGNORE INTO taxes (id, business_id, doc) VALUES (?, ?, ?)",
            (tax["id"], business_id, dumps(tax)),
        )
        for index, product in enumerate(products):
            conn.execute(
                "INSERT OR IGNORE INTO products (id, business_id, position, doc)"
                " VALUES (?, ?, ?, ?)",
                (product["id"], business_id, index, dumps(product)),
            )
