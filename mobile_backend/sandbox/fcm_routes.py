"""Google's OAuth2 token and FCM v1 send endpoints, as firebase-admin calls them."""

import uuid

from flask import Blueprint, jsonify, request

from .errors import FcmError, GoogleOAuthError
from .state import current
from .store import dumps, now_iso
from .tokens import GOOGLE_TOKEN_TTL, JWT_BEARER_GRANT

bp = Blueprint("sandbox_fcm", __name__)

TARGETS = ("token", "fid", "topic", "condition")


@bp.post("/google/oauth2/token")
def google_token():
    """Exchange a service account's signed JWT for an access token."""
    if request.form.get("grant_type") != JWT_BEARER_GRANT:
        raise GoogleOAuthError("unsupported_grant_type", "Use the jwt-bearer grant")
    assertion = request.form.get("assertion")
    if not assertion:
        raise GoogleOAuthError("invalid_request", "assertion is required")
    token = current().tokens.issue_google_token(assertion)
    return jsonify(
        {"access_token": token, "expires_in": GOOGLE_TOKEN_TTL, "token_type": "Bearer"}
    )


def _check_google_token() -> None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not current().tokens.google_token_is_valid(
        token.strip()
    ):
        raise FcmError(401, "Request had invalid authentication credentials.")


def _check_message(message) -> None:
    if not isinstance(message, dict):
        raise FcmError(400, "message is required")
    targets = [name for name in TARGETS if message.get(name)]
    if len(targets) != 1:
        raise FcmError(400, "Exactly one of token, fid, topic or condition is required")
    data = message.get("data")
    if data is not None and (
        not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values())
    ):
        raise FcmError(400, "data values must be strings")


def _is_unregistered(target: str) -> bool:
    with current().store.read() as conn:
        row = conn.execute(
            "SELECT 1 FROM unregistered_tokens WHERE token = ?", (target,)
        ).fetchone()
    return row is not None


@bp.post("/v1/projects/<project_id>/messages:send")
def send_message(project_id: str):
    """Accept a push for one device, topic or condition and record it."""
    # Limitation: any valid Google token may send for any project; real FCM
    # answers SENDER_ID_MISMATCH when the project is not the account's.
    _check_google_token()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise FcmError(400, "Body must be a JSON object")
    message = body.get("message")
    _check_message(message)

    device = message.get("token") or message.get("fid")
    if device and _is_unregistered(device):
        raise FcmError(404, "Requested entity was not found.", "UNREGISTERED")

    name = f"projects/{project_id}/messages/{uuid.uuid4().hex}"
    if not body.get("validate_only"):
        push = {
            "name": name,
            "token": message.get("token"),
            "fid": message.get("fid"),
            "topic": message.get("topic"),
            "condition": message.get("condition"),
            "notification": message.get("notification"),
            "data": message.get("data"),
            "android": message.get("android"),
            "apns": message.get("apns"),
        }
        with current().store.tx() as conn:
            conn.execute(
                "INSERT INTO pushes (name, token, fid, doc, received_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (name, push["token"], push["fid"], dumps(push), now_iso()),
            )
    return jsonify({"name": name})
