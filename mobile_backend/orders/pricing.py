"""Pricing an order from the cached catalog; the client never sets a price."""

from decimal import ROUND_HALF_UP, Decimal

from ..errors import ApiError


def _line_tax(amount: int, rates: list[float]) -> int:
    """Tax on one line in minor units, each rate rounded half up."""
    total = Decimal(0)
    for rate in rates:
        total += (Decimal(amount) * Decimal(str(rate)) / Decimal(100)).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    return int(total)


def price(items: list[dict], catalog: dict) -> tuple[list[dict], dict]:
    """Answer (priced lines, amounts) for `items`, or raise a 422 naming them."""
    products = {product["id"]: product for product in catalog["products"]}
    rates = {tax["id"]: tax["rate"] for tax in catalog["taxes"]}
    problems: dict[str, list[str]] = {}
    lines = []
    for index, item in enumerate(items):
        product = products.get(item["productId"])
        if product is None:
            problems[f"items.{index}.productId"] = ["No such product in this store."]
            continue
        if not product["available"]:
            problems[f"items.{index}.productId"] = ["This product is not available."]
            continue
        amount = product["price"] * item["quantity"]
        line_rates = [rates[tax_id] for tax_id in product["taxIds"] if tax_id in rates]
        lines.append(
            {
                "productId": product["id"],
                "name": product["name"],
                "sku": product.get("sku"),
                "quantity": item["quantity"],
                "unitPrice": product["price"],
                "tax": _line_tax(amount, line_rates),
                "note": item.get("note"),
            }
        )
    if problems:
        raise ApiError(
            422,
            "Some items cannot be ordered; see errors.",
            kind="invalid-items",
            errors=problems,
        )
    sub_total = sum(line["unitPrice"] * line["quantity"] for line in lines)
    tax_total = sum(line["tax"] for line in lines)
    amounts = {
        "subTotal": sub_total,
        "taxTotal": tax_total,
        "total": sub_total + tax_total,
        "currency": catalog["currency"],
    }
    return lines, amounts
