"""Development keys made at run time under instance/, and loading of all keys."""

import json
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

SECRET_KEY_FILE = "secret_key"
FERNET_KEY_FILE = "token_encryption.key"


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _new_rsa_pem() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo,
    )
    return private, public


def public_pem_of(private_pem: bytes) -> bytes:
    key = serialization.load_pem_private_key(private_pem, password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo,
    )


def ensure_dev_keys(config) -> list[str]:
    """Create whichever development keys are missing; return the files made.

    Existing files are left alone, so running it twice changes nothing.
    """
    made = []
    keys = Path(config["DEV_KEYS_PATH"])
    secret = keys / SECRET_KEY_FILE
    if not secret.exists():
        _write_private(secret, secrets.token_urlsafe(48).encode())
        made.append(str(secret))
    fernet = keys / FERNET_KEY_FILE
    if not fernet.exists():
        _write_private(fernet, Fernet.generate_key())
        made.append(str(fernet))
    poynt_key = Path(config["POYNT_PRIVATE_KEY_PATH"])
    if not poynt_key.exists():
        private, _ = _new_rsa_pem()
        _write_private(poynt_key, private)
        made.append(str(poynt_key))
    firebase = Path(config["FIREBASE_CREDENTIALS"])
    if not firebase.exists():
        private, _ = _new_rsa_pem()
        project = config["FIREBASE_PROJECT_ID"]
        account = {
            "type": "service_account",
            "project_id": config["FIREBASE_PROJECT_ID"],
            "private_key_id": secrets.token_hex(20),
            "private_key": private.decode(),
            "client_email": (f"firebase-adminsdk@{project}.iam.gserviceaccount.com"),
            "client_id": str(secrets.randbelow(10**20)),
            "token_uri": config["POYNT_API_URL"] + "/google/oauth2/token",
        }
        _write_private(firebase, json.dumps(account, indent=2).encode())
        made.append(str(firebase))
    return made


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        raise RuntimeError(
            f"{what} not found at {path}: set it in the environment, or run "
            "`make run` (or `flask dev-keys`) to generate development keys"
        ) from None


def load_secret_key(config) -> str:
    if config["SECRET_KEY"]:
        return config["SECRET_KEY"]
    return _read(Path(config["DEV_KEYS_PATH"]) / SECRET_KEY_FILE, "SECRET_KEY").decode()


def load_fernet(config) -> MultiFernet:
    """The token cipher; the first key encrypts, all of them decrypt."""
    if config["TOKEN_ENCRYPTION_KEYS"]:
        raw = config["TOKEN_ENCRYPTION_KEYS"].split(",")
    else:
        path = Path(config["DEV_KEYS_PATH"]) / FERNET_KEY_FILE
        raw = [_read(path, "TOKEN_ENCRYPTION_KEYS").decode()]
    return MultiFernet([Fernet(key.strip()) for key in raw if key.strip()])


def load_poynt_private_key(config) -> bytes:
    return _read(Path(config["POYNT_PRIVATE_KEY_PATH"]), "POYNT_PRIVATE_KEY_PATH")


def load_poynt_public_key(config) -> bytes | None:
    """Poynt's token-signing key; None until the app has been registered."""
    path = Path(config["POYNT_PUBLIC_KEY_PATH"])
    return path.read_bytes() if path.exists() else None
