"""The /sandbox control surface: registrations, terminal actions, read-outs, knobs."""

import base64
import json
import re
import time
import uuid

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from flask import Blueprint, jsonify, request

from . import orders
from .errors import PoyntError
from .poynt_routes import change_order, load_business
from .state import current
from .store import now_iso
from .webhooks import redeliver

bp = Blueprint("sandbox_control", __name__)

FIREBASE_TOKEN_TTL = 3600
TERMINAL_ACTIONS = ("fulfil", "complete", "cancel")


def _invalid(message: str) -> PoyntError:
    return PoyntError(400, "INVALID_REQUEST", message)


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise _invalid("Body must be a JSON object")
    return body


def _require_text(body: dict, *fields: str) -> None:
    for field in fields:
        if not isinstance(body.get(field), str) or not body[field]:
            raise _invalid(f"{field} is required")


def _check_public_key(pem: str) -> None:
    try:
        load_pem_public_key(pem.encode())
    except ValueError as error:
        raise _invalid("publicKey must be a PEM public key") from error


def _upsert(sql: str, params: tuple, table: str, key_column: str, key) -> int:
    """Run an upsert; 201 when the row is new, 200 when it replaced one."""
    with current().store.tx() as conn:
        existed = conn.execute(
            f"SELECT 1 FROM {table} WHERE {key_column} = ?", (key,)
        ).fetchone()
        conn.execute(sql, params)
    return 200 if existed else 201


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


# Registrations


@bp.post("/sandbox/applications")
def register_application():
    """Register or replace an application that may use /token."""
    body = _body()
    _require_text(body, "applicationId", "publicKey")
    _check_public_key(body["publicKey"])
    uris = body.get("redirectUris") or []
    if not isinstance(uris, list) or not all(isinstance(u, str) for u in uris):
        raise _invalid("redirectUris must be a list of URLs")
    now = now_iso()
    status = _upsert(
        "INSERT INTO applications (id, public_key, redirect_uris, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
        " public_key = excluded.public_key, redirect_uris = excluded.redirect_uris,"
        " updated_at = excluded.updated_at",
        (body["applicationId"], body["publicKey"], json.dumps(uris), now, now),
        "applications",
        "id",
        body["applicationId"],
    )
    application = {"applicationId": body["applicationId"], "redirectUris": uris}
    return jsonify(application), status


@bp.get("/sandbox/applications")
def list_applications():
    with current().store.read() as conn:
        rows = conn.execute("SELECT * FROM applications ORDER BY created_at").fetchall()
    applications = [
        {
            "applicationId": row["id"],
            "redirectUris": json.loads(row["redirect_uris"]),
            "createdAt": row["created_at"],
            "updatedAt": row["updated_at"],
        }
        for row in rows
    ]
    return jsonify({"applications": applications})


@bp.post("/sandbox/service-accounts")
def register_service_account():
    """Register or replace a Google service account for the token endpoint."""
    body = _body()
    _require_text(body, "clientEmail", "publicKey")
    _check_public_key(body["publicKey"])
    now = now_iso()
    status = _upsert(
        "INSERT INTO service_accounts (client_email, public_key, project_id,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (client_email)"
        " DO UPDATE SET public_key = excluded.public_key,"
        " project_id = excluded.project_id, updated_at = excluded.updated_at",
        (body["clientEmail"], body["publicKey"], body.get("projectId"), now, now),
        "service_accounts",
        "client_email",
        body["clientEmail"],
    )
    account = {"clientEmail": body["clientEmail"], "projectId": body.get("projectId")}
    return jsonify(account), status


def _b64url(value: dict) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@bp.post("/sandbox/firebase/id-token")
def firebase_id_token():
    """An unsigned ID token in the Firebase Auth emulator's format."""
    body = _body()
    _require_text(body, "uid", "projectId")
    now = int(time.time())
    email = body.get("email")
    claims = {
        "iss": f"https://securetoken.google.com/{body['projectId']}",
        "aud": body["projectId"],
        "sub": body["uid"],
        "user_id": body["uid"],
        "email": email,
        "email_verified": True,
        "name": body.get("name"),
        "iat": now,
        "exp": now + FIREBASE_TOKEN_TTL,
        "auth_time": now,
        "firebase": {
            "identities": {"email": [email]} if email else {},
            "sign_in_provider": "password",
        },
    }
    token = _b64url({"alg": "none", "typ": "JWT"}) + "." + _b64url(claims) + "."
    return jsonify({"idToken": token})


@bp.post("/sandbox/fcm/unregistered")
def unregister_device():
    """From now on FCM answers UNREGISTERED for this token or fid."""
    body = _body()
    _require_text(body, "token")
    with current().store.tx() as conn:
        conn.execute(
            "INSERT OR IGNORE INTO unregistered_tokens (token) VALUES (?)",
            (body["token"],),
        )
    return jsonify({"token": body["token"]}), 201


# Businesses and terminal actions


@bp.get("/sandbox/businesses")
def list_businesses():
    with current().store.read() as conn:
        rows = conn.execute("SELECT doc FROM businesses ORDER BY position").fetchall()
    return jsonify({"businesses": [json.loads(row["doc"]) for row in rows]})


@bp.get("/sandbox/businesses/<business_id>/orders")
def list_business_orders(business_id: str):
    """Every order held for the business, newest first."""
    with current().store.read() as conn:
        load_business(conn, business_id)
        held, _ = orders.list_orders(conn, business_id)
    return jsonify({"orders": held})


@bp.post("/sandbox/businesses/<business_id>/orders/<order_id>/<action>")
def terminal_action(business_id: str, order_id: str, action: str):
    """Fulfil, complete or cancel an order as the terminal would."""
    if action not in TERMINAL_ACTIONS:
        raise PoyntError(404, "RESOURCE_NOT_FOUND", f"Unknown action {action}")
    return change_order(business_id, order_id, action)


# Read-outs


def _rows(sql: str, params: tuple = ()) -> list:
    with current().store.read() as conn:
        return conn.execute(sql, params).fetchall()


@bp.get("/sandbox/pushes")
def list_pushes():
    """Pushes FCM accepted, oldest first."""
    sql, params = "SELECT doc, received_at FROM pushes", ()
    if request.args.get("token"):
        sql += " WHERE token = ? OR fid = ?"
        params = (request.args["token"],) * 2
    pushes = [
        {**json.loads(row["doc"]), "receivedAt": row["received_at"]}
        for row in _rows(sql + " ORDER BY id", params)
    ]
    return jsonify({"pushes": pushes})


@bp.get("/sandbox/webhook-deliveries")
def list_deliveries():
    """Every webhook delivery attempt, oldest first."""
    deliveries = [
        {
            "eventId": row["event_id"],
            "hookId": row["hook_id"],
            "eventType": row["event_type"],
            "businessId": row["business_id"],
            "resourceId": row["resource_id"],
            "deliveryUrl": row["delivery_url"],
            "attempt": row["attempt"],
            "responseStatus": row["response_status"],
            "error": row["error"],
            "durationMs": row["duration_ms"],
            "deliveredAt": row["delivered_at"],
        }
        for row in _rows("SELECT * FROM deliveries ORDER BY id")
    ]
    return jsonify({"deliveries": deliveries})


@bp.post("/sandbox/webhook-deliveries/<event_id>/redeliver")
def redeliver_event(event_id: str):
    """Send an event again, byte for byte, to its hook."""
    sandbox = current()
    with sandbox.store.tx() as conn:
        found = redeliver(conn, event_id)
    if not found:
        raise PoyntError(404, "RESOURCE_NOT_FOUND", f"No event {event_id} with a hook")
    sandbox.worker.wake()
    return jsonify({"eventId": event_id}), 202


@bp.get("/sandbox/cloud-messages")
def list_cloud_messages():
    messages = [
        {**json.loads(row["doc"]), "receivedAt": row["received_at"]}
        for row in _rows("SELECT doc, received_at FROM cloud_messages ORDER BY id")
    ]
    return jsonify({"cloudMessages": messages})


@bp.get("/sandbox/public-key")
def public_key():
    """The PEM public key that verifies the sandbox's access tokens."""
    return current().tokens.public_pem, 200, {"Content-Type": "application/x-pem-file"}


@bp.get("/sandbox/requests")
def list_requests():
    """Calls to the Poynt and Google paths, newest first."""
    try:
        limit = int(request.args.get("limit", 1000))
    except ValueError as error:
        raise _invalid("limit must be an integer") from error
    rows = _rows("SELECT * FROM request_log ORDER BY id DESC LIMIT ?", (limit,))
    requests_ = [
        {
            "method": row["method"],
            "path": row["path"],
            "poyntRequestId": row["poynt_request_id"],
            "apiVersion": row["api_version"],
            "authorization": row["authorization"],
            "status": row["status"],
            "at": row["at"],
        }
        for row in rows
    ]
    return jsonify({"requests": requests_})


# Knobs


@bp.post("/sandbox/faults")
def add_fault():
    """Make the next matching calls fail, stall, or lose their answer."""
    body = _body()
    status = body.get("status")
    delay = body.get("delaySeconds") or 0
    count = body.get("count", 1)
    path = body.get("path") or ""
    if status is None and not delay:
        raise _invalid("Give a status, a delaySeconds, or both")
    if status is not None and (not isinstance(status, int) or not 400 <= status < 600):
        raise _invalid("status must be an HTTP error status")
    if not isinstance(count, int) or count < 1:
        raise _invalid("count must be a positive integer")
    if not isinstance(delay, int | float) or delay < 0:
        raise _invalid("delaySeconds must be a non-negative number")
    try:
        re.compile(path)
    except re.error as error:
        raise _invalid(f"path is not a valid regular expression: {error}") from error

    fault_id = str(uuid.uuid4())
    with current().store.tx() as conn:
        conn.execute(
            "INSERT INTO faults (id, method, path, status, remaining, delay_seconds,"
            " after, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                fault_id,
                (body.get("method") or "").upper() or None,
                path,
                status,
                count,
                float(delay),
                int(bool(body.get("after"))),
                now_iso(),
            ),
        )
    return jsonify({"id": fault_id}), 201


@bp.delete("/sandbox/faults")
def clear_faults():
    with current().store.tx() as conn:
        conn.execute("DELETE FROM faults")
    return "", 204


@bp.get("/sandbox/settings")
def get_settings():
    return jsonify(current().store.settings())


@bp.post("/sandbox/settings")
def update_settings():
    """Change knobs such as accessTokenTtl for what happens from now on."""
    body = _body()
    known = current().store.default_settings
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise _invalid(f"Unknown settings: {', '.join(unknown)}")
    ttl = body.get("accessTokenTtl")
    if ttl is not None and (not isinstance(ttl, int) or ttl < 1):
        raise _invalid("accessTokenTtl must be a positive integer")
    return jsonify(current().store.update_settings(body))


@bp.post("/sandbox/reset")
def reset():
    """Forget orders, customers, hooks, traffic and tokens; keep registrations."""
    current().store.reset()
    return "", 204
