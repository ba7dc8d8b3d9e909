"""Checking Firebase ID tokens, the app's way of signing in with Google or Apple."""

import time
from dataclasses import dataclass

from firebase_admin import auth as firebase_auth
from flask import current_app

from ..firebase_app import get_firebase_app


class InvalidFirebaseToken(Exception):
    """The ID token is malformed, expired, revoked or for another project."""


class FirebaseUnavailable(Exception):
    """Google's signing certificates could not be fetched."""


@dataclass(frozen=True)
class FirebaseIdentity:
    uid: str
    email: str | None
    email_verified: bool
    name: str | None


def verify_id_token(id_token: str) -> FirebaseIdentity:
    """The identity an ID token vouches for; raises `InvalidFirebaseToken`."""
    app = get_firebase_app(current_app.config)
    try:
        claims = firebase_auth.verify_id_token(id_token, app=app)
    except firebase_auth.CertificateFetchError as error:
        raise FirebaseUnavailable(str(error)) from None
    except (firebase_auth.InvalidIdTokenError, ValueError):
        raise InvalidFirebaseToken() from None

    # firebase-admin skips the expiry check for the Auth emulator's unsigned
    # tokens; checking again costs nothing when Google has already checked.
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] < time.time():
        raise InvalidFirebaseToken()

    email = claims.get("email")
    return FirebaseIdentity(
        uid=claims["uid"],
        email=email.strip().lower() if isinstance(email, str) and email else None,
        email_verified=claims.get("email_verified") is True,
        name=claims.get("name") if isinstance(claims.get("name"), str) else None,
    )
