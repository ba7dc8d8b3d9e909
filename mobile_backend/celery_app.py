"""Entry point for `celery -A mobile_backend.celery_app worker|beat`."""

from . import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
