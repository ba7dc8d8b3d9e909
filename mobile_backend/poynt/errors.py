"""Typed errors of the Poynt Cloud API; every message starts with the request id."""


class PoyntError(Exception):
    """Poynt answered an error, or could not be reached.

    Carries the HTTP status (None when no answer came), Poynt's error `code`,
    the request id we sent, and the body as far as it was readable.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        body: dict | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.request_id = request_id
        self.body = body or {}
        self.detail = message
        prefix = f"Request {request_id}: " if request_id else ""
        super().__init__(prefix + message)


class PoyntUnavailable(PoyntError):
    """No answer, a timeout, or a 5xx/429: worth retrying later."""


class PoyntAuthError(PoyntError):
    """401 or 403: the token is bad, or the merchant took the app away."""


class PoyntNotFound(PoyntError):
    """404: the resource is not there."""


class PoyntConflict(PoyntError):
    """409: e.g. the order already exists, or its state forbids the change."""


class PoyntRequestError(PoyntError):
    """Another 4xx: our request was wrong; retrying it will not help."""
