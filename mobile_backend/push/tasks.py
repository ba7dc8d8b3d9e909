"""Sending pushes in the worker."""

from celery import shared_task

from . import service


@shared_task(name="mobile_backend.push.tasks.send_push")
def send_push(push_id: str) -> None:
    delay = service.send(push_id)
    if delay is not None:
        service.queue([push_id], countdown=delay)
