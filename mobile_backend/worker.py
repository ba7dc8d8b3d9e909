"""Celery bound to the Flask app: every task runs inside an app context."""

from celery import Celery, Task
from flask import Flask


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    broker = app.config["CELERY_BROKER_URL"]
    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=broker,
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        # kombu hands the SQLAlchemy transport's options to create_engine:
        # a busy timeout, since the API, worker and beat share the file.
        broker_transport_options=(
            {"connect_args": {"timeout": 30}} if "sqlite" in broker else {}
        ),
        beat_schedule_filename=app.config["CELERY_BEAT_SCHEDULE_PATH"],
        beat_schedule={
            "sweep-due-work": {
                "task": "mobile_backend.ops.tasks.sweep",
                "schedule": app.config["SWEEP_INTERVAL"],
            },
            "reconcile-orders": {
                "task": "mobile_backend.orders.tasks.reconcile_orders",
                "schedule": app.config["RECONCILE_INTERVAL"],
            },
            "refresh-poynt-tokens": {
                "task": "mobile_backend.merchants.tasks.refresh_expiring_tokens",
                "schedule": app.config["TOKEN_REFRESH_INTERVAL"],
            },
        },
        include=[
            "mobile_backend.catalog.tasks",
            "mobile_backend.orders.tasks",
            "mobile_backend.webhooks.tasks",
            "mobile_backend.push.tasks",
            "mobile_backend.merchants.tasks",
            "mobile_backend.ops.tasks",
        ],
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
