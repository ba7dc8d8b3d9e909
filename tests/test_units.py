"""The pieces on their own: pricing, status mapping, signatures, JWT claims."""

import base64
import hashlib
import hmac
import time

import jwt
import pytest

from mobile_backend.errors import ApiError
from mobile_backend.orders.pricing import price
from mobile_backend.orders.status import from_poynt
from mobile_backend.webhooks.service import signature_of

CATALOG = {
    "currency": "USD",
    "taxes": [{"id": "tax", "name": "Sales tax", "rate": 8.625}],
    "products": [
        {"id": "latte", "name": "Latte", "price": 475, "available": True,
         "taxIds": ["tax"]},
        {"id": "water", "name": "Water", "price": 250, "available": True,
         "taxIds": []},
        {"id": "psl", "name": "PSL", "price": 575, "available": False,
         "taxIds": ["tax"]},
    ],
}  # fmt: skip


def test_pricing_takes_prices_and_tax_from_the_catalog():
    lines, amounts = price(
        [{"productId": "latte", "quantity": 2}, {"productId": "water", "quantity": 1}],
        CATALOG,
    )
    assert [line["unitPrice"] for line in lines] == [475, 250]
    # 950 * 8.625% = 81.9375, rounded half up to 82; water is untaxed.
    assert amounts == {
        "subTotal": 1200,
        "taxTotal": 82,
        "total": 1282,
        "currency": "USD",
    }


def test_pricing_rounds_half_up_per_line():
    catalog = {**CATALOG, "taxes": [{"id": "tax", "name": "T", "rate": 10}]}
    _lines, amounts = price([{"productId": "latte", "quantity": 1}], catalog)
    assert amounts["taxTotal"] == 48  # 47.5 rounds up


def test_pricing_names_each_bad_item():
    with pytest.raises(ApiError) as error:
        price(
            [
                {"productId": "latte", "quantity": 1},
                {"productId": "nope", "quantity": 1},
                {"productId": "psl", "quantity": 1},
            ],
            CATALOG,
        )
    assert error.value.status == 422
    assert set(error.value.errors) == {"items.1.productId", "items.2.productId"}


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ({"status": "OPENED", "fulfillmentStatus": "NONE"}, "received"),
        ({"status": "CREATED"}, "received"),
        ({"status": "OPENED", "fulfillmentStatus": "PARTIAL"}, "received"),
        ({"status": "OPENED", "fulfillmentStatus": "FULFILLED"}, "ready"),
        ({"status": "COMPLETED", "fulfillmentStatus": "FULFILLED"}, "completed"),
        ({"status": "CANCELLED", "fulfillmentStatus": "NONE"}, "cancelled"),
        ({"status": "CANCELLED", "fulfillmentStatus": "FULFILLED"}, "cancelled"),
    ],
)
def test_poynt_statuses_map_to_ours(statuses, expected):
    assert from_poynt({"statuses": statuses}) == expected


def test_the_webhook_signature_is_base64_hmac_sha1_of_the_raw_body():
    body = b'{"id":"1","eventType":"ORDER_UPDATED"}'
    expected = base64.b64encode(hmac.new(b"s3cret", body, hashlib.sha1).digest())
    assert signature_of(body, "s3cret") == expected.decode()
    assert signature_of(body + b" ", "s3cret") != expected.decode()


def test_the_self_signed_jwt_carries_poynts_claims(app):
    from mobile_backend.keys import load_poynt_private_key, public_pem_of
    from mobile_backend.poynt.client import PoyntApp

    with app.app_context():
        poynt = PoyntApp()
        token = poynt.self_signed_jwt()
        public = public_pem_of(load_poynt_private_key(app.config))
    claims = jwt.decode(token, public, algorithms=["RS256"], audience=poynt.base_url)
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert claims["iss"] == claims["sub"] == app.config["POYNT_APPLICATION_ID"]
    assert claims["aud"] == app.config["POYNT_API_URL"]
    assert 0 < claims["exp"] - claims["iat"] <= 600
    assert abs(claims["iat"] - time.time()) < 5
    assert len(claims["jti"]) == 36
    assert poynt.self_signed_jwt() != token


def test_a_poynt_token_signed_by_someone_else_is_rejected(app):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from mobile_backend.poynt.client import PoyntApp
    from mobile_backend.poynt.errors import PoyntAuthError

    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = forger.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    now = int(time.time())
    forged = jwt.encode(
        {
            "iss": app.config["POYNT_API_URL"],
            "sub": app.config["POYNT_APPLICATION_ID"],
            "aud": app.config["POYNT_APPLICATION_ID"],
            "poynt.biz": "someone",
            "iat": now,
            "exp": now + 60,
        },
        pem,
        algorithm="RS256",
    )
    with app.app_context(), pytest.raises(PoyntAuthError):
        PoyntApp().verify_access_token(forged)


def test_log_lines_never_carry_tokens_or_passwords():
    from mobile_backend.logs import redact

    line = redact(
        'Authorization: Bearer eyJhbGciOi.abc.def refreshToken="r-123" password=hunter2'
    )
    assert "eyJhbGciOi" not in line
    assert "r-123" not in line
    assert "hunter2" not in line
