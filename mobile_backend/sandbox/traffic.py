"""Cross-cutting handling of service calls: faults, the request log, idempotency."""

import functools
import re
import time

from flask import Response, g, make_response, request

from .errors import PoyntError, poynt_response, response_for_status
from .state import current
from .store import now_iso

IDEMPOTENCY_WINDOW = 24 * 3600
IN_FLIGHT_WAIT = 10
# A reservation this old was left by a process that died mid-request.
ABANDONED_AFTER = 60

REQUEST_ID_HEADER = "Poynt-Request-Id"


def is_service_path(path: str) -> bool:
    """Whether a path stands in for Poynt or Google rather than steering the sandbox."""
    return not (path.startswith("/sandbox") or path == "/healthz")


def _claim_fault(method: str, path: str) -> dict | None:
    """Take one use of the oldest fault matching this request, if any."""
    with current().store.tx() as conn:
        rows = conn.execute(
            "SELECT * FROM faults WHERE remaining > 0 ORDER BY created_at, rowid"
        ).fetchall()
        for row in rows:
            if row["method"] and row["method"].upper() != method:
                continue
            if not re.search(row["path"], path):
                continue
            conn.execute(
                "UPDATE faults SET remaining = remaining - 1 WHERE id = ?", (row["id"],)
            )
            return dict(row)
    return None


def before_request():
    if not is_service_path(request.path):
        return None

    fault = _claim_fault(request.method, request.path)
    if fault is None:
        return None
    if fault["delay_seconds"]:
        time.sleep(fault["delay_seconds"])
    if fault["status"] is None:
        return None
    if fault["after"]:
        g.fault_after = fault["status"]
        return None
    return response_for_status(request.path, fault["status"], "Injected fault")


def after_request(response: Response) -> Response:
    if not is_service_path(request.path):
        return response

    status = g.pop("fault_after", None)
    if status is not None:
        # The real work is done (and remembered for replays); only its answer
        # is lost, as when a connection drops after the server committed.
        response = make_response(
            response_for_status(request.path, status, "Injected fault after success")
        )

    sandbox = current()
    with sandbox.store.tx() as conn:
        conn.execute(
            "INSERT INTO request_log (method, path, poynt_request_id, api_version,"
            " authorization, status, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                request.method,
                request.path,
                request.headers.get(REQUEST_ID_HEADER),
                request.headers.get("api-version"),
                sandbox.tokens.classify(request.headers.get("Authorization")),
                response.status_code,
                now_iso(),
            ),
        )
    if REQUEST_ID_HEADER in request.headers:
        response.headers[REQUEST_ID_HEADER] = request.headers[REQUEST_ID_HEADER]
    return response


def idempotent(view):
    """Replay the first answer to a POST repeated with the same Poynt-Request-Id.

    The view's answer (errors included, except 5xx) is stored under the
    request id and path; a concurrent duplicate waits for the first to finish.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        request_id = request.headers.get(REQUEST_ID_HEADER)
        if not request_id:
            return view(*args, **kwargs)

        # Limitation: a replay does not check that the body matches the first
        # request's, so a reused id with a different body gets the old answer.
        stored = _reserve(request_id, request.path)
        if stored is not None:
            return stored

        try:
            try:
                response = make_response(view(*args, **kwargs))
            except PoyntError as error:
                response = make_response(
                    poynt_response(
                        error.status, error.code, error.message, error.developer_message
                    )
                )
        except BaseException:
            _release(request_id, request.path)
            raise

        if response.status_code >= 500:
            _release(request_id, request.path)
        else:
            _remember(request_id, request.path, response)
        return response

    return wrapper


def _reserve(request_id: str, path: str) -> Response | None:
    """Claim a request id for this call, or the stored answer of an earlier one."""
    store = current().store
    deadline = time.monotonic() + IN_FLIGHT_WAIT
    while True:
        with store.tx() as conn:
            conn.execute(
                "DELETE FROM idempotency WHERE request_id = ? AND path = ?"
                " AND (created_at < ? OR (status IS NULL AND created_at < ?))",
                (
                    request_id,
                    path,
                    time.time() - IDEMPOTENCY_WINDOW,
                    time.time() - ABANDONED_AFTER,
                ),
            )
            row = conn.execute(
                "SELECT status, body, content_type FROM idempotency"
                " WHERE request_id = ? AND path = ?",
                (request_id, path),
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO idempotency (request_id, path, created_at)"
                    " VALUES (?, ?, ?)",
                    (request_id, path, time.time()),
                )
                return None
        if row["status"] is not None:
            return Response(
                row["body"], status=row["status"], content_type=row["content_type"]
            )
        if time.monotonic() > deadline:
            raise PoyntError(409, "INVALID_STATE", "Same request still in progress")
        time.sleep(0.05)


def _remember(request_id: str, path: str, response: Response) -> None:
    with current().store.tx() as conn:
        conn.execute(
            "UPDATE idempotency SET status = ?, body = ?, content_type = ?"
            " WHERE request_id = ? AND path = ?",
            (
                response.status_code,
                response.get_data(),
                response.content_type,
                request_id,
                path,
            ),
        )


def _release(request_id: str, path: str) -> None:
    with current().store.tx() as conn:
        conn.execute(
            "DELETE FROM idempotency WHERE request_id = ? AND path = ?",
            (request_id, path),
        )
