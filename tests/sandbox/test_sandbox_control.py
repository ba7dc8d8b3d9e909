"""The sandbox's own control surface: registrations, read-outs and knobs."""

import base64
import json
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from mobile_backend.sandbox import create_app
from mobile_backend.sandbox.seed import COFFEE_BUSINESS_ID, COFFEE_STORE_ID


def test_health(sandbox):
    assert sandbox.client.get("/healthz").json == {"status": "ok"}


def test_registering_an_application_twice_replaces_it(sandbox, other_key):
    again = sandbox.register_application(key=other_key)

    assert again.status_code == 200
    [app] = sandbox.client.get("/sandbox/applications").json["applications"]
    assert app["applicationId"] == sandbox.app_id
    assert "publicKey" not in app
    refused = sandbox.client.post(
        "/token",
        data={
            "grantType": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": sandbox.jwt(),
        },
    )
    assert refused.status_code == 401


def test_a_bad_public_key_is_refused(sandbox):
    answer = sandbox.client.post(
        "/sandbox/applications",
        json={"applicationId": "urn:aid:x", "publicKey": "nope", "redirectUris": []},
    )

    assert answer.status_code == 400


def decode_part(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_firebase_emulator_id_token(sandbox):
    answer = sandbox.client.post(
        "/sandbox/firebase/id-token",
        json={
            "uid": "user-1",
            "email": "ada@example.com",
            "name": "Ada",
            "projectId": "sandbox-project",
        },
    )

    header, payload, signature = answer.json["idToken"].split(".")
    assert decode_part(header) == {"alg": "none", "typ": "JWT"}
    assert signature == ""
    claims = decode_part(payload)
    assert claims["iss"] == "https://securetoken.google.com/sandbox-project"
    assert claims["aud"] == "sandbox-project"
    assert claims["sub"] == claims["user_id"] == "user-1"
    assert claims["email_verified"] is True
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["firebase"] == {
        "identities": {"email": ["ada@example.com"]},
        "sign_in_provider": "password",
    }


def test_the_request_log_classifies_credentials(sandbox):
    merchant = sandbox.merchant_tokens(COFFEE_BUSINESS_ID)["accessToken"]
    app = sandbox.app_token()
    business = f"/businesses/{COFFEE_BUSINESS_ID}"
    sandbox.client.get(business, headers=sandbox.bearer(merchant))
    sandbox.client.get(business, headers=sandbox.bearer(app))
    sandbox.client.get(business, headers=sandbox.bearer("junk"))
    sandbox.client.get("/sandbox/businesses")

    log = sandbox.client.get("/sandbox/requests", query_string={"limit": 3}).json
    kinds = [(r["path"], r["authorization"], r["status"]) for r in log["requests"]]

    assert kinds == [
        (business, "invalid", 401),
        (business, "app", 200),
        (business, "merchant", 200),
    ]
    everything = sandbox.client.get("/sandbox/requests").json["requests"]
    token_calls = [r for r in everything if r["path"] == "/token"]
    assert [r["authorization"] for r in token_calls] == ["none", "self-signed"]


def test_reset_keeps_registrations_and_seed(sandbox):
    auth = sandbox.bearer(sandbox.merchant_tokens(COFFEE_BUSINESS_ID)["accessToken"])
    sandbox.client.post(
        f"/businesses/{COFFEE_BUSINESS_ID}/orders",
        json={
            "items": [{"name": "Espresso", "quantity": 1, "unitPrice": 300}],
            "amounts": {"netTotal": 300, "currency": "USD"},
            "context": {"storeId": COFFEE_STORE_ID},
        },
        headers=auth,
    )
    sandbox.client.post("/sandbox/settings", json={"accessTokenTtl": 60})

    assert sandbox.client.post("/sandbox/reset").status_code == 204

    orders = sandbox.client.get(f"/sandbox/businesses/{COFFEE_BUSINESS_ID}/orders")
    assert orders.json["orders"] == []
    assert sandbox.client.get("/sandbox/requests").json["requests"] == []
    assert len(sandbox.client.get("/sandbox/businesses").json["businesses"]) == 2
    assert sandbox.merchant_tokens(COFFEE_BUSINESS_ID)["expiresIn"] == 86400


def test_unknown_settings_are_refused(sandbox):
    answer = sandbox.client.post("/sandbox/settings", json={"colour": "blue"})

    assert answer.status_code == 400


def test_restart_keeps_the_key_and_seeds_once(tmp_path):
    first = create_app(str(tmp_path), "http://sandbox.test")
    first.extensions["sandbox"].shutdown()
    second = create_app(str(tmp_path), "http://sandbox.test")
    second.extensions["sandbox"].shutdown()

    keys = [
        app.test_client().get("/sandbox/public-key").get_data(as_text=True)
        for app in (first, second)
    ]
    assert keys[0] == keys[1]
    assert keys[0].startswith("-----BEGIN PUBLIC KEY-----")
    businesses = second.test_client().get("/sandbox/businesses").json["businesses"]
    assert len(businesses) == 2
    assert (tmp_path / "sandbox_key.pem").stat().st_mode & 0o777 == 0o600


def test_google_token_endpoint_refuses_bad_assertions(sandbox):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    email = "sender@sandbox-project.iam.gserviceaccount.com"
    sandbox.client.post(
        "/sandbox/service-accounts",
        json={"clientEmail": email, "publicKey": sandbox.public_pem(key)},
    )
    now = int(time.time())
    claims = {"iss": email, "iat": now, "exp": now + 3600, "scope": "x"}

    def exchange(audience):
        assertion = jwt.encode({**claims, "aud": audience}, key, algorithm="RS256")
        return sandbox.client.post(
            "/google/oauth2/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": assertion,
            },
        )

    good = exchange(f"{sandbox.base_url}/google/oauth2/token")
    bad = exchange("https://elsewhere.example/token")

    assert good.status_code == 200
    assert good.json["token_type"] == "Bearer"
    assert good.json["expires_in"] == 3600
    assert bad.status_code == 400
    assert bad.json["error"] == "invalid_grant"
