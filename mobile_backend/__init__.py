"""The mobile ordering backend: a Flask app between consumers and Poynt."""

from flask import Flask

from .config import Config


def create_app(overrides: dict | None = None) -> Flask:
    """Build the API app from the environment, with optional overrides."""
    config = Config()
    if overrides:
        config.update(overrides)

    app = Flask(__name__, instance_path=config.INSTANCE_PATH)
    app.config.from_object(config)
    app.json.sort_keys = False

    from . import keys

    app.config["SECRET_KEY"] = keys.load_secret_key(config)

    from .logs import init_logging

    init_logging(app)

    from .database import init_database
    from .extensions import api, db, limiter, migrate

    db.init_app(app)
    init_database(app)
    migrate.init_app(app, db, directory=str(config.ROOT_MIGRATIONS))
    limiter.init_app(app)
    api.init_app(app)

    from .worker import celery_init_app

    celery_init_app(app)

    from .errors import guard_request_input, register_error_handlers

    register_error_handlers(app)
    guard_request_input(app)

    from .accounts.routes import blp as accounts_blp
    from .admin.routes import blp as admin_blp
    from .catalog.routes import blp as catalog_blp
    from .merchants.routes import blp as merchants_blp
    from .ops.routes import blp as ops_blp
    from .ops.routes import docs_blp
    from .orders.routes import blp as orders_blp
    from .webhooks.routes import blp as webhooks_blp

    api.register_blueprint(accounts_blp)
    api.register_blueprint(catalog_blp)
    api.register_blueprint(orders_blp)
    api.register_blueprint(admin_blp)
    api.register_blueprint(webhooks_blp)
    api.register_blueprint(merchants_blp)
    api.register_blueprint(ops_blp)
    app.register_blueprint(docs_blp)

    from .cli import register_commands

    register_commands(app)
    return app
