"""HTTP routes of accounts: sign-up, sign-in, sessions, the profile, devices."""

import time

from flask import current_app
from flask_smorest import Blueprint

from ..errors import ApiError
from ..extensions import limiter
from ..pagination import ListArgsSchema
from . import service
from .auth import current_user, login_required
from .schemas import (
    DevicePageSchema,
    DeviceRegisterSchema,
    DeviceSchema,
    FirebaseSignInSchema,
    LoginSchema,
    RefreshTokenSchema,
    RegisterSchema,
    SessionSchema,
    UserSchema,
    UserUpdateSchema,
)

BEARER = [{"bearerAuth": []}]

blp = Blueprint("accounts", __name__, description="Accounts, sessions and devices")


def _sign_in_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _too_many_attempts(request_limit) -> None:
    retry_after = max(1, request_limit.reset_at - int(time.time()))
    raise ApiError(
        429,
        "Too many sign-in attempts from here; wait and try again.",
        kind="rate-limited",
        headers={"Retry-After": str(retry_after)},
    )


def _rate_limited(view):
    """Limit `view` to `LOGIN_RATE_LIMIT` per client address."""
    view = limiter.limit(_sign_in_limit, on_breach=_too_many_attempts)(view)
    return blp.alt_response(429, response="TOO_MANY_REQUESTS")(view)


def _signed_in(view):
    """The view needs a bearer access token; documented as such."""
    view = blp.alt_response(401, response="UNAUTHORIZED")(view)
    view = blp.doc(security=BEARER)(view)
    return login_required(view)


@blp.route("/v1/auth/register", methods=["POST"])
@_rate_limited
@blp.arguments(RegisterSchema)
@blp.response(201, SessionSchema)
@blp.alt_response(409, response="CONFLICT")
def register(body):
    """Sign up with email and password"""
    return service.register(body["email"], body["password"], body["name"])


@blp.route("/v1/auth/login", methods=["POST"])
@_rate_limited
@blp.arguments(LoginSchema)
@blp.response(200, SessionSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def login(body):
    """Sign in with email and password"""
    return service.login(body["email"], body["password"])


@blp.route("/v1/auth/firebase", methods=["POST"])
@blp.arguments(FirebaseSignInSchema)
@blp.response(200, SessionSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def firebase_sign_in(body):
    """Sign in with a Firebase ID token; the account is made on first use"""
    return service.firebase_sign_in(body["idToken"])


@blp.route("/v1/auth/refresh", methods=["POST"])
@blp.arguments(RefreshTokenSchema)
@blp.response(200, SessionSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def refresh(body):
    """Trade a refresh token for a new session

    The token is spent. Presenting it again within a short grace window
    answers the same successor refresh token; after that, the reuse ends
    every session of the chain.
    """
    return service.refresh(body["refreshToken"])


@blp.route("/v1/auth/logout", methods=["POST"])
@blp.arguments(RefreshTokenSchema)
@blp.response(204)
def logout(body):
    """End the session the refresh token belongs to"""
    service.logout(body["refreshToken"])


@blp.route("/v1/me", methods=["GET"])
@_signed_in
@blp.response(200, UserSchema)
def get_me():
    """The signed-in user"""
    return current_user()


@blp.route("/v1/me", methods=["PATCH"])
@_signed_in
@blp.arguments(UserUpdateSchema)
@blp.response(200, UserSchema)
def update_me(body):
    """Change the signed-in user's profile"""
    return service.update_profile(current_user(), **body)


@blp.route("/v1/me", methods=["DELETE"])
@_signed_in
@blp.response(204)
def delete_me():
    """Erase the account: personal data, devices and sessions go, orders stay"""
    service.erase_account(current_user())


@blp.route("/v1/me/devices", methods=["POST"])
@_signed_in
@blp.arguments(DeviceRegisterSchema)
@blp.response(201, DeviceSchema)
@blp.alt_response(200, schema=DeviceSchema, description="Known device, updated")
def register_device(body):
    """Register the phone's push identifier for the signed-in user"""
    device, created = service.register_device(
        current_user(), body["token"], body["platform"], body["tokenType"]
    )
    return device, 201 if created else 200


@blp.route("/v1/me/devices", methods=["GET"])
@_signed_in
@blp.arguments(ListArgsSchema, location="query")
@blp.response(200, DevicePageSchema)
def list_devices(args):
    """The signed-in user's devices, newest first"""
    return service.list_devices(current_user(), args["limit"], args["cursor"])


@blp.route("/v1/me/devices/<deviceId>", methods=["DELETE"])
@_signed_in
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
def delete_device(deviceId):
    """Stop pushes to one of the signed-in user's devices"""
    service.remove_device(current_user(), deviceId)
