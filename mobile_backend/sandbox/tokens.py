"""The sandbox's signing key and the tokens it issues, verifies and rotates."""

import os
import secrets
import sqlite3
import time
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .errors import GoogleOAuthError, PoyntError
from .store import Store, now_iso

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TOKEN_TTL = 3600
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
AUTH_CODE_TTL = 600
MAX_ASSERTION_LIFETIME = 3600
CLOCK_LEEWAY = 30


def load_or_create_key(path: str) -> rsa.RSAPrivateKey:
    """Read the PEM private key at ``path``, creating it (mode 0600) if missing."""
    if os.path.exists(path):
        with open(path, "rb") as handle:
            return serialization.load_pem_private_key(handle.read(), password=None)

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # O_EXCL so two processes starting together cannot both write a key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_or_create_key(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


def merchant_user_id(business_id: str) -> str:
    """A numeric merchant user id that stays the same for a business."""
    return str(uuid.UUID(business_id).int % 90_000_000 + 10_000_000)


def organization_id(business_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"poynt-org:{business_id}"))


def _is_google_token_audience(audience: str) -> bool:
    # google-auth always names Google's own endpoint, whatever token_uri says.
    return audience == GOOGLE_TOKEN_AUDIENCE or audience.endswith(
        "/google/oauth2/token"
    )


def _invalid_token(message: str) -> PoyntError:
    return PoyntError(401, "INVALID_ACCESS_TOKEN", message)


def _invalid_grant(message: str) -> PoyntError:
    return PoyntError(400, "INVALID_GRANT", message)


class Tokens:
    """Issues and checks Poynt access tokens, refresh tokens and codes."""

    def __init__(self, store: Store, key: rsa.RSAPrivateKey, base_url: str):
        self.store = store
        self.key = key
        self.base_url = base_url
        self.public_key = key.public_key()
        self.public_pem = self.public_key.public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        ).decode()
        self.audiences = [base_url, base_url + "/"]

    # Access tokens

    def issue_access_token(
        self, conn: sqlite3.Connection, application_id: str, business_id: str | None
    ) -> tuple[str, int]:
        """Sign an access token: an app token, or a merchant one for a business."""
        ttl = int(self.store.settings()["accessTokenTtl"])
        now = int(time.time())
        jti = str(uuid.uuid4())
        claims = {
            "iss": self.base_url,
            "sub": application_id,
            "aud": application_id,
            "iat": now,
            "exp": now + ttl,
            "jti": jti,
            "poynt.sct": "A",
        }
        if business_id:
            claims.update(
                {
                    "poynt.biz": business_id,
                    "poynt.uid": merchant_user_id(business_id),
                    "poynt.org": organization_id(business_id),
                    "poynt.sct": "U",
                    "poynt.ure": "O",
                }
            )
        conn.execute(
            "INSERT INTO access_tokens (jti, application_id, business_id, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (jti, application_id, business_id, now + ttl),
        )
        token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "1"})
        return token, ttl

    def verify_access_token(self, token: str) -> dict:
        """The claims of a live access token this sandbox issued, else a 401."""
        try:
            claims = jwt.decode(
                token,
                self.public_key,
                algorithms=["RS256"],
                issuer=self.base_url,
                options={"verify_aud": False, "require": ["exp", "jti", "sub"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise _invalid_token("Access token expired") from error
        except jwt.InvalidTokenError as error:
            raise _invalid_token(f"Invalid access token: {error}") from error

        with self.store.read() as conn:
            row = conn.execute(
                "SELECT revoked FROM access_tokens WHERE jti = ?", (claims["jti"],)
            ).fetchone()
        if row is None or row["revoked"]:
            raise _invalid_token("Access token revoked")
        return claims

    # Refresh tokens

    def issue_refresh_token(
        self, conn: sqlite3.Connection, application_id: str, business_id: str | None
    ) -> str:
        token = secrets.token_urlsafe(32)
        conn.execute(
            "INSERT INTO refresh_tokens (token, application_id, business_id,"
            " created_at) VALUES (?, ?, ?, ?)",
            (token, application_id, business_id, now_iso()),
        )
        return token

    def spend_refresh_token(self, conn: sqlite3.Connection, token: str) -> sqlite3.Row:
        """Mark a refresh token used and return its row; a spent one is refused."""
        row = conn.execute(
            "SELECT * FROM refresh_tokens WHERE token = ?", (token,)
        ).fetchone()
        if row is None:
            raise _invalid_grant("Unknown refresh token")
        if row["spent"]:
            raise _invalid_grant("Refresh token already used")
        conn.execute("UPDATE refresh_tokens SET spent = 1 WHERE token = ?", (token,))
        return row

    # Authorization codes

    def issue_code(
        self, conn: sqlite3.Connection, client_id: str, redirect_uri: str, business_id
    ) -> str:
        code = secrets.token_urlsafe(24)
        conn.execute(
            "INSERT INTO auth_codes (code, client_id, redirect_uri, business_id,"
            " expires_at) VALUES (?, ?, ?, ?, ?)",
            (code, client_id, redirect_uri, business_id, time.time() + AUTH_CODE_TTL),
        )
        return code

    def spend_code(
        self, conn: sqlite3.Connection, code: str, client_id: str, redirect_uri: str
    ) -> str:
        """Use a code once; the business id it was issued for."""
        row = conn.execute(
            "SELECT * FROM auth_codes WHERE code = ?", (code,)
        ).fetchone()
        if row is None or row["client_id"] != client_id:
            raise _invalid_grant("Unknown authorization code")
        if row["used"]:
            raise _invalid_grant("Authorization code already used")
        if row["expires_at"] < time.time():
            raise _invalid_grant("Authorization code expired")
        if row["redirect_uri"] != redirect_uri:
            raise _invalid_grant("redirect_uri does not match the authorization")
        conn.execute("UPDATE auth_codes SET used = 1 WHERE code = ?", (code,))
        return row["business_id"]

    # Self-signed application JWTs

    def verify_assertion(
        self, conn: sqlite3.Connection, assertion: str, expected_issuer: str = ""
    ) -> dict:
        """Check an application's self-signed JWT and burn its jti, else a 401."""
        claims = self._check_assertion(conn, assertion)
        if expected_issuer and claims["iss"] != expected_issuer:
            raise _invalid_token("JWT issuer does not match client_id")

        try:
            conn.execute(
                "INSERT INTO assertion_jtis (jti, issuer, expires_at) VALUES (?, ?, ?)",
                (claims["jti"], claims["iss"], claims["exp"]),
            )
        except sqlite3.IntegrityError as error:
            raise _invalid_token("JWT jti already used") from error
        return claims

    def _check_assertion(self, conn: sqlite3.Connection, assertion: str) -> dict:
        try:
            issuer = jwt.decode(assertion, options={"verify_signature": False})["iss"]
        except (jwt.InvalidTokenError, KeyError, TypeError) as error:
            raise _invalid_token("Malformed JWT") from error

        row = conn.execute(
            "SELECT public_key FROM applications WHERE id = ?", (issuer,)
        ).fetchone()
        if row is None:
            raise _invalid_token(f"Unknown application {issuer}")

        try:
            claims = jwt.decode(
                assertion,
                row["public_key"],
                algorithms=["RS256"],
                audience=self.audiences,
                leeway=CLOCK_LEEWAY,
                options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]},
            )
        except jwt.InvalidTokenError as error:
            raise _invalid_token(f"Invalid JWT: {error}") from error

        if claims["sub"] != claims["iss"]:
            raise _invalid_token("JWT sub must equal iss")
        if claims["exp"] - claims["iat"] > MAX_ASSERTION_LIFETIME:
            raise _invalid_token("JWT lifetime exceeds one hour")
        return claims

    def is_self_signed(self, token: str) -> bool:
        """Whether ``token`` is a valid application JWT, without burning its jti."""
        try:
            with self.store.read() as conn:
                self._check_assertion(conn, token)
        except PoyntError:
            return False
        return True

    # Google service accounts

    def issue_google_token(self, assertion: str) -> str:
        """Exchange a service account's JWT for an opaque Google access token."""
        try:
            email = jwt.decode(assertion, options={"verify_signature": False})["iss"]
        except (jwt.InvalidTokenError, KeyError, TypeError) as error:
            raise GoogleOAuthError("invalid_grant", "Malformed JWT") from error

        with self.store.tx() as conn:
            row = conn.execute(
                "SELECT public_key FROM service_accounts WHERE client_email = ?",
                (email,),
            ).fetchone()
            if row is None:
                raise GoogleOAuthError("invalid_grant", f"Unknown account {email}")
            try:
                claims = jwt.decode(
                    assertion,
                    row["public_key"],
                    algorithms=["RS256"],
                    leeway=CLOCK_LEEWAY,
                    options={"verify_aud": False, "require": ["exp", "iat", "aud"]},
                )
            except jwt.InvalidTokenError as error:
                raise GoogleOAuthError(
                    "invalid_grant", f"Invalid JWT: {error}"
                ) from error
            if not _is_google_token_audience(str(claims["aud"])):
                raise GoogleOAuthError("invalid_grant", "Invalid JWT audience")

            token = "ya29.sandbox-" + secrets.token_urlsafe(32)
            conn.execute(
                "INSERT INTO google_tokens (token, client_email, expires_at)"
                " VALUES (?, ?, ?)",
                (token, email, time.time() + GOOGLE_TOKEN_TTL),
            )
        return token

    def google_token_is_valid(self, token: str) -> bool:
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT expires_at FROM google_tokens WHERE token = ?", (token,)
            ).fetchone()
        return row is not None and row["expires_at"] > time.time()

    def classify(self, authorization: str | None) -> str:
        """Name the kind of credential a request carried, for the request log."""
        if not authorization:
            return "none"
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return "invalid"
        try:
            claims = self.verify_access_token(token)
        except PoyntError:
            pass
        else:
            return "merchant" if claims.get("poynt.biz") else "app"
        if self.google_token_is_valid(token):
            return "google"
        return "self-signed" if self.is_self_signed(token) else "invalid"
