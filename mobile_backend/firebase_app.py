"""The one firebase-admin App of this process, shared by sign-in and push."""

import threading

import firebase_admin
from firebase_admin import credentials

APP_NAME = "mobile-backend"

_lock = threading.Lock()


def get_firebase_app(config) -> firebase_admin.App:
    """The firebase-admin App named `mobile-backend`, initialised on first use.

    `config` is a Flask `app.config` or a `Config`; the service account is read
    from `FIREBASE_CREDENTIALS` and the project from `FIREBASE_PROJECT_ID`.
    Later calls answer the same App whatever config they pass, because the
    process talks to one Firebase project. Safe to call from many threads.
    """
    with _lock:
        try:
            return firebase_admin.get_app(APP_NAME)
        except ValueError:
            pass
        credential = credentials.Certificate(config["FIREBASE_CREDENTIALS"])
        options = {"projectId": config["FIREBASE_PROJECT_ID"]}
        return firebase_admin.initialize_app(credential, options, name=APP_NAME)
