"""Poynt's webhooks: only signed events for a known business are taken, once."""

import json
import uuid

from support import wait_for

from mobile_backend.extensions import db
from mobile_backend.merchants.models import Business
from mobile_backend.merchants.service import hook_secret
from mobile_backend.webhooks.models import WebhookEvent
from mobile_backend.webhooks.service import signature_of


def _secret(app, business_id):
    with app.app_context():
        return hook_secret(db.session.get(Business, business_id))


def _event(coffee, **fields):
    event = {
        "id": str(uuid.uuid4()),
        "hookId": "hook",
        "applicationId": "urn:aid:6a1c2b0e-5d3f-4c1a-9f1e-0d5c7a2b9e41",
        "businessId": coffee.COFFEE_BUSINESS_ID,
        "storeId": coffee.COFFEE_STORE_ID,
        "deviceId": coffee.COFFEE_TERMINAL_ID,
        "eventType": "ORDER_UPDATED",
        "resource": "/orders",
        "resourceId": str(uuid.uuid4()),
        "createdAt": "2026-12-03T10:00:00.000Z",
    }
    event.update(fields)
    return event


def _stored(app, event_id):
    with app.app_context():
        return db.session.get(WebhookEvent, event_id)


def _post(api, body: bytes, signature: str | None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Poynt-Webhook-Signature"] = signature
    return api.post("/webhooks/poynt", data=body, headers=headers)


def test_a_signed_event_is_stored_once_and_a_replay_is_acknowledged(api, app, coffee):
    event = _event(coffee)
    body = json.dumps(event).encode()
    signature = signature_of(body, _secret(app, coffee.COFFEE_BUSINESS_ID))

    first = _post(api, body, signature)
    assert first.status_code == 200, first.text
    assert first.json() == {"received": True, "duplicate": False}
    again = _post(api, body, signature)
    assert again.status_code == 200
    assert again.json()["duplicate"] is True

    with app.app_context():
        count = db.session.query(WebhookEvent).filter_by(id=event["id"]).count()
    assert count == 1


def test_a_tampered_body_is_refused_and_not_stored(api, app, coffee):
    event = _event(coffee)
    body = json.dumps(event).encode()
    signature = signature_of(body, _secret(app, coffee.COFFEE_BUSINESS_ID))
    tampered = body.replace(b"ORDER_UPDATED", b"ORDER_COMPLETED")

    response = _post(api, tampered, signature)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["requestId"]
    assert _stored(app, event["id"]) is None


def test_a_missing_or_foreign_signature_is_refused(api, app, coffee):
    event = _event(coffee)
    body = json.dumps(event).encode()
    assert _post(api, body, None).status_code == 401
    assert _post(api, body, signature_of(body, "not the secret")).status_code == 401
    assert _stored(app, event["id"]) is None


def test_an_event_for_an_unknown_business_is_refused(api, app, coffee):
    event = _event(coffee, businessId=str(uuid.uuid4()))
    body = json.dumps(event).encode()
    response = _post(api, body, signature_of(body, "anything"))
    assert response.status_code == 401
    assert _stored(app, event["id"]) is None


def test_a_body_that_is_not_an_event_is_a_bad_request(api, app, coffee):
    secret = _secret(app, coffee.COFFEE_BUSINESS_ID)
    assert _post(api, b"not json", "c2ln").status_code == 400
    missing_type = _event(coffee)
    del missing_type["eventType"]
    body = json.dumps(missing_type).encode()
    response = _post(api, body, signature_of(body, secret))
    assert response.status_code == 400
    assert "eventType" in response.json()["errors"]
    assert _stored(app, missing_type["id"]) is None


def test_an_event_for_another_application_is_a_bad_request(api, app, coffee):
    event = _event(coffee, applicationId="urn:aid:someone-else")
    body = json.dumps(event).encode()
    signature = signature_of(body, _secret(app, coffee.COFFEE_BUSINESS_ID))
    assert _post(api, body, signature).status_code == 400
    assert _stored(app, event["id"]) is None


def test_an_event_for_an_order_not_yet_recorded_is_kept_and_retried(
    api, app, coffee, worker
):
    event = _event(coffee)
    body = json.dumps(event).encode()
    signature = signature_of(body, _secret(app, coffee.COFFEE_BUSINESS_ID))
    assert _post(api, body, signature).status_code == 200

    retried = wait_for(
        lambda: (row := _stored(app, event["id"])) and row.attempts >= 2 and row,
        timeout=15,
    )
    assert retried.state == "pending"
    assert retried.last_error == "no order of ours matches yet"
