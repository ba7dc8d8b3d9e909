"""Processing stored webhook events in the worker."""

from celery import shared_task

from . import service


@shared_task(name="mobile_backend.webhooks.tasks.process_event")
def process_event(event_id: str) -> None:
    delay = service.process(event_id)
    if delay is not None:
        service.queue(event_id, countdown=delay)
