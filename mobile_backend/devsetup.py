"""Development set-up: register this app and its Firebase account with the sandbox.

Production never calls this; there the keys come from the environment.
"""

import json
from pathlib import Path

import requests

from . import keys


def register_with_sandbox(config, timeout: float = 10) -> None:
    """Tell the sandbox our public keys, and keep its token-signing key."""
    base = config["POYNT_API_URL"].rstrip("/")
    app_public = keys.public_pem_of(keys.load_poynt_private_key(config))
    callback = config["PUBLIC_BASE_URL"].rstrip("/") + "/merchants/connect/callback"
    response = requests.post(
        f"{base}/sandbox/applications",
        json={
            "applicationId": config["POYNT_APPLICATION_ID"],
            "publicKey": app_public.decode(),
            "redirectUris": [callback],
        },
        timeout=timeout,
    )
    response.raise_for_status()

    account = json.loads(Path(config["FIREBASE_CREDENTIALS"]).read_text())
    response = requests.post(
        f"{base}/sandbox/service-accounts",
        json={
            "clientEmail": account["client_email"],
            "publicKey": keys.public_pem_of(account["private_key"].encode()).decode(),
            "projectId": account["project_id"],
        },
        timeout=timeout,
    )
    response.raise_for_status()

    response = requests.get(f"{base}/sandbox/public-key", timeout=timeout)
    response.raise_for_status()
    path = Path(config["POYNT_PUBLIC_KEY_PATH"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(response.content)


def main(argv: list[str] | None = None) -> None:
    """`python -m mobile_backend.devsetup keys|register` for the Makefile."""
    import sys

    from .config import Config

    command = (argv or sys.argv[1:] or ["keys"])[0]
    config = Config()
    if command == "keys":
        for path in keys.ensure_dev_keys(config):
            print(f"created {path}")
    elif command == "register":
        register_with_sandbox(config)
        print(f"registered {config.POYNT_APPLICATION_ID} with the sandbox")
    else:
        raise SystemExit(f"unknown command {command!r}; use keys or register")


if __name__ == "__main__":
    main()
