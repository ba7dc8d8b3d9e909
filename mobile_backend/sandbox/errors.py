"""Error answers in the shapes Poynt, FCM and Google's token endpoint use."""

import uuid

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

POYNT_CODES = {
    400: "INVALID_REQUEST",
    401: "INVALID_ACCESS_TOKEN",
    403: "ACCESS_DENIED",
    404: "RESOURCE_NOT_FOUND",
    409: "INVALID_STATE",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}

GOOGLE_STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

FCM_ERROR_CODES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    404: "UNREGISTERED",
    429: "QUOTA_EXCEEDED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class PoyntError(Exception):
    """A failure answered with Poynt's error body."""

    def __init__(self, status: int, code: str, message: str, developer: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.developer_message = developer or message


class FcmError(Exception):
    """A failure answered with Google's error body on the FCM paths."""

    def __init__(self, status: int, message: str, error_code: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code or FCM_ERROR_CODES.get(status, "UNSPECIFIED_ERROR")


class GoogleOAuthError(Exception):
    """A failure answered in the OAuth 2.0 shape by the Google token endpoint."""

    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def request_id() -> str:
    """The caller's Poynt-Request-Id, or a fresh one when it sent none."""
    return request.headers.get("Poynt-Request-Id") or str(uuid.uuid4())


def poynt_response(status: int, code: str, message: str, developer: str = ""):
    body = {
        "code": code,
        "httpStatus": status,
        "message": message,
        "developerMessage": developer or message,
        "requestId": request_id(),
    }
    return jsonify(body), status


def fcm_response(status: int, message: str, error_code: str | None = None):
    body = {
        "error": {
            "code": status,
            "message": message,
            "status": GOOGLE_STATUSES.get(status, "UNKNOWN"),
            "details": [
                {
                    "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                    "errorCode": error_code
                    or FCM_ERROR_CODES.get(status, "UNSPECIFIED_ERROR"),
                }
            ],
        }
    }
    return jsonify(body), status


def google_oauth_response(status: int, error: str, description: str):
    return jsonify({"error": error, "error_description": description}), status


def response_for_status(path: str, status: int, message: str):
    """An error answer for ``status`` in the shape the path's real service uses."""
    if path.startswith("/v1/"):
        return fcm_response(status, message)
    if path.startswith("/google/"):
        error = "invalid_grant" if status < 500 else "temporarily_unavailable"
        return google_oauth_response(status, error, message)
    return poynt_response(status, POYNT_CODES.get(status, "UNKNOWN_ERROR"), message)


def register(app) -> None:
    """Answer every sandbox exception in its service's shape."""

    @app.errorhandler(PoyntError)
    def _poynt(error: PoyntError):
        return poynt_response(
            error.status, error.code, error.message, error.developer_message
        )

    @app.errorhandler(FcmError)
    def _fcm(error: FcmError):
        return fcm_response(error.status, error.message, error.error_code)

    @app.errorhandler(GoogleOAuthError)
    def _google(error: GoogleOAuthError):
        return google_oauth_response(error.status, error.error, error.description)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        return response_for_status(request.path, error.code or 500, error.description)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("sandbox request failed")
        return response_for_status(request.path, 500, f"Sandbox error: {error}")
