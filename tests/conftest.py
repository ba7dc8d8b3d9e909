"""The whole system on loopback: the sandbox and the API as HTTP servers,
a real Celery worker in its own process, and a real database.

Set DATABASE_URL to a throwaway PostgreSQL database to run on PostgreSQL.
"""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from support import (
    API_URL,
    INSTANCE,
    SANDBOX_URL,
    ApiClient,
    Sandbox,
    connect_merchant,
    wait_for,  # noqa: F401 - re-exported for tests that import conftest
)
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent


_INSTANCE = INSTANCE

os.environ.update(
    {
        "INSTANCE_PATH": str(_INSTANCE),
        "POYNT_API_URL": SANDBOX_URL,
        "PUBLIC_BASE_URL": API_URL,
        "FIREBASE_AUTH_EMULATOR_HOST": SANDBOX_URL.removeprefix("http://"),
        "SWEEP_INTERVAL": "2",
        "RECONCILE_INTERVAL": "3600",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "POYNT_TIMEOUT": "3",
        # Short, so a test can watch a relay give up during an outage.
        "RELAY_DEADLINE": "12",
    }
)
os.environ.setdefault(
    "CELERY_BROKER_URL", f"sqla+sqlite:///{_INSTANCE / 'broker.sqlite3'}"
)


class _ServerThread(threading.Thread):
    def __init__(self, app, url: str) -> None:
        super().__init__(daemon=True)
        port = int(url.rsplit(":", 1)[1])
        self.server = make_server("127.0.0.1", port, app, threaded=True)

    def run(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()


def _reset_postgres(url: str) -> None:
    import sqlalchemy as sa

    if "test" not in url.rsplit("/", 1)[-1]:
        raise RuntimeError("refusing to wipe a database whose name lacks 'test'")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def sandbox():
    """The Poynt and FCM stand-in, over HTTP."""
    from mobile_backend.sandbox import create_app as create_sandbox

    sandbox_app = create_sandbox(str(_INSTANCE / "sandbox"), SANDBOX_URL)
    thread = _ServerThread(sandbox_app, SANDBOX_URL)
    thread.start()
    yield Sandbox(SANDBOX_URL)
    thread.stop()


@pytest.fixture(scope="session")
def app(sandbox):
    """The API app, keys generated, schema migrated, registered with the sandbox."""
    from flask_migrate import upgrade

    from mobile_backend import create_app
    from mobile_backend.config import Config
    from mobile_backend.devsetup import register_with_sandbox
    from mobile_backend.keys import ensure_dev_keys

    config = Config()
    ensure_dev_keys(config)
    register_with_sandbox(config)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        _reset_postgres(url)
    flask_app = create_app()
    with flask_app.app_context():
        upgrade()
    return flask_app


@pytest.fixture(scope="session")
def api_server(app):
    thread = _ServerThread(app, API_URL)
    thread.start()
    yield API_URL
    thread.stop()


@pytest.fixture(scope="session")
def worker(app):
    """A real Celery worker (and beat) in a child process."""
    log_path = _INSTANCE / "worker.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "mobile_backend.celery_app",
                "worker",
                "--beat",
                "--schedule",
                str(_INSTANCE / "celerybeat-schedule"),
                "--pool",
                "threads",
                "--concurrency",
                "4",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while b" ready." not in log_path.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("worker did not start:\n" + log_path.read_text())
        time.sleep(0.2)
    yield process
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def stack(api_server, worker, sandbox):
    """Everything running: the API, the worker and the sandbox."""
    return api_server


@pytest.fixture
def api(api_server):
    """An HTTP client for the API; `api.as_user(...)` signs in."""
    return ApiClient(api_server)


@pytest.fixture(scope="session")
def coffee(stack):
    """Sandbox Coffee, connected once for the whole session."""
    from mobile_backend.sandbox import seed

    response = connect_merchant(seed.COFFEE_BUSINESS_ID)
    assert response.status_code == 200, response.text
    return seed


@pytest.fixture
def support(api, app, stack):
    """A signed-in support account."""
    from mobile_backend.accounts.models import User
    from mobile_backend.extensions import db

    client, session = api.register()
    with app.app_context():
        db.session.get(User, session["user"]["id"]).role = "support"
        db.session.commit()
    return client
