"""The sandbox's SQLite persistence: schema, connections and small helpers."""

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

DEFAULT_SETTINGS = {
    "accessTokenTtl": 86400,
    "webhookTimeout": 2.0,
    "webhookBackoff": [1, 2, 4, 8],
    "webhookMaxAttempts": 5,
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS applications (
    id TEXT PRIMARY KEY, public_key TEXT NOT NULL, redirect_uris TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS service_accounts (
    client_email TEXT PRIMARY KEY, public_key TEXT NOT NULL, project_id TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS businesses (
    id TEXT PRIMARY KEY, position INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS catalogs (
    id TEXT PRIMARY KEY, business_id TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS products (
    id TEXT PRIMARY KEY, business_id TEXT NOT NULL, position INTEGER NOT NULL,
    doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS taxes (
    id TEXT PRIMARY KEY, business_id TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS authorizations (
    application_id TEXT NOT NULL, business_id TEXT NOT NULL, created_at TEXT,
    PRIMARY KEY (application_id, business_id));
CREATE TABLE IF NOT EXISTS auth_codes (
    code TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL,
    business_id TEXT NOT NULL, expires_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS access_tokens (
    jti TEXT PRIMARY KEY, application_id TEXT NOT NULL, business_id TEXT,
    expires_at REAL NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token TEXT PRIMARY KEY, application_id TEXT NOT NULL, business_id TEXT,
    spent INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS assertion_jtis (
    jti TEXT PRIMARY KEY, issuer TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS google_tokens (
    token TEXT PRIMARY KEY, client_email TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS customers (
    id INTEGER PRIMARY KEY AUTOINCREMENT, business_id TEXT NOT NULL,
    created_at TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS customers_business ON customers (business_id, id);
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY, business_id TEXT NOT NULL, store_id TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS orders_business_updated
    ON orders (business_id, updated_at);
CREATE TABLE IF NOT EXISTS idempotency (
    request_id TEXT NOT NULL, path TEXT NOT NULL, status INTEGER,
    body BLOB, content_type TEXT, created_at REAL NOT NULL,
    PRIMARY KEY (request_id, path));
CREATE TABLE IF NOT EXISTS hooks (
    id TEXT PRIMARY KEY, application_id TEXT NOT NULL, business_id TEXT NOT NULL,
    secret TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY, hook_id TEXT NOT NULL, business_id TEXT NOT NULL,
    event_type TEXT NOT NULL, resource_id TEXT NOT NULL,
    delivery_url TEXT NOT NULL, secret TEXT NOT NULL, body BLOB NOT NULL,
    signature TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    attempt_limit INTEGER NOT NULL, delivered INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL, claimed_until REAL NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_due ON events (delivered, next_attempt_at);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL,
    hook_id TEXT NOT NULL, event_type TEXT NOT NULL, business_id TEXT NOT NULL,
    resource_id TEXT NOT NULL, delivery_url TEXT NOT NULL,
    attempt INTEGER NOT NULL, response_status INTEGER, error TEXT,
    duration_ms INTEGER NOT NULL, delivered_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pushes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, token TEXT,
    fid TEXT, doc TEXT NOT NULL, received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS unregistered_tokens (token TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS cloud_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL,
    received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS request_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, method TEXT NOT NULL,
    path TEXT NOT NULL, poynt_request_id TEXT, api_version TEXT,
    authorization TEXT NOT NULL, status INTEGER NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS faults (
    id TEXT PRIMARY KEY, method TEXT, path TEXT NOT NULL, status INTEGER,
    remaining INTEGER NOT NULL, delay_seconds REAL NOT NULL,
    after INTEGER NOT NULL, created_at TEXT NOT NULL);
"""

# What a reset forgets; applications, service accounts and the seed survive.
_RESET_TABLES = (
    "orders",
    "customers",
    "hooks",
    "events",
    "deliveries",
    "pushes",
    "cloud_messages",
    "request_log",
    "faults",
    "auth_codes",
    "access_tokens",
    "refresh_tokens",
    "assertion_jtis",
    "google_tokens",
    "authorizations",
    "idempotency",
    "unregistered_tokens",
    "settings",
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Format a time the way Poynt does: UTC, milliseconds, a trailing Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def now_iso() -> str:
    return iso(utc_now())


def parse_iso(text: str) -> datetime:
    """Read an ISO 8601 time; a naive one is taken as UTC."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def later_iso(previous: str) -> str:
    """Now, or one millisecond after ``previous`` if the clock has not moved on."""
    current = utc_now()
    floor = parse_iso(previous) + timedelta(milliseconds=1)
    return iso(max(current, floor))


def dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=False)


class Store:
    """Opens connections to one SQLite file and owns its schema."""

    def __init__(self, path: str, defaults: dict | None = None):
        self.path = path
        self.default_settings = {**DEFAULT_SETTINGS, **(defaults or {})}
        self._schema_lock = threading.Lock()
        with self._schema_lock, self.read() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)

    def connect(self) -> sqlite3.Connection:
        """A new connection in autocommit mode; callers open transactions."""
        conn = sqlite3.connect(self.path, timeout=5, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout=5000")
        return conn

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, taken eagerly so concurrent writers queue up."""
        conn = self.connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        conn = self.connect()
        try:
            yield conn
        finally:
            conn.close()

    def settings(self) -> dict:
        with self.read() as conn:
            rows = conn.execute("SELECT key, value FROM settings").fetchall()
        stored = {row["key"]: json.loads(row["value"]) for row in rows}
        return {**self.default_settings, **stored}

    def update_settings(self, changes: dict) -> dict:
        with self.tx() as conn:
            for key, value in changes.items():
                conn.execute(
                    "INSERT INTO settings (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, json.dumps(value)),
                )
        return self.settings()

    def reset(self) -> None:
        with self.tx() as conn:
            for table in _RESET_TABLES:
                conn.execute(f"DELETE FROM {table}")
