"""Settings read from the environment, each with a default a laptop can run."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


class Config:
    """One place for every setting; `create_app` reads it once."""

    def __init__(self) -> None:
        instance = Path(_env("INSTANCE_PATH", str(ROOT / "instance")))
        self.INSTANCE_PATH = str(instance)
        self.ROOT_MIGRATIONS = ROOT / "migrations"

        self.SQLALCHEMY_DATABASE_URI = _env(
            "DATABASE_URL", _sqlite_url(instance / "mobile_backend.sqlite3")
        )
        self.CELERY_BROKER_URL = _env(
            "CELERY_BROKER_URL", "sqla+" + _sqlite_url(instance / "broker.sqlite3")
        )
        self.CELERY_BEAT_SCHEDULE_PATH = str(instance / "celerybeat-schedule")

        self.PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
        self.DEV_KEYS_PATH = str(instance / "keys")
        self.SECRET_KEY = os.environ.get("SECRET_KEY")
        self.TOKEN_ENCRYPTION_KEYS = os.environ.get("TOKEN_ENCRYPTION_KEYS")

        self.ACCESS_TOKEN_TTL = _env_int("ACCESS_TOKEN_TTL", 900)
        self.REFRESH_TOKEN_TTL = _env_int("REFRESH_TOKEN_TTL", 30 * 86400)
        self.REFRESH_GRACE_SECONDS = _env_int("REFRESH_GRACE_SECONDS", 30)
        self.LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "20 per minute")
        self.RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")

        self.POYNT_API_URL = _env("POYNT_API_URL", "http://127.0.0.1:8100")
        self.POYNT_AUTHORIZE_URL = _env(
            "POYNT_AUTHORIZE_URL", self.POYNT_API_URL + "/applications/authorize"
        )
        self.POYNT_APPLICATION_ID = _env(
            "POYNT_APPLICATION_ID", "urn:aid:6a1c2b0e-5d3f-4c1a-9f1e-0d5c7a2b9e41"
        )
        self.POYNT_PRIVATE_KEY_PATH = _env(
            "POYNT_PRIVATE_KEY_PATH", str(instance / "keys" / "poynt_app_key.pem")
        )
        self.POYNT_PUBLIC_KEY_PATH = _env(
            "POYNT_PUBLIC_KEY_PATH", str(instance / "keys" / "poynt_public_key.pem")
        )
        self.POYNT_TIMEOUT = float(_env("POYNT_TIMEOUT", "10"))
        self.POYNT_MAX_RETRIES = _env_int("POYNT_MAX_RETRIES", 2)
        self.POYNT_TOKEN_REFRESH_MARGIN = _env_int("POYNT_TOKEN_REFRESH_MARGIN", 300)
        self.CATALOG_MAX_AGE = _env_int("CATALOG_MAX_AGE", 900)
        self.CONNECT_CONTEXT_TTL = _env_int("CONNECT_CONTEXT_TTL", 600)

        self.FIREBASE_CREDENTIALS = _env(
            "FIREBASE_CREDENTIALS",
            str(instance / "keys" / "firebase-service-account.json"),
        )
        self.FIREBASE_PROJECT_ID = _env("FIREBASE_PROJECT_ID", "mobile-backend-dev")
        # Empty in production: firebase-admin then talks to Google itself.
        self.FCM_SEND_URL = os.environ.get(
            "FCM_SEND_URL",
            f"{self.POYNT_API_URL}/v1/projects/{self.FIREBASE_PROJECT_ID}"
            "/messages:send",
        )

        # A relay keeps trying for this long before the order reads failed.
        self.RELAY_DEADLINE = _env_int("RELAY_DEADLINE", 15 * 60)
        self.PUSH_MAX_ATTEMPTS = _env_int("PUSH_MAX_ATTEMPTS", 5)
        self.WEBHOOK_MAX_ATTEMPTS = _env_int("WEBHOOK_MAX_ATTEMPTS", 8)
        self.SWEEP_INTERVAL = float(_env("SWEEP_INTERVAL", "30"))
        self.RECONCILE_INTERVAL = float(_env("RECONCILE_INTERVAL", "300"))
        self.TOKEN_REFRESH_INTERVAL = float(_env("TOKEN_REFRESH_INTERVAL", "600"))

        self.LOG_LEVEL = _env("LOG_LEVEL", "INFO")

        self.API_TITLE = "Mobile ordering backend"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/"
        self.OPENAPI_JSON_PATH = "openapi.json"
        self.OPENAPI_SWAGGER_UI_PATH = "docs"
        self.OPENAPI_SWAGGER_UI_URL = "/docs/static/"
        self.API_SPEC_OPTIONS = {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "bearerFormat": "JWT",
                    }
                }
            }
        }
        # hide_parameters: a failed statement's log line must not show the
        # values (password hashes, push tokens).
        self.SQLALCHEMY_ENGINE_OPTIONS = {
            "pool_pre_ping": True,
            "hide_parameters": True,
        }
        self.MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 1024 * 1024)

    def __getitem__(self, name: str):
        """`config["NAME"]`, as on a Flask `app.config`, so helpers take either."""
        return getattr(self, name)

    def update(self, overrides: dict) -> None:
        for key, value in overrides.items():
            setattr(self, key, value)
