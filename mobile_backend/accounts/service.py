"""What accounts do: sign-up, sign-in, rotating sessions, profile, devices."""

import contextlib
import hashlib
import logging
import secrets
import time
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import ApiError, not_found
from ..extensions import db
from ..keys import load_fernet
from ..models import new_id, utcnow
from ..pagination import paginate
from . import firebase
from .auth import issue_access_token
from .models import ROLES, Device, RefreshToken, User

log = logging.getLogger(__name__)

TOKEN_TYPE = "Bearer"
# How long a loser of two simultaneous refreshes waits for the winner's commit.
_SUCCESSOR_READ_ATTEMPTS = 20
_SUCCESSOR_READ_PAUSE = 0.05

_hasher = PasswordHasher()
_dummy_hash: str | None = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _fernet() -> MultiFernet:
    extensions = current_app.extensions
    if "accounts.fernet" not in extensions:
        extensions["accounts.fernet"] = load_fernet(current_app.config)
    return extensions["accounts.fernet"]


def _unauthorized(detail: str) -> ApiError:
    return ApiError(401, detail, kind="unauthorized")


# Passwords


def _verify_password(user: User | None, password: str) -> bool:
    """Check `password`, spending one hash verification even without a user."""
    global _dummy_hash
    if user is None or not user.password_hash:
        if _dummy_hash is None:
            _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
        with contextlib.suppress(VerificationError):
            _hasher.verify(_dummy_hash, password)
        return False
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def _user_by_email(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email == email)).one_or_none()


# Sessions


def _new_refresh_token(
    user: User, family_id: str, now: datetime
) -> tuple[str, RefreshToken]:
    secret = secrets.token_urlsafe(32)
    token = RefreshToken(
        id=new_id(),
        user_id=user.id,
        family_id=family_id,
        token_hash=_token_hash(secret),
        created_at=now,
        expires_at=now + timedelta(seconds=current_app.config["REFRESH_TOKEN_TTL"]),
    )
    db.session.add(token)
    return secret, token


def _session(user: User, refresh_secret: str, family_id: str) -> dict:
    access_token, expires_in = issue_access_token(user, family_id)
    return {
        "accessToken": access_token,
        "refreshToken": refresh_secret,
        "expiresIn": expires_in,
        "tokenType": TOKEN_TYPE,
        "user": user,
    }


def _start_session(user: User) -> dict:
    """A new refresh-token family for `user`, committed, and its session."""
    family_id = new_id()
    secret, _ = _new_refresh_token(user, family_id, utcnow())
    db.session.commit()
    return _session(user, secret, family_id)


def register(email: str, password: str, name: str) -> dict:
    """Sign up a consumer; a taken email answers 409."""
    email = normalise_email(email)
    if _user_by_email(email) is not None:
        raise _email_taken()
    user = User(
        id=new_id(),
        email=email,
        name=name.strip(),
        password_hash=_hasher.hash(password),
        role="consumer",
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise _email_taken() from None
    log.info("consumer registered", extra={"user_id": user.id})
    return _start_session(user)


def _email_taken() -> ApiError:
    return ApiError(
        409,
        "An account with this email already exists; sign in instead.",
        kind="email-taken",
        errors={"email": ["Already registered."]},
    )


def login(email: str, password: str) -> dict:
    """Sign in with email and password; any wrong pair answers the same 401."""
    user = _user_by_email(normalise_email(email))
    if not _verify_password(user, password):
        raise _unauthorized("The email or password is wrong.")
    return _start_session(user)


def firebase_sign_in(id_token: str) -> dict:
    """Sign in with a Firebase ID token, creating the account on first use."""
    try:
        identity = firebase.verify_id_token(id_token)
    except firebase.InvalidFirebaseToken:
        raise _unauthorized("The Firebase ID token is not valid.") from None
    except firebase.FirebaseUnavailable:
        log.warning("firebase certificates could not be fetched")
        raise ApiError(
            503,
            "Firebase could not be reached to check the token; try again.",
            kind="firebase-unavailable",
            headers={"Retry-After": "5"},
        ) from None

    user = _user_for_firebase(identity)
    try:
        db.session.flush()
    except IntegrityError:
        # Two first sign-ins of the same uid at once: the other one won.
        db.session.rollback()
        user = _user_by_firebase_uid(identity.uid)
        if user is None:
            raise
    return _start_session(user)


def _user_by_firebase_uid(uid: str) -> User | None:
    query = select(User).where(User.firebase_uid == uid)
    return db.session.scalars(query).one_or_none()


def _user_for_firebase(identity: firebase.FirebaseIdentity) -> User:
    user = _user_by_firebase_uid(identity.uid)
    if user is not None:
        return user

    same_email = _user_by_email(identity.email) if identity.email else None
    # Staff accounts are never taken over by a Google or Apple sign-in.
    linkable = (
        same_email is not None
        and same_email.firebase_uid is None
        and not same_email.is_staff
    )
    if linkable and identity.email_verified:
        same_email.firebase_uid = identity.uid
        log.info("firebase sign-in linked", extra={"user_id": same_email.id})
        return same_email

    # Limitation: an unverified email that an account already holds is not
    # stored on the new account, so that account shows no email.
    user = User(
        id=new_id(),
        email=identity.email if same_email is None else None,
        name=(identity.name or "").strip()[:200] or None,
        firebase_uid=identity.uid,
        role="consumer",
    )
    db.session.add(user)
    log.info("consumer registered through firebase", extra={"user_id": user.id})
    return user


def refresh(secret: str) -> dict:
    """Trade a refresh token for a new session; the token is spent.

    The spend is one conditional UPDATE and the first statement of the
    transaction, so of two refreshes at once exactly one wins (SQLite waits
    on its write lock, PostgreSQL on the row lock); the other then finds the
    token spent inside the grace window and answers the winner's successor.
    """
    token_hash = _token_hash(secret)
    now = utcnow()
    won = db.session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.token_hash == token_hash,
            RefreshToken.spent_at.is_(None),
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now,
        )
        .values(spent_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won:
        return _rotate(token_hash, now)
    db.session.rollback()
    return _replay(token_hash, now)


def _refresh_token_by_hash(token_hash: str) -> RefreshToken | None:
    query = select(RefreshToken).where(RefreshToken.token_hash == token_hash)
    return db.session.scalars(query).one_or_none()


def _rotate(token_hash: str, now: datetime) -> dict:
    spent = _refresh_token_by_hash(token_hash)
    user = db.session.get(User, spent.user_id)
    secret, successor = _new_refresh_token(user, spent.family_id, now)
    spent.successor_id = successor.id
    spent.successor_secret = _fernet().encrypt(secret.encode()).decode()

    # Successors older than the window can never be answered again.
    cutoff = now - _grace()
    db.session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.family_id == spent.family_id,
            RefreshToken.spent_at < cutoff,
            RefreshToken.successor_secret.is_not(None),
        )
        .values(successor_secret=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return _session(user, secret, spent.family_id)


def _grace() -> timedelta:
    return timedelta(seconds=current_app.config["REFRESH_GRACE_SECONDS"])


def _replay(token_hash: str, now: datetime) -> dict:
    """Answer a token that could not be spent: a repeat, a reuse, or junk."""
    token = _refresh_token_by_hash(token_hash)
    if token is None or token.revoked_at is not None or token.spent_at is None:
        raise _unauthorized("The refresh token is not valid; sign in again.")

    if now - token.spent_at > _grace():
        _revoke_family(token.family_id, now)
        db.session.commit()
        log.warning(
            "spent refresh token reused; its sessions are revoked",
            extra={"user_id": token.user_id},
        )
        raise _unauthorized("The refresh token was already used; sign in again.")

    # Limitation: if the successor has itself been rotated since, this still
    # answers the successor, whose own reuse rules then apply.
    secret = _successor_secret(token_hash)
    successor = db.session.get(RefreshToken, token.successor_id)
    if (
        secret is None
        or successor is None
        or successor.revoked_at is not None
        or successor.expires_at <= now
    ):
        raise _unauthorized("The refresh token is not valid; sign in again.")
    return _session(db.session.get(User, token.user_id), secret, token.family_id)


def _successor_secret(token_hash: str) -> str | None:
    for _attempt in range(_SUCCESSOR_READ_ATTEMPTS):
        token = _refresh_token_by_hash(token_hash)
        if token is not None and token.successor_secret:
            try:
                return _fernet().decrypt(token.successor_secret.encode()).decode()
            except InvalidToken:
                log.warning("a refresh successor could not be decrypted")
                return None
        db.session.rollback()
        time.sleep(_SUCCESSOR_READ_PAUSE)
    return None


def _revoke_family(family_id: str, now: datetime) -> None:
    db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id)
        .values(
            revoked_at=func.coalesce(RefreshToken.revoked_at, now),
            successor_secret=None,
        )
        .execution_options(synchronize_session=False)
    )


def logout(secret: str) -> None:
    """End the session `secret` belongs to; an unknown token changes nothing."""
    token = _refresh_token_by_hash(_token_hash(secret))
    if token is not None:
        _revoke_family(token.family_id, utcnow())
        db.session.commit()


# Profile


def update_profile(user: User, name: str | None = None) -> User:
    if name is not None:
        user.name = name.strip()
    db.session.commit()
    return user


def erase_account(user: User) -> None:
    """Forget who the user is; the row stays so their orders keep a reference."""
    from ..orders.service import anonymise_orders_of

    anonymise_orders_of(user.id)
    db.session.execute(delete(Device).where(Device.user_id == user.id))
    db.session.execute(delete(RefreshToken).where(RefreshToken.user_id == user.id))
    user.email = None
    user.name = None
    user.password_hash = None
    user.firebase_uid = None
    user.deleted_at = utcnow()
    db.session.commit()
    log.info("account erased", extra={"user_id": user.id})


# Devices


def register_device(
    user: User, token: str, platform: str, token_type: str
) -> tuple[Device, bool]:
    """Record a push identifier for `user`; answers the device and if it is new.

    An identifier already known moves to `user`: a phone has one owner, the
    one signed in on it last.
    """
    token_hash = _token_hash(token)
    for _attempt in range(2):
        device = db.session.scalars(
            select(Device).where(Device.token_hash == token_hash)
        ).one_or_none()
        if device is not None:
            _update_device(device, user, platform, token_type)
            return device, False
        device = Device(
            id=new_id(),
            user_id=user.id,
            token=token,
            token_hash=token_hash,
            platform=platform,
            token_type=token_type,
        )
        db.session.add(device)
        try:
            db.session.commit()
        except IntegrityError:
            # The same phone registered twice at once; take the other's row.
            db.session.rollback()
            continue
        log.info("device registered", extra={"device_id": device.id})
        return device, True
    raise ApiError(409, "The device is being registered; try again.", kind="busy")


def _update_device(device: Device, user: User, platform: str, token_type: str):
    moved = device.user_id != user.id
    device.user_id = user.id
    device.platform = platform
    device.token_type = token_type
    device.updated_at = utcnow()
    db.session.commit()
    if moved:
        log.info("device moved to another user", extra={"device_id": device.id})


def list_devices(user: User, limit: int, cursor: str | None) -> dict:
    return paginate(
        select(Device).where(Device.user_id == user.id), Device, limit, cursor
    )


def remove_device(user: User, device_id: str) -> None:
    device = db.session.get(Device, device_id)
    if device is None or device.user_id != user.id:
        raise not_found("Device")
    db.session.delete(device)
    db.session.commit()


# Operators


def save_staff_or_consumer(
    email: str, password: str, role: str | None = None, name: str | None = None
) -> tuple[User, bool]:
    """Create the account for `email`, or set its role and password.

    A new account without a `role` is a consumer; an existing one keeps its
    role unless `role` is given.
    """
    if role is not None and role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    email = normalise_email(email)
    user = _user_by_email(email)
    created = user is None
    if created:
        user = User(id=new_id(), email=email, role="consumer")
        db.session.add(user)
    if role is not None:
        user.role = role
    user.password_hash = _hasher.hash(password)
    if name:
        user.name = name.strip()
    db.session.commit()
    return user, created
