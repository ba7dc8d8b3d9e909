"""Fixtures for the sandbox's own tests: an app, a live server, an application."""

import threading
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import make_server

from mobile_backend.sandbox import create_app

BASE_URL = "http://sandbox.test"
APP_ID = "urn:aid:5f0e4e7c-1d2b-4c3a-9e8f-7a6b5c4d3e2f"
REDIRECT_URI = "http://127.0.0.1:8000/merchants/connect/callback"
# Short backoff so redelivery tests finish in a second, not fifteen.
FAST_SETTINGS = {"webhookBackoff": [0.2, 0.4, 0.8], "webhookTimeout": 1.0}


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode()
    )


@pytest.fixture(scope="session")
def app_key() -> rsa.RSAPrivateKey:
    """The application's private key, as a Poynt developer would hold it."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_jwt(key, *, aud=BASE_URL, iss=APP_ID, lifetime=300, **claims) -> str:
    """A self-signed application JWT as the Poynt SDKs build it."""
    now = int(time.time())
    payload = {
        "iss": iss,
        "sub": iss,
        "aud": aud,
        "iat": now,
        "exp": now + lifetime,
        "jti": str(uuid.uuid4()),
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256")


class Sandbox:
    """A test's handle on one sandbox: its client and a few common steps.

    Test modules reach shared constants and helpers through it rather than
    importing this conftest.
    """

    app_id = APP_ID
    redirect_uri = REDIRECT_URI

    def __init__(self, app, client, key, base_url):
        self.app = app
        self.client = client
        self.key = key
        self.base_url = base_url

    @staticmethod
    def bearer(token: str) -> dict:
        return {"Authorization": f"Bearer {token}"}

    @staticmethod
    def public_pem(key) -> str:
        return public_pem(key)

    @staticmethod
    def private_pem(key) -> str:
        return private_pem(key)

    @staticmethod
    def wait_for(predicate, timeout: float = 5.0, interval: float = 0.05):
        """Poll until ``predicate`` returns something truthy; that value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError("condition not met in time")

    def register_application(self, app_id=APP_ID, key=None):
        return self.client.post(
            "/sandbox/applications",
            json={
                "applicationId": app_id,
                "publicKey": public_pem(key or self.key),
                "redirectUris": [REDIRECT_URI],
            },
        )

    def jwt(self, key=None, **kwargs) -> str:
        """A self-signed JWT for the application, valid unless told otherwise."""
        kwargs.setdefault("aud", self.base_url)
        return make_jwt(key or self.key, **kwargs)

    def consent(self, business_id: str, context: str = "ctx-1") -> dict:
        """Allow the application on the consent page; the callback's query."""
        answer = self.client.post(
            "/applications/authorize",
            data={
                "redirect_uri": REDIRECT_URI,
                "client_id": APP_ID,
                "context": context,
                "businessId": business_id,
                "decision": "allow",
            },
        )
        assert answer.status_code == 302
        query = parse_qs(urlsplit(answer.headers["Location"]).query)
        return {name: values[0] for name, values in query.items()}

    def exchange_code(self, code: str, redirect_uri: str = REDIRECT_URI):
        return self.client.post(
            "/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": APP_ID,
                "redirect_uri": redirect_uri,
            },
            headers={"Authorization": f"Bearer {self.jwt()}"},
        )

    def merchant_tokens(self, business_id: str) -> dict:
        """Connect a business the way a merchant would; the /token answer."""
        answer = self.exchange_code(self.consent(business_id)["code"])
        assert answer.status_code == 200, answer.json
        return answer.json

    def app_token(self) -> str:
        answer = self.client.post(
            "/token",
            data={
                "grantType": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": self.jwt(),
            },
        )
        assert answer.status_code == 200, answer.json
        return answer.json["accessToken"]


@pytest.fixture(scope="session")
def sandbox_key_pem() -> str:
    return private_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture
def data_dir(tmp_path, sandbox_key_pem):
    """A data directory holding a ready signing key, so tests skip key generation."""
    key_file = tmp_path / "sandbox_key.pem"
    key_file.write_text(sandbox_key_pem)
    key_file.chmod(0o600)
    return tmp_path


@pytest.fixture
def sandbox(data_dir, app_key):
    """A sandbox app used through Flask's test client, with the app registered."""
    app = create_app(str(data_dir), BASE_URL, FAST_SETTINGS)
    handle = Sandbox(app, app.test_client(), app_key, BASE_URL)
    assert handle.register_application().status_code == 201
    yield handle
    app.extensions["sandbox"].shutdown()


@pytest.fixture
def live_sandbox(data_dir, app_key):
    """A sandbox served over real HTTP on a free port, in a thread."""
    holder = {}
    server = make_server(
        "127.0.0.1", 0, lambda env, start: holder["app"](env, start), threaded=True
    )
    base_url = f"http://127.0.0.1:{server.server_port}"
    app = create_app(str(data_dir), base_url, FAST_SETTINGS)
    holder["app"] = app
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()

    handle = Sandbox(app, app.test_client(), app_key, base_url)
    assert handle.register_application().status_code == 201
    yield handle
    server.shutdown()
    app.extensions["sandbox"].shutdown()
