"""The sandbox's app factory: store, signing key, seed, blueprints, threads."""

import os

from flask import Flask

from . import auth_routes, control_routes, errors, fcm_routes, poynt_routes, traffic
from .seed import seed
from .state import Sandbox
from .store import Store
from .tokens import Tokens, load_or_create_key

DATABASE_FILE = "sandbox.sqlite3"
KEY_FILE = "sandbox_key.pem"


def create_app(data_dir: str, base_url: str, settings: dict | None = None) -> Flask:
    """Build a sandbox keeping its state in ``data_dir``.

    ``base_url`` is the sandbox's own public URL: the issuer of its tokens,
    the audience it expects in self-signed JWTs and the base of its links.
    ``settings`` overrides the defaults a reset returns to (for example
    ``{"webhookBackoff": [0.1, 0.2]}``). Delivery threads start at once;
    ``app.extensions["sandbox"].shutdown()`` stops them.
    """
    os.makedirs(data_dir, exist_ok=True)
    base_url = base_url.rstrip("/")

    store = Store(os.path.join(data_dir, DATABASE_FILE), settings)
    with store.tx() as conn:
        seed(conn)
    key = load_or_create_key(os.path.join(data_dir, KEY_FILE))
    sandbox = Sandbox(store, Tokens(store, key, base_url), base_url)

    app = Flask(__name__)
    app.json.sort_keys = False
    app.extensions["sandbox"] = sandbox

    errors.register(app)
    app.before_request(traffic.before_request)
    app.after_request(traffic.after_request)

    app.register_blueprint(auth_routes.bp)
    app.register_blueprint(poynt_routes.bp)
    app.register_blueprint(fcm_routes.bp)
    app.register_blueprint(control_routes.bp)

    sandbox.worker.start()
    return app
