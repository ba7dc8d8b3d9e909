"""Logging with the request id on every line, and no secrets in any line."""

import logging
import re
import uuid

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_SECRET_PATTERNS = [
    re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE),
    re.compile(
        r"((?:access|refresh|id)_?token|password|secret|assertion)"
        r"([\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+",
        re.IGNORECASE,
    ),
]


def redact(text: str) -> str:
    """Mask anything that looks like a token or password in a log line."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(
            lambda m: m.group(1) + (m.group(2) if m.lastindex > 1 else "") + "***",
            text,
        )
    return text


class _RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = (
                getattr(g, "request_id", "-") if has_request_context() else "-"
            )
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


def init_logging(app: Flask) -> None:
    """One handler on the root logger; request ids in and out of every request."""
    root = logging.getLogger()
    if not any(getattr(h, "_mobile_backend", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
            )
        )
        handler.addFilter(_RequestContextFilter())
        handler._mobile_backend = True
        root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    logging.getLogger("alembic").setLevel(logging.WARNING)

    @app.before_request
    def _take_request_id():
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _VALID_REQUEST_ID.match(given) else str(uuid.uuid4())

    @app.after_request
    def _give_request_id(response):
        response.headers[REQUEST_ID_HEADER] = getattr(g, "request_id", "")
        return response
