"""The /token grants: application JWTs, authorization codes and refresh rotation."""

import time

import jwt

from mobile_backend.sandbox.seed import BAKERY_BUSINESS_ID, COFFEE_BUSINESS_ID

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def app_grant(sandbox, assertion):
    return sandbox.client.post(
        "/token", data={"grantType": JWT_BEARER, "assertion": assertion}
    )


def verify(sandbox, token: str) -> dict:
    pem = sandbox.client.get("/sandbox/public-key")
    assert pem.headers["Content-Type"] == "application/x-pem-file"
    return jwt.decode(
        token,
        pem.get_data(as_text=True),
        algorithms=["RS256"],
        audience=sandbox.app_id,
        issuer=sandbox.base_url,
    )


def test_application_grant_issues_an_app_token(sandbox):
    answer = app_grant(sandbox, sandbox.jwt())

    assert answer.status_code == 200
    body = answer.json
    assert body["tokenType"] == "BEARER"
    assert body["scope"] == "ALL"
    assert body["expiresIn"] == 86400
    assert body["refreshToken"]
    claims = verify(sandbox, body["accessToken"])
    assert claims["sub"] == sandbox.app_id
    assert claims["poynt.sct"] == "A"
    assert "poynt.biz" not in claims


def test_a_jwt_id_works_only_once(sandbox):
    assertion = sandbox.jwt()
    assert app_grant(sandbox, assertion).status_code == 200

    again = app_grant(sandbox, assertion)

    assert again.status_code == 401
    assert again.json["code"] == "INVALID_ACCESS_TOKEN"


def test_bad_assertions_are_refused(sandbox, other_key):
    cases = [
        sandbox.jwt(aud="https://services.poynt.net"),
        sandbox.jwt(lifetime=-120),
        sandbox.jwt(lifetime=7200),
        sandbox.jwt(key=other_key),
        sandbox.jwt(iss="urn:aid:unknown"),
        sandbox.jwt(sub="someone-else"),
        "not-a-jwt",
    ]
    for assertion in cases:
        answer = app_grant(sandbox, assertion)
        assert answer.status_code == 401, assertion
        assert answer.json["code"] == "INVALID_ACCESS_TOKEN"
        assert answer.json["httpStatus"] == 401


def test_unknown_grant_and_missing_fields_are_invalid_requests(sandbox):
    for form in ({"grantType": "password"}, {}, {"grantType": JWT_BEARER}):
        answer = sandbox.client.post("/token", data=form)
        assert answer.status_code == 400
        assert answer.json["code"] == "INVALID_REQUEST"


def test_authorization_code_grant_issues_a_merchant_token(sandbox):
    tokens = sandbox.merchant_tokens(COFFEE_BUSINESS_ID)

    claims = verify(sandbox, tokens["accessToken"])
    assert claims["poynt.biz"] == COFFEE_BUSINESS_ID
    assert claims["poynt.sct"] == "U"
    assert claims["poynt.ure"] == "O"
    assert claims["poynt.uid"].isdigit()
    assert claims["poynt.org"]
    assert claims["exp"] - claims["iat"] == tokens["expiresIn"]
    again = verify(sandbox, sandbox.merchant_tokens(COFFEE_BUSINESS_ID)["accessToken"])
    assert again["poynt.uid"] == claims["poynt.uid"]


def test_a_code_is_single_use_and_bound_to_its_redirect_uri(sandbox):
    code = sandbox.consent(COFFEE_BUSINESS_ID)["code"]

    wrong_uri = sandbox.exchange_code(code, "http://127.0.0.1:8000/elsewhere")
    assert wrong_uri.status_code == 400
    assert wrong_uri.json["code"] == "INVALID_GRANT"

    assert sandbox.exchange_code(code).status_code == 200
    reused = sandbox.exchange_code(code)
    assert reused.status_code == 400
    assert reused.json["code"] == "INVALID_GRANT"


def test_code_grant_needs_the_clients_own_jwt(sandbox, other_key):
    code = sandbox.consent(COFFEE_BUSINESS_ID)["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": sandbox.app_id,
        "redirect_uri": sandbox.redirect_uri,
    }

    missing = sandbox.client.post("/token", data=form)
    forged = sandbox.client.post(
        "/token", data=form, headers=sandbox.bearer(sandbox.jwt(key=other_key))
    )

    assert missing.status_code == 401
    assert forged.status_code == 401
    assert forged.json["code"] == "INVALID_ACCESS_TOKEN"


def test_refresh_rotates_the_refresh_token(sandbox):
    first = sandbox.merchant_tokens(BAKERY_BUSINESS_ID)

    refreshed = sandbox.client.post(
        "/token",
        data={"grantType": "REFRESH_TOKEN", "refreshToken": first["refreshToken"]},
        headers=sandbox.bearer(sandbox.jwt()),
    )

    assert refreshed.status_code == 200
    body = refreshed.json
    assert body["refreshToken"] != first["refreshToken"]
    assert verify(sandbox, body["accessToken"])["poynt.biz"] == BAKERY_BUSINESS_ID

    stale = sandbox.client.post(
        "/token",
        data={"grantType": "REFRESH_TOKEN", "refreshToken": first["refreshToken"]},
    )
    assert stale.status_code == 400
    assert stale.json["code"] == "INVALID_GRANT"

    without_jwt = sandbox.client.post(
        "/token",
        data={"grantType": "REFRESH_TOKEN", "refreshToken": body["refreshToken"]},
    )
    assert without_jwt.status_code == 200


def test_access_token_lifetime_follows_the_setting(sandbox):
    assert (
        sandbox.client.post("/sandbox/settings", json={"accessTokenTtl": 1}).json[
            "accessTokenTtl"
        ]
        == 1
    )

    tokens = sandbox.merchant_tokens(COFFEE_BUSINESS_ID)

    assert tokens["expiresIn"] == 1
    claims = verify(sandbox, tokens["accessToken"])
    assert claims["exp"] - claims["iat"] == 1


def test_expired_and_foreign_tokens_are_refused(sandbox, other_key):
    sandbox.client.post("/sandbox/settings", json={"accessTokenTtl": 1})
    expired = sandbox.merchant_tokens(COFFEE_BUSINESS_ID)["accessToken"]
    claims = jwt.decode(expired, options={"verify_signature": False})
    claims["exp"] = claims["iat"] - 10
    forged = jwt.encode(claims, other_key, algorithm="RS256")
    sandbox.client.post("/sandbox/settings", json={"accessTokenTtl": 86400})
    live = sandbox.merchant_tokens(COFFEE_BUSINESS_ID)["accessToken"]

    time.sleep(1.1)
    for token in (expired, forged, "garbage"):
        answer = sandbox.client.get(
            f"/businesses/{COFFEE_BUSINESS_ID}", headers=sandbox.bearer(token)
        )
        assert answer.status_code == 401
        assert answer.json["code"] == "INVALID_ACCESS_TOKEN"
    ok = sandbox.client.get(
        f"/businesses/{COFFEE_BUSINESS_ID}", headers=sandbox.bearer(live)
    )
    assert ok.status_code == 200


def test_a_merchant_token_reaches_only_its_business(sandbox):
    token = sandbox.merchant_tokens(COFFEE_BUSINESS_ID)["accessToken"]

    answer = sandbox.client.get(
        f"/businesses/{BAKERY_BUSINESS_ID}", headers=sandbox.bearer(token)
    )
    hooks = sandbox.client.get("/hooks", headers=sandbox.bearer(token))

    assert answer.status_code == 403
    assert answer.json["code"] == "ACCESS_DENIED"
    assert hooks.status_code == 403


def test_reset_forgets_issued_tokens(sandbox):
    tokens = sandbox.merchant_tokens(COFFEE_BUSINESS_ID)

    assert sandbox.client.post("/sandbox/reset").status_code == 204

    answer = sandbox.client.get(
        f"/businesses/{COFFEE_BUSINESS_ID}",
        headers=sandbox.bearer(tokens["accessToken"]),
    )
    assert answer.status_code == 401
    assert sandbox.app_token()
