"""One error shape for the whole API: problem+json with the request id."""

import logging

import marshmallow as ma
from flask import Flask, g, jsonify, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"


class ProblemSchema(ma.Schema):
    """The body of every error answer (RFC 9457)."""

    type = ma.fields.String(metadata={"description": "Problem type, a URI"})
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    requestId = ma.fields.String()
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Invalid input: field name to messages"},
    )


class ApiError(Exception):
    """An error the API answers on purpose, with a status and a stable type."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        title: str | None = None,
        errors: dict | None = None,
        headers: dict | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind
        self.errors = errors
        self.headers = headers or {}


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found", kind="not-found")


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into `{"items.0.quantity": [...]}`."""
    if isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "_schema": messages}
        flat: dict[str, list[str]] = {}
        for message in messages:
            flat.update(_flatten(message, prefix))
        return flat
    if isinstance(messages, dict):
        flat = {}
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(_flatten(value, name))
        return flat
    return {prefix or "_schema": [str(messages)]}


def _validation_errors(data: dict) -> dict[str, list[str]]:
    """Drop webargs' location level (json, query, headers) from the field names."""
    flat = {}
    for _location, messages in (data.get("messages") or {}).items():
        flat.update(_flatten(messages))
    return flat


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    kind: str | None = None,
    errors: dict | None = None,
    headers: dict | None = None,
):
    body = {
        "type": f"/problems/{kind}" if kind else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "requestId": getattr(g, "request_id", None),
    }
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_TYPE
    response.headers.update(headers or {})
    return response


_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    422: "Invalid input",
    429: "Too many requests",
    502: "Poynt answered with an error",
    503: "Service unavailable",
}


def _title(status: int, fallback: str) -> str:
    return _TITLES.get(status, fallback)


class ProblemApi(Api):
    """flask-smorest's Api, answering errors as problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        errors = _validation_errors(data) if "messages" in data else None
        detail = data.get("message") or error.description or error.name
        if errors:
            detail = "The request has invalid fields; see errors."
        headers = dict(data.get("headers") or {})
        if error.code == 405 and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        return problem(
            error.code,
            _title(error.code, error.name),
            detail,
            kind="invalid-input" if errors else None,
            errors=errors,
            headers=headers,
        )


def register_error_handlers(app: Flask) -> None:
    """Answer our own errors, Poynt's and unexpected ones in the same shape."""
    from .poynt.errors import PoyntError, PoyntUnavailable

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return problem(
            error.status,
            error.title or _title(error.status, "Error"),
            error.detail,
            kind=error.kind,
            errors=error.errors,
            headers=error.headers,
        )

    @app.errorhandler(PoyntError)
    def _poynt_error(error: PoyntError):
        status = 503 if isinstance(error, PoyntUnavailable) else 502
        log.warning("poynt error answered %s: %s", status, error)
        return problem(
            status,
            _title(status, "Poynt error"),
            "The merchant's Poynt service could not be reached; try again.",
            kind="poynt-unavailable" if status == 503 else "poynt-error",
            headers={"Retry-After": "5"} if status == 503 else None,
        )

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception(
            "unexpected error on %s %s",
            request.method,
            request.path,
            extra={"request_id": getattr(g, "request_id", None)},
        )
        return problem(
            500,
            "Internal error",
            "Something went wrong on our side; quote the request id to support.",
            kind="internal",
        )


def _has_nul() -> bool:
    query = request.query_string.decode("latin-1")
    if "\x00" in request.path or "%00" in query:
        return True
    if request.method not in ("POST", "PUT", "PATCH"):
        return False
    body = request.get_data(cache=True)
    return b"\x00" in body or b"\\u0000" in body


def guard_request_input(app: Flask) -> None:
    """Refuse input no endpoint could store, before any view reads it."""

    @app.before_request
    def _no_nul():
        # PostgreSQL cannot store NUL in text, and no id or field needs one.
        if _has_nul():
            return problem(
                400, "Bad request", "NUL characters are not allowed.", kind="nul"
            )
        return None

    @app.before_request
    def _json_only():
        # A body sent without its JSON type would be read as empty.
        if request.method not in ("POST", "PUT", "PATCH"):
            return None
        if not request.path.startswith("/v1/") or not request.content_length:
            return None
        if request.is_json:
            return None
        return problem(
            415,
            "Unsupported media type",
            "Send the body as JSON with `Content-Type: application/json`.",
            kind="unsupported-media-type",
        )
