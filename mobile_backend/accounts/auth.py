"""Our own access tokens (short-lived JWTs) and the decorators that check them."""

import functools
from datetime import timedelta

import jwt
from flask import current_app, g, request
from sqlalchemy import select

from ..errors import ApiError
from ..extensions import db
from ..models import new_id, utcnow
from .models import RefreshToken, User

ALGORITHM = "HS256"
ISSUER = "mobile-backend"
AUDIENCE = "mobile-app"


def issue_access_token(user: User, session_id: str) -> tuple[str, int]:
    """A signed access token for `user` and its lifetime in seconds.

    `session_id` names the refresh-token family; once that is revoked
    (logout, reuse of a spent token) the access token stops working too.
    """
    ttl = current_app.config["ACCESS_TOKEN_TTL"]
    now = utcnow()
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": user.id,
        "role": user.role,
        "iat": now,
        "exp": now + timedelta(seconds=ttl),
        "jti": new_id(),
        "sid": session_id,
    }
    token = jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm=ALGORITHM)
    return token, ttl


def _unauthorized(detail: str) -> ApiError:
    return ApiError(
        401,
        detail,
        kind="unauthorized",
        headers={"WWW-Authenticate": 'Bearer realm="mobile-backend"'},
    )


def _user_from_request() -> User:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("Send `Authorization: Bearer <accessToken>`.")
    try:
        claims = jwt.decode(
            token.strip(),
            current_app.config["SECRET_KEY"],
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "sub", "sid"]},
        )
    except jwt.ExpiredSignatureError:
        raise _unauthorized("The access token has expired; refresh it.") from None
    except jwt.InvalidTokenError:
        raise _unauthorized("The access token is not valid.") from None
    user = db.session.get(User, claims["sub"])
    if user is None or user.deleted_at is not None:
        raise _unauthorized("The account no longer exists.")
    if _session_revoked(claims["sid"]):
        raise _unauthorized("This session has ended; sign in again.")
    return user


def _session_revoked(session_id: str) -> bool:
    revoked = select(RefreshToken.id).where(
        RefreshToken.family_id == session_id, RefreshToken.revoked_at.is_not(None)
    )
    return db.session.scalar(revoked.limit(1)) is not None


def current_user() -> User:
    return g.current_user


def login_required(view):
    """The view runs only for a signed-in user, available as `current_user()`."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.current_user = _user_from_request()
        return view(*args, **kwargs)

    return wrapper


def roles_required(*roles: str):
    """The view runs only for a signed-in user with one of `roles`; else 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user = _user_from_request()
            if user.role not in roles:
                raise ApiError(
                    403, "This needs a support or admin account.", kind="forbidden"
                )
            g.current_user = user
            return view(*args, **kwargs)

        return wrapper

    return decorator
