"""Operations: liveness, readiness, and the offline API docs' static files."""

import swagger_ui_bundle
from flask import Blueprint as FlaskBlueprint
from flask import current_app, jsonify, send_from_directory
from flask_smorest import Blueprint
from sqlalchemy import text

from ..extensions import db

blp = Blueprint("ops", __name__, description="Liveness and readiness")
docs_blp = FlaskBlueprint("docs_static", __name__)


@blp.get("/healthz")
def healthz():
    """The process is alive."""
    return jsonify(status="ok")


@blp.get("/readyz")
@blp.doc(responses={"503": {"description": "The database or the broker is down"}})
def readyz():
    """The database and the broker answer; 503 with the failing part if not."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"error: {type(error).__name__}"
    try:
        celery = current_app.extensions["celery"]
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as error:  # noqa: BLE001
        checks["broker"] = f"error: {type(error).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), (
        200 if ready else 503
    )


@docs_blp.get("/docs/static/<path:filename>")
def docs_static(filename: str):
    """Swagger UI's files, served locally so /docs works offline."""
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)
