"""Accounts over HTTP: sign-up, sign-in, sessions, the profile and erasure."""

import threading
import time
from datetime import timedelta

import jwt
import pytest
from argon2 import PasswordHasher
from conftest import ApiClient
from sqlalchemy import select

from mobile_backend.accounts.models import RefreshToken, User
from mobile_backend.accounts.service import _token_hash
from mobile_backend.extensions import db
from mobile_backend.models import utcnow

PROBLEM = "application/problem+json"


def _email(tag: str) -> str:
    return f"{tag}-{time.time_ns()}@example.com"


def _refresh(api, token: str):
    return api.post("/v1/auth/refresh", json={"refreshToken": token})


def _login(api, email: str, password: str):
    return api.post("/v1/auth/login", json={"email": email, "password": password})


def test_sign_up_read_and_rename_the_profile(api):
    email = _email("ada")
    me, session = api.register(email=email, name="Ada")

    assert session["tokenType"] == "Bearer"
    assert session["expiresIn"] == 900
    assert session["accessToken"] and session["refreshToken"]
    user = session["user"]
    assert user["email"] == email
    assert user["name"] == "Ada"
    assert user["role"] == "consumer"
    assert user["createdAt"].endswith("Z")

    response = me.get("/v1/me")
    assert response.status_code == 200
    assert response.json() == user

    response = me.patch("/v1/me", json={"name": "Ada Lovelace"})
    assert response.status_code == 200
    assert response.json()["name"] == "Ada Lovelace"
    assert me.get("/v1/me").json()["name"] == "Ada Lovelace"


def test_email_is_normalised_and_a_taken_one_conflicts(api):
    email = _email("grace")
    response = api.post(
        "/v1/auth/register",
        json={"email": f"  {email.upper()} ", "password": "long enough", "name": "G"},
    )
    assert response.status_code == 201
    assert response.json()["user"]["email"] == email

    again = api.post(
        "/v1/auth/register",
        json={"email": email, "password": "another one", "name": "G2"},
    )
    assert again.status_code == 409
    assert again.headers["Content-Type"] == PROBLEM
    assert again.json()["status"] == 409

    assert _login(api, email.upper(), "long enough").status_code == 200


def test_sign_in_needs_the_right_pair(api):
    email = _email("alan")
    api.register(email=email, password="enigma machine")

    response = _login(api, email, "enigma machine")
    assert response.status_code == 200
    assert response.json()["user"]["email"] == email

    wrong = _login(api, email, "bombe machine")
    unknown = _login(api, _email("nobody"), "enigma machine")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["Content-Type"] == PROBLEM
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_sign_in_upgrades_an_outdated_password_hash(api, app):
    email = _email("old-hash")
    api.register(email=email, password="kept secret")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        user.password_hash = weak.hash("kept secret")
        db.session.commit()

    assert _login(api, email, "kept secret").status_code == 200

    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        assert not PasswordHasher().check_needs_rehash(user.password_hash)


def test_invalid_input_names_each_field(api):
    response = api.post(
        "/v1/auth/register",
        json={"email": "not an email", "password": "short", "name": ""},
        headers={"X-Request-ID": "test-invalid-input"},
    )

    assert response.status_code == 422
    assert response.headers["Content-Type"] == PROBLEM
    body = response.json()
    assert body["requestId"] == "test-invalid-input"
    assert response.headers["X-Request-ID"] == "test-invalid-input"
    assert set(body["errors"]) == {"email", "password", "name"}

    missing = api.post("/v1/auth/login", json={"email": "a@example.com"})
    assert missing.status_code == 422
    assert "password" in missing.json()["errors"]


def test_the_profile_needs_a_valid_bearer_token(api, app):
    me, session = api.register()
    user_id = session["user"]["id"]
    with app.app_context():
        expired = jwt.encode(
            {
                "iss": "mobile-backend",
                "aud": "mobile-app",
                "sub": user_id,
                "role": "consumer",
                "sid": "a session",
                "iat": utcnow() - timedelta(hours=1),
                "exp": utcnow() - timedelta(minutes=1),
            },
            app.config["SECRET_KEY"],
            algorithm="HS256",
        )
    forged = jwt.encode(
        {"iss": "mobile-backend", "aud": "mobile-app", "sub": user_id, "exp": 2**31},
        "a key that is not the one the API signs with",
        algorithm="HS256",
    )

    for client in (
        api,
        ApiClient(api.base_url, "garbage"),
        ApiClient(api.base_url, forged),
        ApiClient(api.base_url, expired),
    ):
        response = client.get("/v1/me")
        assert response.status_code == 401
        assert response.headers["Content-Type"] == PROBLEM
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["requestId"]

    assert "expired" in ApiClient(api.base_url, expired).get("/v1/me").json()["detail"]
    assert me.get("/v1/me").status_code == 200


def test_refresh_rotates_the_token(api):
    _, session = api.register()

    response = _refresh(api, session["refreshToken"])
    assert response.status_code == 200
    renewed = response.json()
    assert renewed["refreshToken"] != session["refreshToken"]
    assert renewed["user"]["id"] == session["user"]["id"]
    me = ApiClient(api.base_url, renewed["accessToken"])
    assert me.get("/v1/me").status_code == 200

    assert _refresh(api, renewed["refreshToken"]).status_code == 200


def test_a_repeat_inside_the_grace_window_answers_the_same_successor(api):
    _, session = api.register()

    first = _refresh(api, session["refreshToken"])
    second = _refresh(api, session["refreshToken"])

    assert first.status_code == second.status_code == 200
    assert first.json()["refreshToken"] == second.json()["refreshToken"]
    me = ApiClient(api.base_url, second.json()["accessToken"])
    assert me.get("/v1/me").status_code == 200


def test_two_refreshes_at_once_both_get_the_same_successor(api):
    _, session = api.register()
    start = threading.Barrier(2)
    answers = []

    def refresh_now():
        start.wait()
        answers.append(_refresh(api, session["refreshToken"]))

    threads = [threading.Thread(target=refresh_now) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [answer.status_code for answer in answers] == [200, 200]
    successors = {answer.json()["refreshToken"] for answer in answers}
    assert len(successors) == 1
    assert _refresh(api, successors.pop()).status_code == 200


def test_reuse_after_the_grace_window_ends_the_whole_chain(api, app):
    _, session = api.register()
    spent = session["refreshToken"]
    successor = _refresh(api, spent).json()["refreshToken"]
    with app.app_context():
        token = db.session.scalars(
            select(RefreshToken).where(RefreshToken.token_hash == _token_hash(spent))
        ).one()
        token.spent_at = utcnow() - timedelta(seconds=31)
        db.session.commit()

    reuse = _refresh(api, spent)

    assert reuse.status_code == 401
    assert reuse.headers["Content-Type"] == PROBLEM
    assert _refresh(api, successor).status_code == 401
    # The thief's access tokens end with the chain, not 15 minutes later.
    thief = ApiClient(api.base_url, session["accessToken"])
    assert thief.get("/v1/me").status_code == 401
    with app.app_context():
        family = db.session.scalars(
            select(RefreshToken).where(RefreshToken.user_id == session["user"]["id"])
        ).all()
        assert all(row.revoked_at is not None for row in family)
        assert all(row.successor_secret is None for row in family)


def test_an_unknown_refresh_token_is_refused(api):
    response = _refresh(api, "not-a-token-we-gave-out")
    assert response.status_code == 401
    assert response.headers["Content-Type"] == PROBLEM


def test_sign_out_ends_the_session(api):
    _, session = api.register()
    _, other_session = api.register()

    signed_in = ApiClient(api.base_url, session["accessToken"])
    still_in = ApiClient(api.base_url, other_session["accessToken"])
    assert signed_in.get("/v1/me").status_code == 200

    response = api.post(
        "/v1/auth/logout", json={"refreshToken": session["refreshToken"]}
    )
    assert response.status_code == 204
    assert _refresh(api, session["refreshToken"]).status_code == 401
    assert signed_in.get("/v1/me").status_code == 401
    assert still_in.get("/v1/me").status_code == 200
    assert _refresh(api, other_session["refreshToken"]).status_code == 200

    unknown = api.post("/v1/auth/logout", json={"refreshToken": "never issued"})
    assert unknown.status_code == 204


def test_deleting_the_account_erases_personal_data(api, app):
    email = _email("leaving")
    me, session = api.register(email=email, password="goodbye all", name="Lea")
    me.post("/v1/me/devices", json={"token": "leaving-phone-1", "platform": "ios"})

    assert me.delete("/v1/me").status_code == 204

    assert me.get("/v1/me").status_code == 401
    assert _refresh(api, session["refreshToken"]).status_code == 401
    assert _login(api, email, "goodbye all").status_code == 401
    with app.app_context():
        user = db.session.get(User, session["user"]["id"])
        assert user.deleted_at is not None
        assert (user.email, user.name, user.password_hash) == (None, None, None)
        assert user.firebase_uid is None
    again, _ = api.register(email=email)
    assert again.get("/v1/me/devices").json()["items"] == []


def test_create_user_command_makes_staff_accounts(api, app):
    email = _email("support")
    runner = app.test_cli_runner()
    args = ["create-user", "--email", email, "--password", "staff pass 1"]

    made = runner.invoke(args=[*args, "--role", "support", "--name", "Sam"])

    assert made.exit_code == 0, made.output
    assert "staff pass 1" not in made.output
    user_id = made.output.strip()
    user = _login(api, email, "staff pass 1").json()["user"]
    assert (user["id"], user["role"], user["name"]) == (user_id, "support", "Sam")

    promoted = runner.invoke(
        args=["create-user", "--email", email, "--password", "staff pass 2"]
        + ["--role", "admin"]
    )
    assert promoted.exit_code == 0, promoted.output
    assert promoted.output.strip() == user_id
    assert _login(api, email, "staff pass 1").status_code == 401
    assert _login(api, email, "staff pass 2").json()["user"]["role"] == "admin"

    new_password = runner.invoke(
        args=["create-user", "--email", email, "--password", "staff pass 3"]
    )
    assert new_password.exit_code == 0, new_password.output
    assert _login(api, email, "staff pass 3").json()["user"]["role"] == "admin"

    short = runner.invoke(args=["create-user", "--email", email, "--password", "x"])
    assert short.exit_code != 0


@pytest.fixture
def low_login_limit(app):
    """Three sign-in attempts a minute, for this test only."""
    before = app.config["LOGIN_RATE_LIMIT"]
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    yield
    app.config["LOGIN_RATE_LIMIT"] = before


def test_too_many_sign_in_attempts_are_refused(api, low_login_limit):
    email = _email("guesser")

    attempts = [_login(api, email, f"guess number {n}") for n in range(4)]

    assert [a.status_code for a in attempts] == [401, 401, 401, 429]
    refused = attempts[-1]
    assert refused.headers["Content-Type"] == PROBLEM
    assert refused.json()["status"] == 429
    assert refused.json()["requestId"]
    assert int(refused.headers["Retry-After"]) >= 1


def test_the_openapi_document_describes_accounts(api):
    spec = api.get("/openapi.json").json()

    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    me = spec["paths"]["/v1/me"]
    assert me["get"]["security"] == [{"bearerAuth": []}]
    assert "401" in me["get"]["responses"]
    register = spec["paths"]["/v1/auth/register"]["post"]
    assert {"201", "409", "422", "429"} <= set(register["responses"])
    assert "/v1/me/devices/{deviceId}" in spec["paths"]
