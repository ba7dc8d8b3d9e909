"""Signing in with a Firebase ID token, minted by the sandbox's Auth emulator."""

import base64
import json
import time

import pytest

PROBLEM = "application/problem+json"


@pytest.fixture
def project_id(app) -> str:
    return app.config["FIREBASE_PROJECT_ID"]


def _sandbox_token(sandbox, project_id: str, uid: str, email=None, name=None):
    response = sandbox.post(
        "/sandbox/firebase/id-token",
        json={"uid": uid, "email": email, "name": name, "projectId": project_id},
    )
    assert response.status_code == 200, response.text
    return response.json()["idToken"]


def _b64url(value: dict) -> str:
    raw = json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _emulator_token(project_id: str, uid: str, **claims) -> str:
    """An unsigned token in the emulator's format, for claims the sandbox
    does not offer (an unverified email, an expired token)."""
    now = int(time.time())
    payload = {
        "iss": f"https://securetoken.google.com/{project_id}",
        "aud": project_id,
        "sub": uid,
        "iat": now,
        "exp": now + 3600,
        **claims,
    }
    return _b64url({"alg": "none", "typ": "JWT"}) + "." + _b64url(payload) + "."


def _sign_in(api, id_token: str):
    return api.post("/v1/auth/firebase", json={"idToken": id_token})


def test_first_sign_in_creates_the_account_and_later_ones_reuse_it(
    api, sandbox, project_id
):
    uid = f"uid-{time.time_ns()}"
    email = f"{uid}@example.com"
    token = _sandbox_token(sandbox, project_id, uid, email=email, name="Fiona")

    first = _sign_in(api, token)
    assert first.status_code == 200
    session = first.json()
    assert session["user"]["email"] == email
    assert session["user"]["name"] == "Fiona"
    assert session["user"]["role"] == "consumer"
    assert session["refreshToken"]

    second = _sign_in(api, _sandbox_token(sandbox, project_id, uid, email=email))
    assert second.status_code == 200
    assert second.json()["user"]["id"] == session["user"]["id"]


def test_a_verified_email_links_to_the_password_account(api, sandbox, project_id):
    uid = f"uid-{time.time_ns()}"
    email = f"{uid}@example.com"
    _, password_session = api.register(email=email, name="Pat")

    response = _sign_in(api, _sandbox_token(sandbox, project_id, uid, email=email))

    assert response.status_code == 200
    assert response.json()["user"]["id"] == password_session["user"]["id"]
    login = api.post(
        "/v1/auth/login", json={"email": email, "password": "correct horse"}
    )
    assert login.json()["user"]["id"] == password_session["user"]["id"]


def test_an_unverified_email_does_not_take_over_an_account(api, project_id):
    uid = f"uid-{time.time_ns()}"
    email = f"{uid}@example.com"
    _, password_session = api.register(email=email)
    token = _emulator_token(project_id, uid, email=email, email_verified=False)

    response = _sign_in(api, token)

    assert response.status_code == 200
    user = response.json()["user"]
    assert user["id"] != password_session["user"]["id"]
    assert user["email"] is None


@pytest.mark.parametrize(
    "make_token",
    [
        lambda project: "not a jwt",
        lambda project: _emulator_token("another-project", "uid-elsewhere"),
        lambda project: _emulator_token(project, "uid-late", exp=int(time.time()) - 60),
        lambda project: _emulator_token(project, ""),
    ],
    ids=["garbage", "other-project", "expired", "no-subject"],
)
def test_a_bad_firebase_token_is_refused(api, project_id, make_token):
    response = _sign_in(api, make_token(project_id))

    assert response.status_code == 401
    assert response.headers["Content-Type"] == PROBLEM
    assert response.json()["requestId"]


def test_the_id_token_is_required(api):
    response = api.post("/v1/auth/firebase", json={})

    assert response.status_code == 422
    assert "idToken" in response.json()["errors"]
