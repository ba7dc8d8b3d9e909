"""FCM over real HTTP: google-auth's token exchange, firebase-admin's send."""

import uuid

import firebase_admin
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from firebase_admin import credentials, messaging
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account

PROJECT_ID = "sandbox-project"
CLIENT_EMAIL = "fcm-sender@sandbox-project.iam.gserviceaccount.com"
SCOPES = ["https://www.googleapis.com/auth/firebase.messaging"]


@pytest.fixture(scope="module")
def account_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def account(live_sandbox, account_key) -> dict:
    """A service account file's contents, pointing at the sandbox's token URI."""
    answer = live_sandbox.client.post(
        "/sandbox/service-accounts",
        json={
            "clientEmail": CLIENT_EMAIL,
            "publicKey": live_sandbox.public_pem(account_key),
            "projectId": PROJECT_ID,
        },
    )
    assert answer.status_code == 201
    return {
        "type": "service_account",
        "project_id": PROJECT_ID,
        "private_key_id": "sandbox-key-1",
        "private_key": live_sandbox.private_pem(account_key),
        "client_email": CLIENT_EMAIL,
        "client_id": "1234567890",
        "token_uri": f"{live_sandbox.base_url}/google/oauth2/token",
    }


@pytest.fixture
def session(account) -> AuthorizedSession:
    creds = service_account.Credentials.from_service_account_info(
        account, scopes=SCOPES
    )
    return AuthorizedSession(creds)


@pytest.fixture
def firebase(live_sandbox, account):
    app = firebase_admin.initialize_app(
        credentials.Certificate(account),
        {"projectId": PROJECT_ID},
        name=f"sandbox-{uuid.uuid4()}",
    )
    # firebase-admin has the FCM host built in; point its sender at the sandbox.
    service = messaging._get_messaging_service(app)
    service._fcm_url = f"{live_sandbox.base_url}/v1/projects/{PROJECT_ID}/messages:send"
    yield app
    firebase_admin.delete_app(app)


def send_url(live_sandbox) -> str:
    return f"{live_sandbox.base_url}/v1/projects/{PROJECT_ID}/messages:send"


def pushes(live_sandbox, **query) -> list:
    return live_sandbox.client.get("/sandbox/pushes", query_string=query).json["pushes"]


def test_google_auth_gets_a_token_and_sends(live_sandbox, session):
    answer = session.post(
        send_url(live_sandbox),
        json={
            "message": {
                "token": "device-token-1",
                "notification": {"title": "Order ready", "body": "Come get it"},
                "data": {"orderId": "42"},
            }
        },
    )

    assert answer.status_code == 200
    assert answer.json()["name"].startswith(f"projects/{PROJECT_ID}/messages/")
    [push] = pushes(live_sandbox)
    assert push["name"] == answer.json()["name"]
    assert push["token"] == "device-token-1"
    assert push["fid"] is None
    assert push["notification"]["title"] == "Order ready"
    assert push["data"] == {"orderId": "42"}
    assert push["receivedAt"].endswith("Z")


def test_firebase_admin_sends_to_tokens_and_fids(live_sandbox, firebase):
    by_token = messaging.send(
        messaging.Message(
            token="device-token-2",
            data={"status": "READY"},
            android=messaging.AndroidConfig(priority="high"),
        ),
        app=firebase,
    )
    by_fid = messaging.send(
        messaging.Message(fid="installation-id-1", data={"status": "READY"}),
        app=firebase,
    )
    messaging.send(
        messaging.Message(token="device-token-3"), dry_run=True, app=firebase
    )

    assert by_token.startswith(f"projects/{PROJECT_ID}/messages/")
    assert by_fid != by_token
    sent = pushes(live_sandbox)
    assert [(p["token"], p["fid"]) for p in sent] == [
        ("device-token-2", None),
        (None, "installation-id-1"),
    ]
    assert sent[0]["android"]["priority"] == "high"
    assert [p["fid"] for p in pushes(live_sandbox, token="installation-id-1")] == [
        "installation-id-1"
    ]


def test_an_unregistered_device_is_reported(live_sandbox, firebase):
    for target in ("stale-token", "stale-fid"):
        assert (
            live_sandbox.client.post(
                "/sandbox/fcm/unregistered", json={"token": target}
            ).status_code
            == 201
        )

    with pytest.raises(messaging.UnregisteredError):
        messaging.send(messaging.Message(token="stale-token"), app=firebase)
    with pytest.raises(messaging.UnregisteredError):
        messaging.send(messaging.Message(fid="stale-fid"), app=firebase)
    assert pushes(live_sandbox) == []


def test_the_message_needs_exactly_one_target(live_sandbox, session):
    for message in ({}, {"token": "a", "topic": "news"}, {"token": "a", "data": 1}):
        answer = session.post(send_url(live_sandbox), json={"message": message})
        assert answer.status_code == 400
        error = answer.json()["error"]
        assert error["status"] == "INVALID_ARGUMENT"
        assert error["details"][0]["errorCode"] == "INVALID_ARGUMENT"


def test_sending_needs_a_google_token(live_sandbox):
    answer = requests.post(
        send_url(live_sandbox),
        json={"message": {"token": "a"}},
        headers={"Authorization": "Bearer forged"},
        timeout=5,
    )

    assert answer.status_code == 401
    assert answer.json()["error"]["status"] == "UNAUTHENTICATED"


def test_a_jwt_from_an_unknown_key_gets_no_token(live_sandbox, account):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = {**account, "private_key": live_sandbox.private_pem(stranger)}
    creds = service_account.Credentials.from_service_account_info(forged, scopes=SCOPES)

    answer = AuthorizedSession(creds)
    with pytest.raises(Exception, match="invalid_grant"):
        answer.post(send_url(live_sandbox), json={"message": {"token": "a"}})
